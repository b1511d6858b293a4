"""The panel shown instead of empty panes while the database holds no article."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget


class EmptyStatePanel(QWidget):
    """Explains what to do first and offers the two ways to get an article in.

    Signals:
        demoRequested(): the user asked for the bundled demo article.
        importRequested(): the user asked to pick files to import.
    """

    demoRequested = Signal()
    importRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("emptyState")

        heading = QLabel("No articles yet", self)
        heading.setObjectName("emptyStateHeading")
        font = heading.font()
        font.setPointSizeF(max(font.pointSizeF(), 10.0) * 1.8)
        font.setBold(True)
        heading.setFont(font)
        heading.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.explanation = explanation = QLabel(
            "Import scraped article files (.txt), WordPress exports (WXR, .xml) or\n"
            "Disqus exports (.xml) to moderate their comments here,\n"
            "or open the demo article to try the desk first.",
            self,
        )
        explanation.setObjectName("emptyStateExplanation")
        explanation.setTextFormat(Qt.TextFormat.PlainText)
        explanation.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.demo_button = QPushButton("Open the demo article", self)
        self.demo_button.setObjectName("openDemoButton")
        self.demo_button.setDefault(True)
        self.demo_button.clicked.connect(self.demoRequested)
        self.import_button = QPushButton("Import files…", self)
        self.import_button.setObjectName("importFilesButton")
        self.import_button.clicked.connect(self.importRequested)

        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(self.demo_button)
        buttons.addWidget(self.import_button)
        buttons.addStretch()

        layout = QVBoxLayout(self)
        layout.addStretch(2)
        layout.addWidget(heading)
        layout.addSpacing(8)
        layout.addWidget(explanation)
        layout.addSpacing(20)
        layout.addLayout(buttons)
        layout.addStretch(3)
