"""The one write funnel: each user action is one unit of work, then a broadcast of what changed."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from sqlalchemy.orm import Session

from moderator import settings
from moderator.domain import Outcome, ReasonCode, Role
from moderator.domain.errors import TransitionError
from moderator.imports.importer import ImportAborted, ImportReport
from moderator.imports.importer import import_paths as import_files
from moderator.queries.snapshots import get_profile
from moderator.rules.loader import LoadedRuleSet
from moderator.rules.model import RuleSet
from moderator.runs.rules import RuleRunReport, StopRequested, run_rules
from moderator.services import moderation, notes, review
from moderator.services.changes import ModerationChange
from moderator.services.moderation import Seen
from moderator.services.notes import NoteChange
from moderator.services.rulesets import check_active, choose_rule_set, read_rules
from moderator.store.database import Database
from moderator.store.models import Profile
from ui.common.jobs import Job, Progress


def active_rule_set() -> RuleSet:
    """The rule set new comments are checked with (the user's choice, else the default)."""
    return read_rules(settings.active_rule_set_path()).rule_set


def pinned_rule_set(database: Database) -> RuleSet:
    """The active rule set, once it is the one an editor chose for this database (its file
    unchanged since): ``RuleSetNotChosenError`` otherwise, ``LoadError`` for a broken one."""
    rules = active_rule_set()
    with database.session() as session:
        check_active(session, rules)
    return rules


class Desk(QObject):
    """Runs decisions and imports against the database and tells every view what changed.

    Signals:
        moderated(ModerationChange): a decision was committed; carries the change record.
        imported(ImportReport): an import run finished; carries what was stored and refused.
        rules_ran(RuleRunReport): rules were run again over stored comments (flags replaced,
            some comments maybe hidden by rules), finished or stopped.
        noted(NoteChange): a note was left on a comment or an author.
        lock_changed(int, bool): an article (id) was locked (True) or unlocked by an editor.
        behind(): a decision was refused because another desk changed the comments first;
            the views are behind the database (``ui.common.live`` catches them up).

    What other desks commit reaches the views here too (posted by ``ui.common.live.LiveFeed``):
        arrived(ModerationChange): comments another desk decided (a step per log entry).
        reread(): others imported or changed flags, or did more than can be followed one by
            one: the lists read themselves again.
        elsewhere(): others left notes, locked threads or changed profiles.

    Views connect to these and refresh themselves; the code that asked for the change never
    touches other widgets. Service errors (``ServiceError``) propagate to the caller, and nothing
    is committed or emitted then.
    """

    moderated = Signal(object)
    imported = Signal(object)
    rules_ran = Signal(object)
    noted = Signal(object)
    lock_changed = Signal(int, bool)
    behind = Signal()
    arrived = Signal(object)
    reread = Signal()
    elsewhere = Signal()

    def __init__(
        self, database: Database, *, actor: str | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._database = database
        self._actor = (
            actor or moderation.default_actor_name(remembered=settings.remembered_profile_name())
        ).strip()
        self._role: Role | None = None

    @property
    def database(self) -> Database:
        return self._database

    @property
    def actor(self) -> str:
        return self._actor

    @property
    def role(self) -> Role:
        """The acting profile's role, read on first use."""
        if self._role is None:
            self.sign_in()
        assert self._role is not None
        return self._role

    def sign_in(self) -> Role:
        """Learn the acting profile's role; a name never seen acts as a moderator.

        Nothing is written: the profile is created by its first decision.
        """
        with self._database.session() as session:
            profile = get_profile(session, self._actor)
        self._role = Role.MODERATOR if profile is None else profile.role
        return self._role

    def has_profile(self) -> bool:
        """Whether the acting name has a profile yet (none on a first start)."""
        with self._database.session() as session:
            return get_profile(session, self._actor) is not None

    def create_profile(self, name: str, role: Role) -> None:
        """Act as ``name`` with ``role`` from now on, here and in later sessions.

        Becoming an editor takes an editor at the desk (``RoleError`` otherwise), except for a
        database's first editor.
        """
        with self._database.transaction() as session:
            profile = moderation.ensure_profile(session, name, role=role, granted_by=self._actor)
            self._actor, self._role = profile.name, profile.role
        settings.use_profile_name(self._actor)

    # ``seen``: each comment's version as the window showed it; a comment changed since at
    # another desk is refused (``ConflictError``) rather than decided over.

    def approve(self, ids: Iterable[int], *, seen: Seen | None = None) -> ModerationChange:
        return self._decide(
            lambda session, actor: moderation.approve(session, ids, actor=actor, seen=seen)
        )

    def hide(
        self,
        ids: Iterable[int],
        reason: ReasonCode | str,
        note: str | None = None,
        *,
        seen: Seen | None = None,
    ) -> ModerationChange:
        return self._decide(
            lambda session, actor: moderation.hide(
                session, ids, actor=actor, reason=reason, note=note, seen=seen
            )
        )

    def restore(self, ids: Iterable[int], *, seen: Seen | None = None) -> ModerationChange:
        return self._decide(
            lambda session, actor: moderation.restore(session, ids, actor=actor, seen=seen)
        )

    def escalate(
        self, ids: Iterable[int], note: str | None = None, *, seen: Seen | None = None
    ) -> ModerationChange:
        return self._decide(
            lambda session, actor: moderation.escalate(
                session, ids, actor=actor, note=note, seen=seen
            )
        )

    def undo(self, change: ModerationChange) -> ModerationChange:
        """Put the comments of an earlier decision back as it found them (logged as "undo")."""
        return self._decide(lambda session, actor: moderation.undo(session, change, actor=actor))

    def revert(self, seq: int) -> ModerationChange:
        """Put a comment back as log entry ``seq`` found it (logged as "revert")."""
        return self._decide(lambda session, actor: moderation.revert(session, seq, actor=actor))

    def resolve(
        self,
        ids: Iterable[int],
        outcome: Outcome,
        note: str,
        reason: ReasonCode | str | None = None,
        *,
        seen: Seen | None = None,
    ) -> ModerationChange:
        """An editor's decision on escalated comments (``RoleError`` for a moderator)."""
        return self._decide(
            lambda session, actor: review.resolve(
                session, ids, actor=actor, outcome=outcome, note=note, reason=reason, seen=seen
            )
        )

    def note_comment(self, comment_id: int, text: str) -> NoteChange:
        with self._database.transaction() as session:
            profile = moderation.ensure_profile(session, self._actor)
            change = notes.note_comment(session, comment_id, text, actor=profile)
        self.noted.emit(change)
        return change

    def note_author(self, author: str, text: str) -> NoteChange:
        with self._database.transaction() as session:
            profile = moderation.ensure_profile(session, self._actor)
            change = notes.note_author(session, author, text, actor=profile)
        self.noted.emit(change)
        return change

    def set_locked(self, article_id: int, locked: bool, note: str | None = None) -> bool:
        """Lock (or unlock) an article's comments; editors only (``RoleError``)."""
        with self._database.transaction() as session:
            profile = moderation.ensure_profile(session, self._actor)
            changed = review.set_locked(
                session, article_id, locked=locked, actor=profile, note=note
            )
        if changed:
            self.lock_changed.emit(article_id, locked)
        return changed

    def import_paths(self, paths: Iterable[Path]) -> ImportReport:
        """Import files and folders; the importer commits each file on its own, so that one bad
        file never undoes the others (its errors are in the report, not raised).

        New comments are checked by the active rule set in the same unit of work; a rule set
        with problems raises ``LoadError`` before anything is imported. If the database fails
        partway (``ImportAborted``), the files committed before it are still announced, then
        the error propagates.
        """
        rules = pinned_rule_set(self._database)
        try:
            report = import_files(
                self._database, [Path(p) for p in paths], rules=rules, actor=self._actor
            )
        except ImportAborted as aborted:
            self.imported.emit(aborted.report)
            raise
        self.imported.emit(report)
        return report

    def use_rule_set(self, path: Path | None) -> LoadedRuleSet:
        """Make ``path`` the active rule set (None: the default one), once it loads.

        A rule set with problems raises ``LoadError``, a profile that is not an editor's
        ``RoleError``; either way the active one stays as it was. The choice is logged.
        """
        loaded = read_rules(settings.DEFAULT_RULE_SET if path is None else path)
        with self._database.transaction() as session:
            profile = moderation.ensure_profile(session, self._actor)
            choose_rule_set(session, loaded.rule_set, actor=profile)
        settings.use_rule_set(path)
        return loaded

    def start_rule_run(self) -> Job:
        """Check every stored comment with the active rule set again, a page per unit of work,
        in a worker thread; the job can be stopped between pages (what was done stays done).
        ``rules_ran`` is emitted here when it ends.

        The active rule set is read now: one with problems raises ``LoadError``, one an editor
        did not choose (or whose file changed since) ``RuleSetNotChosenError``.
        """
        rules = pinned_rule_set(self._database)
        database = self._database

        def work(progress: Progress, stop: StopRequested) -> RuleRunReport:
            return run_rules(
                database,
                rules,
                progress=lambda done, total: progress(done, total, "comments"),
                stop=stop,
            )

        job = Job(work, self)
        job.succeeded.connect(self.rules_ran.emit)
        job.start()
        return job

    def start_import(self, paths: Iterable[Path]) -> Job:
        """:meth:`import_paths` in a worker thread; the returned job reports progress and can
        be stopped between files. ``imported`` is emitted in this thread when it ends (also
        when the database failed partway: with the files committed before). The active rule
        set is read now: one with problems raises ``LoadError`` and nothing starts, as does
        one an editor did not choose (``RuleSetNotChosenError``).
        """
        rules = pinned_rule_set(self._database)
        files = [Path(p) for p in paths]
        database = self._database
        actor = self._actor

        def work(progress: Progress, stop: StopRequested) -> ImportReport:
            return import_files(
                database,
                files,
                rules=rules,
                progress=lambda done, total, path: progress(done, total, str(path)),
                stop=stop,
                actor=actor,
            )

        job = Job(work, self)
        job.succeeded.connect(self.imported.emit)
        job.failed.connect(self._on_import_failed)
        job.start()
        return job

    def _on_import_failed(self, error: Exception) -> None:
        if isinstance(error, ImportAborted):
            self.imported.emit(error.report)

    def _decide(self, service: Callable[[Session, Profile], ModerationChange]) -> ModerationChange:
        try:
            with self._database.transaction() as session:
                profile = moderation.ensure_profile(session, self._actor)
                change = service(session, profile)
                self._role = profile.role
        except TransitionError:
            # Another desk got there first: the views should catch up with it now.
            self.behind.emit()
            raise
        # Emitted only after the commit: listeners re-read the database and must see the change.
        self.moderated.emit(change)
        return change
