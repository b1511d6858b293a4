"""Who is at the desk, and as what (moderator or editor): asked on a first start, and changed
from File → Switch Profile…"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QMainWindow,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from moderator.domain import Role
from ui.desk import Desk

# Injected so tests can answer without a modal dialog: (parent, suggested name) -> answer.
ProfilePicker = Callable[[QWidget | None, str], tuple[str, Role] | None]
# The same, when someone else takes over the desk: (parent, current name, current role).
SwitchPicker = Callable[[QWidget, str, Role], tuple[str, Role] | None]

ROLE_TEXTS = {
    Role.MODERATOR: "Moderator — approve, hide, restore and escalate comments",
    Role.EDITOR: "Editor — also review escalations and overturn decisions",
}


class ProfileDialog(QDialog):
    """Asks for a name (the one decisions are logged under) and a role."""

    def __init__(
        self,
        suggested: str,
        parent: QWidget | None = None,
        *,
        role: Role = Role.MODERATOR,
        title: str = "Welcome to Moderator",
    ) -> None:
        super().__init__(parent)
        self.setObjectName("profileDialog")
        self.setWindowTitle(title)
        intro = QLabel("Every decision is logged under your name. Who is at this desk?", self)
        intro.setWordWrap(True)
        self.name_box = QLineEdit(suggested, self)
        self.name_box.setObjectName("profileName")
        self.name_box.setAccessibleName("Your name")
        self.name_box.setMaxLength(200)
        self.name_box.selectAll()
        self.roles = QButtonGroup(self)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.name_box)
        for choice, text in ROLE_TEXTS.items():
            button = QRadioButton(text, self)
            button.setObjectName(f"role_{choice.value}")
            button.setChecked(choice is role)
            self.roles.addButton(button)
            button.setProperty("role", choice.value)
            layout.addWidget(button)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.name_box.textChanged.connect(self._check)
        self._check()

    def answer(self) -> tuple[str, Role]:
        checked = self.roles.checkedButton()
        assert checked is not None  # one of the two is always checked
        return self.name_box.text().strip(), Role(checked.property("role"))

    def _check(self) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(bool(self.name_box.text().strip()))


def ask_profile(
    parent: QWidget | None,
    suggested: str,
    role: Role = Role.MODERATOR,
    *,
    title: str = "Welcome to Moderator",
) -> tuple[str, Role] | None:
    dialog = ProfileDialog(suggested, parent, role=role, title=title)
    return dialog.answer() if dialog.exec() == QDialog.DialogCode.Accepted else None


def first_start(desk: Desk, picker: ProfilePicker | None = None) -> bool:
    """On a first start (no profile for the acting name) ask who is at the desk; whether a
    profile was made. Declining keeps the suggested name, as a moderator, until it decides."""
    if desk.has_profile():
        return False
    answer = (picker or ask_profile)(None, desk.actor)
    if answer is None:
        return False
    desk.create_profile(*answer)
    return True


def ask_switch(parent: QWidget, current: str, role: Role) -> tuple[str, Role] | None:
    return ask_profile(parent, current, role, title="Switch Profile")


def switch_profile_action(
    window: QMainWindow, desk: Desk, switched: Callable[[], object], picker: SwitchPicker
) -> QAction:
    """File → Switch Profile…: someone else takes over the desk (or the same person changes
    role); decisions from then on are logged under the name given, here and in later sessions."""
    action = QAction("Switch &Profile…", window)
    action.setObjectName("actionProfile")
    action.setStatusTip("Change who is at the desk: later decisions are logged under that name")

    def switch() -> None:
        answer = picker(window, desk.actor, desk.role)
        if answer is not None:
            desk.create_profile(*answer)
            switched()

    action.triggered.connect(switch)
    return action
