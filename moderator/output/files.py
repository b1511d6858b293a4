"""Where an export may write, and writing it whole: a file the desk writes never destroys another.

``--out`` (and the window's save dialogs) name a path anyone can mistype or craft: the open
database, its journal, a device, a pipe, a symbolic link to something else. Those are refused
before anything is written. A regular file is written beside its destination under a
recognisable temporary name and renamed over it only once complete, with the user's umask;
temporary files a killed export left behind are removed by the next export to that folder.
``-`` is standard output.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from moderator.output.terminal import data_output

if sys.platform != "win32":
    import fcntl

# Standard output instead of a file.
STDOUT = "-"
# A temporary file is ".NAME.moderator-tmp-XXXXXXXX" (NAME cut short: a name has 255 bytes).
_TEMP_MARK = ".moderator-tmp-"
_TEMP_NAME = re.compile(r"\..*\.moderator-tmp-[0-9a-f]{8}", re.DOTALL)
_NAME_KEPT = 40
# A temporary file this much older than its last write belongs to no export under way (one
# under way also holds a lock on it, where the system has them).
STALE_SECONDS = 60.0
# The files SQLite keeps beside a database, and the copies an upgrade makes of it.
_DATABASE_SIDES = ("", "-wal", "-shm", "-journal")
_BACKUP_MARK = ".backup-"

# SQLite files this process has open (``store.database.open_database`` keeps them here): no
# file the desk writes may land on one, whoever asks for it.
_open_databases: Counter[Path] = Counter()


class OutputRefusedError(OSError):
    """The path given for a file to write could destroy something; nothing was written."""


def keep_database(path: Path) -> None:
    """Count ``path`` (a SQLite file) as open: refused as an output until released."""
    _open_databases[_resolved(path)] += 1


def release_database(path: Path) -> None:
    where = _resolved(path)
    _open_databases[where] -= 1
    if _open_databases[where] <= 0:
        del _open_databases[where]


def check_output(path: Path, *, databases: Iterable[Path] = ()) -> None:
    """Refuse (:class:`OutputRefusedError`) a path that is not a regular file or a new name: a
    symbolic link, a folder, a device, a pipe or a socket; or one of the ``databases`` (and
    the databases open in this process): the file, its -wal, -shm or -journal, its backups,
    by name through any spelling or link, and by identity (a hard link)."""
    try:
        found: os.stat_result | None = path.lstat()
    except FileNotFoundError:
        found = None
    if found is not None:
        kind = _not_regular(found.st_mode)
        if kind:
            raise OutputRefusedError(
                f"{path} is {kind}: nothing written (an export writes only regular files;"
                " - writes to standard output)"
            )
    where = _resolved(path)
    for database in {*(_resolved(d) for d in databases), *_open_databases}:
        if where.parent == database.parent and _belongs_to(where.name, database.name):
            raise OutputRefusedError(
                f"{path} is the open database {database} or one of its files: nothing written"
            )
        if found is not None and any(
            (found.st_dev, found.st_ino) == (other.st_dev, other.st_ino)
            for other in _database_stats(database)
        ):
            raise OutputRefusedError(
                f"{path} is the open database {database} (or one of its files) by another name:"
                " nothing written"
            )


def _not_regular(mode: int) -> str:
    """What a path that is not a regular file is ('' for a regular file)."""
    if stat.S_ISREG(mode):
        return ""
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device"


def _resolved(path: Path) -> Path:
    """``path`` with its folder resolved (links, "..", the working folder) and its own name
    kept: the name is what a write would replace, not what a link there points to."""
    return path.absolute().parent.resolve() / path.name


def _belongs_to(name: str, database: str) -> bool:
    return any(name == database + side for side in _DATABASE_SIDES) or name.startswith(
        database + _BACKUP_MARK
    )


def _database_stats(database: Path) -> Iterator[os.stat_result]:
    for side in _DATABASE_SIDES:
        with contextlib.suppress(OSError):
            yield (database.parent / (database.name + side)).stat()
    with contextlib.suppress(OSError):
        for entry in os.scandir(database.parent):
            if entry.name.startswith(database.name + _BACKUP_MARK):
                with contextlib.suppress(OSError):
                    yield entry.stat()


class Output:
    """A file under way: written to :attr:`stream`, made whole on disk by :meth:`finish`, put
    in place by :meth:`commit`, dropped by :meth:`discard`. Standard output is written as it
    goes."""

    def __init__(
        self,
        target: Path | None,
        stream: TextIO,
        temporary: Path | None = None,
        databases: tuple[Path, ...] = (),
    ) -> None:
        self.target = target
        self.stream = stream
        self._temporary = temporary
        self._databases = databases
        self._finished = False

    def finish(self) -> None:
        """Write out what is buffered and wait for the disk: a full disk fails here, before
        anything is in place."""
        if self._finished:
            return
        try:
            self.stream.flush()
            if self._temporary is not None:
                os.fsync(self.stream.fileno())
        except BaseException:
            self.discard()
            raise
        self._finished = True

    def commit(self) -> None:
        """:meth:`finish`, then put the file in place (its path checked again just before)."""
        self.finish()
        if self._temporary is None or self.target is None:
            return
        try:
            check_output(self.target, databases=self._databases)
            if sys.platform == "win32":  # an open file cannot be renamed there
                self.stream.close()
            self._temporary.replace(self.target)
        except BaseException:
            self.discard()
            raise
        self._temporary = None
        # The lock is let go only now: until the rename, no other export takes this for a
        # leftover.
        self.stream.close()
        _sync_folder(self.target.parent)

    def discard(self) -> None:
        if self._temporary is not None:
            # Closing flushes what is buffered, which fails again on a full disk: it is
            # thrown away all the same.
            with contextlib.suppress(OSError):
                self.stream.close()
            self._temporary.unlink(missing_ok=True)
            self._temporary = None


def start_output(
    out: Path | str, *, encoding: str = "utf-8", databases: Iterable[Path] = ()
) -> Output:
    """An :class:`Output` for ``out`` (``-``: standard output), refused as
    :func:`check_output` says. Leftovers of killed exports in its folder are removed first."""
    if str(out) == STDOUT:
        return Output(None, data_output())
    target = Path(out)
    kept = tuple(databases)
    check_output(target, databases=kept)
    remove_leftovers(target.parent)
    handle, temporary = _create_beside(target)
    try:
        if sys.platform != "win32":
            fcntl.flock(handle, fcntl.LOCK_EX)
        stream = os.fdopen(handle, "w", encoding=encoding, newline="")
    except BaseException:
        os.close(handle)
        temporary.unlink(missing_ok=True)
        raise
    return Output(target, stream, temporary, kept)


@contextmanager
def written(
    out: Path | str, *, encoding: str = "utf-8", databases: Iterable[Path] = ()
) -> Iterator[TextIO]:
    """A text stream whose content becomes ``out`` only if the block completes."""
    output = start_output(out, encoding=encoding, databases=databases)
    try:
        yield output.stream
    except BaseException:
        output.discard()
        raise
    output.commit()


def _create_beside(target: Path) -> tuple[int, Path]:
    # Created by hand rather than by mkstemp, whose files are 0600: the mode asked here is
    # 0666, which the kernel narrows by the user's umask, as for any file they save.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    while True:
        name = f".{target.name[:_NAME_KEPT]}{_TEMP_MARK}{secrets.token_hex(4)}"
        temporary = target.parent / name
        try:
            return os.open(temporary, flags, 0o666), temporary
        except FileExistsError:
            continue


def remove_leftovers(folder: Path, *, now: float | None = None) -> list[Path]:
    """Remove the temporary files exports killed mid-way left in ``folder``: only names of
    exactly that pattern, regular files of this user, untouched for :data:`STALE_SECONDS` and
    locked by no export. Best effort: what cannot be looked at is left alone."""
    removed: list[Path] = []
    moment = time.time() if now is None else now
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not _TEMP_NAME.fullmatch(entry.name):
            continue
        with contextlib.suppress(OSError):
            found = entry.stat(follow_symlinks=False)
            if (
                stat.S_ISREG(found.st_mode)
                and _mine(found)
                and moment - found.st_mtime > STALE_SECONDS
                and _unlocked(Path(entry.path))
            ):
                Path(entry.path).unlink()
                removed.append(Path(entry.path))
    return removed


def _mine(found: os.stat_result) -> bool:
    return sys.platform == "win32" or found.st_uid == os.getuid()


def _unlocked(path: Path) -> bool:
    if sys.platform == "win32":
        return True  # a file open there cannot be removed anyway
    handle = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | os.O_NONBLOCK)
    try:
        fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(handle)
    return True


def _sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (where folders can be opened to sync)."""
    if sys.platform == "win32":
        return
    with contextlib.suppress(OSError):
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)
