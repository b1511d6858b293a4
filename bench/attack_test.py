"""The accountable record under attack: each way issue 20 found to act as someone else, to
change what the log should catch, to destroy with an export or to drive a terminal, tried
against the real command line, each expected to be caught.

Every attack runs ``moderator`` as a user would (a child process, its own arguments and
environment) on a fresh SQLite database, then checks that it was refused (exit status 1 and a
message naming why) AND that nothing it aimed at changed: the comments' statuses, the profiles'
roles, the database file's bytes, the file at ``--out``, what the terminal received. An attack
that got through, or a refusal that still changed something, is a failure, printed with what
happened.

Run it (from the repository root)::

    .venv/bin/python bench/attack_test.py
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from results import Result, record

ROOT = Path(__file__).resolve().parents[1]
SCRAPE = (
    "Harbour fares\n\nThe council voted.\n\nComments 3\n"
    "Thumb ann 1 May 2020, 10:00\n\nYou are an idiot.\n\n"
    "Thumb bob 1 May 2020, 11:00\n\nThanks for the article.\n\n"
    "Thumb cat 1 May 2020, 12:00\n\nThe fares were too low anyway.\n"
)
EVIL_RULES = '[[rule]]\nid = "all"\nkind = "words"\nterms = ["the"]\naction = "hide"\n'
# What would act on a terminal (or hide text from whoever reads it) if printed raw.
ACTIVE = ("\x1b", "\x07", "\x9b", "\u202e", "\u200b")
HOSTILE = "\x1b]0;pwned\x07\x1b[2J\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\\u202eexe\u200b\x9b2J"


@dataclass
class Desk:
    """A fresh database with one article imported, an editor (ed) and two moderators."""

    folder: Path
    db: Path = field(init=False)

    def __post_init__(self) -> None:
        self.db = self.folder / "desk.sqlite3"
        (self.folder / "config").mkdir()
        scrape = self.folder / "article.txt"
        scrape.write_text(SCRAPE, encoding="utf-8")
        self.ok("import", str(scrape), "--as", "ed")
        self.ok("profile", "ed", "--role", "editor", "--as", "ed")
        self.ok("profile", "mo", "--role", "moderator", "--as", "ed")
        self.ok("profile", "mo2", "--role", "moderator", "--as", "ed")

    def run(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[bytes]:
        environ = {
            **os.environ,
            "MODERATOR_CONFIG_DIR": str(self.folder / "config"),
            "MODERATOR_USER": "",
            **(env or {}),
        }
        return subprocess.run(  # noqa: S603 - our own program, our own arguments
            [sys.executable, "-m", "moderator", "--db", str(self.db), *args],
            capture_output=True,
            env=environ,
            cwd=ROOT,
            timeout=120,
            check=False,
        )

    def ok(self, *args: str) -> str:
        done = self.run(*args)
        if done.returncode != 0:
            raise RuntimeError(f"setting up: {args}: {done.stderr.decode(errors='replace')}")
        return done.stdout.decode("utf-8")

    def state(self) -> tuple[object, ...]:
        """What an attack must not change: every comment's status and every profile's role."""
        with closing(sqlite3.connect(self.db)) as connection:
            comments = connection.execute("SELECT id, status FROM comment ORDER BY id").fetchall()
            roles = connection.execute("SELECT name, role FROM profile ORDER BY name").fetchall()
        return (tuple(comments), tuple(roles))

    def ids(self) -> dict[str, int]:
        with closing(sqlite3.connect(self.db)) as connection:
            rows = connection.execute(
                "SELECT author.name, comment.id FROM comment JOIN author"
                " ON author.id = comment.author_id"
            ).fetchall()
        return {str(name): int(comment_id) for name, comment_id in rows}


@dataclass(frozen=True, slots=True)
class Outcome:
    attack: str
    caught: bool
    said: str


Attack = Callable[[Desk], Outcome]


def refused(
    desk: Desk, attack: str, args: Sequence[str], *, expect: str, env: dict[str, str] | None = None
) -> Outcome:
    """Run ``args``: caught if it exits 1 saying ``expect`` and changed no status or role."""
    before = desk.state()
    done = desk.run(*args, env=env)
    said = done.stderr.decode("utf-8", errors="replace").strip()
    caught = done.returncode == 1 and expect in said and desk.state() == before
    return Outcome(attack, caught, said[-300:])


def as_system(desk: Desk) -> Outcome:
    ann = desk.ids()["ann"]
    return refused(
        desk, "--as system decides", ["approve", str(ann), "--as", "system"], expect="reserved"
    )


def look_alikes(desk: Desk) -> list[Outcome]:
    ann = str(desk.ids()["ann"])
    return [
        refused(desk, f"look-alike of ed: {name!r}", ["approve", ann, "--as", name], expect="name")
        for name in ("ed\u200b", "\u0435d", "ED", "e\u202ed")
    ]


def env_user(desk: Desk) -> Outcome:
    ann = str(desk.ids()["ann"])
    return refused(
        desk,
        "MODERATOR_USER=system",
        ["approve", ann],
        expect="reserved",
        env={"MODERATOR_USER": "System"},
    )


def demote_editor(desk: Desk) -> Outcome:
    return refused(
        desk,
        "a moderator demotes the editor",
        ["profile", "ed", "--role", "moderator", "--as", "mo"],
        expect="editor",
    )


def promote_self(desk: Desk) -> Outcome:
    return refused(
        desk,
        "a moderator makes themselves editor",
        ["profile", "mo", "--role", "editor", "--as", "mo"],
        expect="editor",
    )


def two_step_overturn(desk: Desk) -> Outcome:
    ann = str(desk.ids()["ann"])
    desk.ok("hide", ann, "--reason", "abuse", "--as", "mo")
    return refused(
        desk,
        "another moderator's hide overturned in two steps (restore, then approve)",
        ["restore", ann, "--as", "mo2"],
        expect="editor",
    )


def rules_run_other_set(desk: Desk) -> Outcome:
    evil = desk.folder / "evil.toml"
    evil.write_text(EVIL_RULES, encoding="utf-8")
    return refused(
        desk,
        "rules run --rules with a hiding set, as a moderator",
        ["rules", "run", "--rules", str(evil), "--as", "mo"],
        expect="editor",
    )


def import_other_set(desk: Desk) -> Outcome:
    evil = desk.folder / "evil.toml"
    evil.write_text(EVIL_RULES, encoding="utf-8")
    scrape = desk.folder / "again.txt"
    scrape.write_text(
        SCRAPE.replace("Comments 3", "Comments 4") + "\nThumb dan 1 May 2020, 13:00\n\nThe end.\n",
        encoding="utf-8",
    )
    return refused(
        desk,
        "import --rules with a hiding set, as a moderator",
        ["import", str(scrape), "--rules", str(evil), "--as", "mo"],
        expect="editor",
    )


def settings_point_elsewhere(desk: Desk) -> Outcome:
    evil = desk.folder / "evil.toml"
    evil.write_text(EVIL_RULES, encoding="utf-8")
    settings = desk.folder / "config" / "settings.json"
    kept = settings.read_text(encoding="utf-8") if settings.exists() else None
    written = json.loads(kept) if kept else {}
    written["rule_set"] = str(evil)
    settings.write_text(json.dumps(written), encoding="utf-8")
    try:
        return refused(
            desk,
            "settings.json edited to an unchosen hiding set, then rules run",
            ["rules", "run", "--as", "mo"],
            expect="no editor has chosen it",
        )
    finally:
        if kept is None:
            settings.unlink()
        else:
            settings.write_text(kept, encoding="utf-8")


def chosen_set_edited(desk: Desk) -> Outcome:
    mine = desk.folder / "mine.toml"
    mine.write_text('[[rule]]\nid = "idiots"\nkind = "words"\nterms = ["idiot"]\n', "utf-8")
    desk.ok("rules", "use", str(mine), "--as", "ed")
    mine.write_text(mine.read_text(encoding="utf-8") + 'action = "hide"\n', encoding="utf-8")
    return refused(
        desk,
        "the chosen rule set edited in place, then rules run",
        ["rules", "run", "--as", "mo"],
        expect="edited since",
    )


def locked_reimport(desk: Desk) -> Outcome:
    desk.ok("lock", "1", "--as", "ed")
    scrape = desk.folder / "more.txt"
    scrape.write_text(
        SCRAPE.replace("Comments 3", "Comments 4")
        + "\nThumb dan 1 May 2020, 13:00\n\nA late one.\n",
        encoding="utf-8",
    )
    before = len(desk.ids())
    done = desk.run("import", str(scrape), "--as", "mo")
    said = done.stderr.decode("utf-8", errors="replace")
    caught = len(desk.ids()) == before and "locked" in said
    return Outcome("a new comment imported into a locked article", caught, said[-300:])


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "-"


def export_onto(desk: Desk, attack: str, target: Path) -> Outcome:
    """``log export --out target``: caught if refused and neither the target nor the database
    file changed."""
    kept, database = digest(target), digest(desk.db)
    kind = "link" if target.is_symlink() else "fifo" if target.is_fifo() else "file"
    done = desk.run("log", "export", "--format", "csv", "--out", str(target))
    said = done.stderr.decode("utf-8", errors="replace").strip()
    unchanged = digest(target) == kept and digest(desk.db) == database
    still = target.is_symlink() if kind == "link" else target.is_fifo() if kind == "fifo" else True
    return Outcome(attack, done.returncode == 1 and unchanged and still, said[-300:])


def exports(desk: Desk) -> list[Outcome]:
    other = desk.folder / "same.sqlite3"
    os.link(desk.db, other)
    link = desk.folder / "link.csv"
    link.symlink_to(desk.folder / "article.txt")
    fifo = desk.folder / "pipe.csv"
    os.mkfifo(fifo)
    folder = desk.folder / "folder"
    folder.mkdir()
    return [
        export_onto(desk, "log export onto the open database", desk.db),
        export_onto(desk, "log export onto a hard link of the database", other),
        export_onto(desk, "log export onto the database's -wal", Path(f"{desk.db}-wal")),
        export_onto(desk, "log export onto a symbolic link", link),
        export_onto(desk, "log export onto a FIFO", fifo),
        export_onto(desk, "log export onto a folder", folder),
    ]


def terminal(desk: Desk) -> Outcome:
    scrape = desk.folder / "hostile.txt"
    scrape.write_text(
        f"Hostile\n\nBody.\n\nComments 1\nThumb x{HOSTILE} 1 May 2020, 10:00\n\n{HOSTILE}\n",
        encoding="utf-8",
    )
    desk.ok("import", str(scrape), "--as", "ed")
    printed = b"".join(
        desk.run(*args).stdout for args in (("queue",), ("show", *map(str, desk.ids().values())))
    )
    raw = [char for char in ACTIVE if char.encode("utf-8") in printed]
    return Outcome("escape sequences in comments reach the terminal", not raw, repr(raw))


def csv_formula(desk: Desk) -> Outcome:
    ann = str(desk.ids()["cat"])
    desk.ok("hide", ann, "--reason", "other", "--note", "1;=2+2", "--as", "ed")
    out = desk.folder / "log.csv"
    desk.ok("log", "export", "--format", "csv", "--out", str(out))
    text = out.read_text(encoding="utf-8")
    return Outcome(
        "a formula after ';' in a CSV cell", "1;=2+2" not in text and "1;'=2+2" in text, ""
    )


def jsonl_separators(desk: Desk) -> Outcome:
    bob = str(desk.ids()["bob"])
    desk.ok("hide", bob, "--reason", "other", "--note", "a\u2028b\u0085c", "--as", "ed")
    printed = desk.ok("log", "export", "--format", "jsonl", "--out", "-")
    # Split on line feeds alone: str.splitlines would also split at the very characters
    # whose escaping is checked.
    lines = printed.rstrip("\n").split("\n")
    raw = [char for char in ("\u2028", "\u0085") if char in printed]
    whole = all(json.loads(line) for line in lines)
    return Outcome("U+2028 and U+0085 raw in JSON Lines", not raw and whole, repr(raw))


def tampered(desk: Desk, attack: str, sql: str, *args: str) -> Outcome:
    """Change the database behind the log's back with raw SQL; caught if ``log verify`` (with
    ``args``) then fails and says so."""
    with closing(sqlite3.connect(desk.db)) as connection:
        connection.executescript(sql)
        connection.commit()
    done = desk.run("log", "verify", *args)
    said = (done.stdout + done.stderr).decode("utf-8", errors="replace").strip()
    return Outcome(attack, done.returncode == 1 and "does not hold" in said, said[-300:])


def behind_the_log(desk: Desk) -> list[Outcome]:
    """Raw SQL edits the log should catch, each on a desk of its own."""
    ann, bob = desk.ids()["ann"], desk.ids()["bob"]
    # A flag to delete, and a lock to forge: the default rules flag ann's insult on import.
    edits = (
        ("a comment's text edited", f"UPDATE comment SET body = 'nice' WHERE id = {ann}"),
        (
            "a comment moved to another article",
            f"UPDATE comment SET article_id = 999 WHERE id = {bob}",
        ),
        ("a moderator made editor", "UPDATE profile SET role = 'editor' WHERE name = 'mo'"),
        ("an article locked", "UPDATE article SET locked = 1"),
        ("a flag deleted", "DELETE FROM flag"),
    )
    outcomes = []
    for number, (attack, sql) in enumerate(edits):
        place = desk.folder / f"tampered{number}"
        place.mkdir()
        outcomes.append(
            tampered(Desk(place), f"{attack}, by raw SQL", "PRAGMA foreign_keys = OFF;" + sql)
        )
    return outcomes


def cut_after_anchor(desk: Desk) -> Outcome:
    """The log's last entry cut, the head record moved back: consistent, so plain verify
    cannot tell; verify against an anchor kept before must."""
    desk.ok("profile", "zed", "--role", "moderator", "--as", "ed")
    anchor = desk.folder / "anchor.json"
    desk.ok("log", "head", "--out", str(anchor))
    with closing(sqlite3.connect(desk.db)) as connection:
        (last,) = connection.execute("SELECT max(seq) FROM log_entry").fetchone()
        (previous,) = connection.execute(
            "SELECT hash FROM log_entry WHERE seq = ?", (last - 1,)
        ).fetchone()
    return tampered(
        desk,
        "the log's tail cut and its head moved back, verified against an anchor",
        f"DELETE FROM log_entry WHERE seq = {last};"
        f"UPDATE log_head SET seq = {last - 1}, hash = '{previous}';",
        "--anchor",
        str(anchor),
    )


ATTACKS: tuple[Callable[[Desk], Outcome | list[Outcome]], ...] = (
    as_system,
    look_alikes,
    env_user,
    demote_editor,
    promote_self,
    two_step_overturn,
    rules_run_other_set,
    import_other_set,
    settings_point_elsewhere,
    chosen_set_edited,
    locked_reimport,
    exports,
    terminal,
    csv_formula,
    jsonl_separators,
    behind_the_log,
    cut_after_anchor,
)


# A moderator's raw SQL on a team database: each must be refused by the server itself.
SERVER_ATTACKS = (
    ("a log entry rewritten", "UPDATE log_entry SET note = 'nothing to see'"),
    (
        "the log's last entry deleted",
        "DELETE FROM log_entry WHERE seq = (SELECT max(seq) FROM log_entry)",
    ),
    (
        "a comment approved with no log entry",
        "UPDATE comment SET status = 'approved' WHERE status = 'pending'",
    ),
    ("a moderator made editor", "UPDATE profile SET role = 'editor'"),
    ("an article locked by a moderator", "UPDATE article SET locked = true"),
    ("a comment's text rewritten", "UPDATE comment SET body = 'nice'"),
)


def server_attacks(url: str) -> list[Outcome]:
    """Team mode on PostgreSQL: a moderator's own login tries raw SQL, and the desk under
    another's name; each caught if the server refuses it and nothing changed."""
    from sqlalchemy import create_engine, text  # noqa: PLC0415 - only with a server
    from sqlalchemy.engine import make_url  # noqa: PLC0415
    from sqlalchemy.exc import DBAPIError  # noqa: PLC0415

    from moderator.domain import Role  # noqa: PLC0415
    from moderator.imports.importer import import_paths  # noqa: PLC0415
    from moderator.resources import DEMO_ARTICLE  # noqa: PLC0415
    from moderator.services.team import add_member, set_up  # noqa: PLC0415
    from moderator.store.database import open_database  # noqa: PLC0415

    base = make_url(url)
    name = f"attack_{os.getpid()}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" OWNER "{base.username}"'))
    owner_url = base.set(database=name).render_as_string(hide_password=False)
    owner = open_database(owner_url)
    ann = f"ann_{os.getpid()}"
    outcomes: list[Outcome] = []
    try:
        with owner.engine.begin() as connection:
            set_up(connection)
        with owner.transaction() as session:
            add_member(session, ann, role=Role.MODERATOR, owner=str(base.username))
            add_member(session, f"ed_{os.getpid()}", role=Role.EDITOR, owner=str(base.username))
        import_paths(owner, [DEMO_ARTICLE], actor=f"ed_{os.getpid()}")
        as_ann = create_engine(make_url(owner_url).set(username=ann))

        def state() -> tuple[object, ...]:
            with owner.engine.connect() as connection:
                return tuple(
                    tuple(tuple(row) for row in connection.execute(text(query)))
                    for query in (
                        "SELECT seq, hash, note FROM log_entry ORDER BY seq",
                        "SELECT id, status, body FROM comment ORDER BY id",
                        "SELECT name, role FROM profile ORDER BY name",
                        "SELECT id, locked FROM article ORDER BY id",
                    )
                )

        for attack, statement in SERVER_ATTACKS:
            before = state()
            said = ""
            try:
                with as_ann.begin() as connection:
                    connection.execute(text(statement))
                refused_by_server = False
            except DBAPIError as error:
                refused_by_server = getattr(error.orig, "sqlstate", None) == "42501"
                said = str(error.orig).splitlines()[0]
            outcomes.append(
                Outcome(
                    f"team mode: {attack}, by a moderator's raw SQL",
                    refused_by_server and state() == before,
                    said,
                )
            )
        as_ann.dispose()
        before = state()
        done = subprocess.run(  # noqa: S603 - our own program
            [
                sys.executable,
                "-m",
                "moderator",
                "--db",
                make_url(owner_url).set(username=ann).render_as_string(hide_password=False),
                "approve",
                "1",
                "--as",
                f"ed_{os.getpid()}",
            ],
            capture_output=True,
            cwd=ROOT,
            timeout=120,
            check=False,
        )
        said = done.stderr.decode("utf-8", errors="replace").strip()
        outcomes.append(
            Outcome(
                "team mode: the desk under the editor's name from a moderator's login",
                done.returncode == 1 and "your own login" in said and state() == before,
                said[-300:],
            )
        )
    finally:
        owner.close()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            for login in (ann, f"ed_{os.getpid()}"):
                connection.execute(text(f'DROP ROLE IF EXISTS "{login}"'))
        admin.dispose()
    return outcomes


def with_a_server(scratch: Path) -> list[Outcome]:
    """The team-mode attacks on ``$MODERATOR_TEST_POSTGRES``, else on a throwaway server;
    none (said) where no server can start."""
    url = os.environ.get("MODERATOR_TEST_POSTGRES")
    if url:
        return server_attacks(url)
    import throwaway_postgres  # noqa: PLC0415 - beside this script

    try:
        server = throwaway_postgres.start(scratch / "postgres")
    except throwaway_postgres.NoServerError as error:
        print(f"team mode not tried: {error}")
        return []
    try:
        return server_attacks(server.url)
    finally:
        server.stop()


def attack_all(folder: Path) -> list[Outcome]:
    """Every attack, each on a desk of its own."""
    outcomes: list[Outcome] = []
    for number, attack in enumerate(ATTACKS):
        place = folder / f"desk{number}"
        place.mkdir()
        found = attack(Desk(place))
        outcomes += found if isinstance(found, list) else [found]
    return outcomes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.parse_args(argv)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="attack-test-") as scratch:
        outcomes = attack_all(Path(scratch))
        # The server's folder must be reachable by its own user: not under a private /tmp dir.
        Path(scratch).chmod(0o755)
        outcomes += with_a_server(Path(scratch))
    failures = [outcome for outcome in outcomes if not outcome.caught]
    for outcome in outcomes:
        print(f"{'caught' if outcome.caught else 'FAILED'}  {outcome.attack}")
    for outcome in failures:
        print(f"FAILED {outcome.attack}: {outcome.said}")
    print(
        f"{len(outcomes)} attacks in {time.perf_counter() - started:.0f} s:"
        f" {len(outcomes) - len(failures)} caught; failures: {len(failures)}"
    )
    record(
        Result(
            "attacks: names, roles, rule sets, locks, the log's record, exports, output",
            f"{len(outcomes)} attacks ({len(outcomes) - len(failures)} caught)",
            "\N{EN DASH}",
            len(failures),
            ".venv/bin/python bench/attack_test.py",
        )
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
