"""Who is at the desk, and as what (moderator or editor): asked on a first start, and changed
from File → Switch Profile…"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from moderator.domain import Role
from moderator.domain.errors import ServiceError
from moderator.domain.names import ProfileNameError, normal_name
from ui.common.funnel import Desk
from ui.common.messages import plain_box, warn

# Injected so tests can answer without a modal dialog: (parent, suggested name, why the last
# answer was refused or None) -> answer.
ProfilePicker = Callable[[QWidget | None, str, str | None], tuple[str, Role] | None]
# The same, when someone else takes over the desk: (parent, current name, current role).
SwitchPicker = Callable[[QWidget, str, Role], tuple[str, Role] | None]

ROLE_TEXTS = {
    Role.MODERATOR: "Moderator — approve, hide, restore and escalate comments",
    Role.EDITOR: "Editor — also review escalations and overturn decisions",
}


class ProfileDialog(QDialog):
    """Asks for a name (the one decisions are logged under) and a role; a name the desk would
    refuse (reserved, or with an invisible, bidirectional or control character) is said at
    once under the box, in plain words, and OK waits for a better one."""

    def __init__(
        self,
        suggested: str,
        parent: QWidget | None = None,
        *,
        role: Role = Role.MODERATOR,
        title: str = "Welcome to Moderator",
        problem: str | None = None,
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
        # Refusals quote the name typed: plain text, never rich text guessed from it.
        self.problem = QLabel(self)
        self.problem.setObjectName("profileNameProblem")
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.problem.setWordWrap(True)
        # The database's own refusal of the last answer (a look-alike of a profile, say),
        # shown until the name is changed.
        self._refused = (suggested, problem) if problem else None
        self.roles = QButtonGroup(self)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.name_box)
        layout.addWidget(self.problem)
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
        text = self.name_box.text()
        problem = None
        try:
            normal_name(text)
        except ProfileNameError as error:
            problem = str(error)
        if problem is None and self._refused is not None and text == self._refused[0]:
            problem = self._refused[1]
        self.problem.setText(sentence(problem) if problem else "")
        self.problem.setVisible(problem is not None)
        ok.setEnabled(bool(text.strip()) and problem is None)


def sentence(text: str) -> str:
    """A service's message (lower case, no stop) as a sentence for a dialog."""
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def ask_profile(
    parent: QWidget | None,
    suggested: str,
    problem: str | None = None,
    *,
    role: Role = Role.MODERATOR,
    title: str = "Welcome to Moderator",
) -> tuple[str, Role] | None:
    dialog = ProfileDialog(suggested, parent, role=role, title=title, problem=problem)
    return dialog.answer() if dialog.exec() == QDialog.DialogCode.Accepted else None


_NOTICES: list[QMessageBox] = []


def first_start(desk: Desk, picker: ProfilePicker | None = None) -> bool:
    """On a first start (no profile for the acting name) ask who is at the desk; whether a
    profile was made. Declining keeps the suggested name, as a moderator, until it decides.
    A name the desk refuses (a look-alike of a profile, say) is asked again, saying why."""
    if desk.has_profile():
        return False
    suggested, problem = desk.actor, None
    while True:
        answer = (picker or ask_profile)(None, suggested, problem)
        if answer is None:
            return False
        try:
            _start_as(desk, *answer)
        except ProfileNameError as error:
            suggested, problem = answer[0], str(error)
            continue
        return True


def _start_as(desk: Desk, name: str, role: Role) -> None:
    try:
        desk.create_profile(name, role)
    except ProfileNameError:
        raise
    except ServiceError as error:
        # An editor already works here and nobody at this desk is one: start as a moderator.
        desk.create_profile(name, Role.MODERATOR)
        box = plain_box(
            None,
            QMessageBox.Icon.Information,
            "Started as a moderator",
            f"{error}.\n\nYou start as a moderator; an editor can make you one.",
        )
        box.setObjectName("startedAsModerator")
        # Shown beside the window that opens next, not in its way; kept alive until closed
        # (a box with no parent is Python's to keep).
        _NOTICES.append(box)
        box.finished.connect(lambda _result: _NOTICES.remove(box))
        box.show()


def ask_switch(parent: QWidget, current: str, role: Role) -> tuple[str, Role] | None:
    return ask_profile(parent, current, role=role, title="Switch Profile")


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
        if answer is None:
            return
        try:
            desk.create_profile(*answer)
        except ServiceError as error:
            warn(window, "Cannot switch profile", str(error))
            return
        switched()

    action.triggered.connect(switch)
    return action
