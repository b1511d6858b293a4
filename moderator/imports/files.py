"""Finds the files an import reads, and opens only regular files of a bounded size."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import BinaryIO

from moderator.formats.bounded import read_at_most
from moderator.formats.errors import FormatError
from moderator.formats.platform_xml import ReadSummary, detect
from moderator.formats.records import IncomingArticle
from moderator.formats.scraped import ScrapedStream, parse_scraped_bytes, scan_scraped
from moderator.output.display import path_text

# What a folder is searched for: scraped articles, and platform exports (told apart by content).
SCRAPED_SUFFIXES = frozenset({".txt", ".xml"})
# No file past this is read: a million-comment scraping is a few hundred MB, so a bigger
# file is more likely a mistake (a disk image, a log) than an article.
MOST_BYTES = 2 * 1024**3
MOST_SHOWN = "2 GB"
# A scraped file bigger than this is read a line at a time, as it is stored, rather than
# whole ahead (which takes some ten times its size in memory).
STREAM_BYTES = 16 * 1024**2
# Enough of a file to tell a platform export from a scraped article.
HEAD_BYTES = 4096

# Opening never waits for a writer (a FIFO swapped in after the check would otherwise hang).
_NONBLOCK: int = getattr(os, "O_NONBLOCK", 0)
_OPEN_FLAGS = (
    os.O_RDONLY
    | _NONBLOCK
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)

# read_wxr or read_disqus: they open the file through the opener they are given.
PlatformReader = Callable[..., Iterator[IncomingArticle]]


def expand_paths(paths: Iterable[Path]) -> Iterator[Path]:
    """Files as given, and folders searched recursively for scraped files, in a stable order.

    Links to files are followed, links to folders are not (a loop of them would never end).
    A folder that cannot be searched is yielded itself, among the files: reading it reports
    why, as a failed file, and the run goes on with the rest.
    """
    for path in paths:
        try:
            folder = path.is_dir()
        except OSError:
            # Not even looked at (a folder above it is closed): reading it will say why.
            folder = False
        if folder:
            yield from sorted(_found_in(path))
        else:
            yield path


def _found_in(folder: Path) -> Iterator[Path]:
    pending = [folder]
    while pending:
        current = pending.pop()
        try:
            with os.scandir(current) as listing:
                entries = list(listing)
        except OSError:
            yield current
            continue
        for entry in entries:
            path = Path(entry.path)
            try:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(path)
                    continue
                wanted = path.suffix.lower() in SCRAPED_SUFFIXES and entry.is_file()
            except OSError:
                # It could not even be looked at: reading it will say why.
                wanted = path.suffix.lower() in SCRAPED_SUFFIXES
            if wanted:
                yield path


def read_import_file(path: Path) -> IncomingArticle | ScrapedStream | str:
    """A scraped article, read whole, or, past :data:`STREAM_BYTES`, its layout to read its
    comments from as they are stored; or, for a platform export (WXR, Disqus) that is read
    as a stream while it is stored, its kind. :class:`FormatError` names the file otherwise."""
    shown = path_text(path)
    with open_checked(path) as stream:
        head = _read(stream, HEAD_BYTES, shown)
        kind = detect(head)
        if kind is not None:
            return kind
        if os.fstat(stream.fileno()).st_size > STREAM_BYTES:
            try:
                return scan_scraped(
                    partial(open_checked, path),
                    source=shown,
                    stored_source=path_text(path.resolve()),
                )
            except OSError as error:
                raise FormatError(shown, 0, plain_reason(error)) from None
        data = head + _read(stream, MOST_BYTES + 1 - len(head), shown)
    if len(data) > MOST_BYTES:
        # It grew past the limit since it was checked (or its size was not told: /proc).
        raise _too_large(shown)
    # Errors name the file as the user gave it; the stored source is where it really is.
    return parse_scraped_bytes(data, source=shown).to_incoming(path_text(path.resolve()))


def read_platform(
    read: PlatformReader, path: Path, summary: ReadSummary
) -> Iterator[IncomingArticle]:
    """``read`` (``read_wxr``, ``read_disqus``) over ``path``: the file checked again as it is
    reached, and a file that vanished or failed meanwhile a :class:`FormatError` naming it."""
    shown = path_text(path)
    try:
        yield from read(path, summary, opener=open_checked)
    except OSError as error:
        raise FormatError(shown, 0, plain_reason(error)) from None


def open_checked(path: Path) -> BinaryIO:
    """``path`` opened for reading if it is a regular file of at most :data:`MOST_BYTES`;
    anything else (a folder, a FIFO, a device, a socket, a missing file) a
    :class:`FormatError` in plain words, without waiting on it or reading from it."""
    shown = path_text(path)
    try:
        # Looked at before it is opened: opening a device may itself do something.
        _check(path.stat(), path, shown)
        descriptor = os.open(path, _OPEN_FLAGS)
    except OSError as error:
        raise FormatError(shown, 0, plain_reason(error)) from None
    try:
        # Checked again on what was opened: the name may point elsewhere by now.
        _check(os.fstat(descriptor), path, shown)
        if _NONBLOCK:
            os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def _check(found: os.stat_result, path: Path, shown: str) -> None:
    mode = found.st_mode
    if stat.S_ISDIR(mode):
        raise FormatError(shown, 0, _unsearchable(path))
    if not stat.S_ISREG(mode):
        raise FormatError(shown, 0, f"not a regular file ({_kind(mode)})")
    if found.st_size > MOST_BYTES:
        raise _too_large(shown)


def _unsearchable(folder: Path) -> str:
    try:
        with os.scandir(folder):
            pass
    except OSError as error:
        return f"the folder could not be searched ({plain_reason(error)}): no file in it was read"
    return "the folder could not be searched when it was reached: no file in it was read"


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "neither a file nor a folder"


def _too_large(shown: str) -> FormatError:
    return FormatError(shown, 0, f"larger than {MOST_SHOWN}, the most an import reads: not read")


def _read(stream: BinaryIO, size: int, shown: str) -> bytes:
    try:
        return read_at_most(stream, size)
    except OSError as error:
        raise FormatError(shown, 0, plain_reason(error)) from None


_REASONS = {
    errno.ENOENT: "not found (no such file, or it vanished before it was read)",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ELOOP: "a loop of symbolic links",
    errno.ENAMETOOLONG: "the name is too long",
    errno.ENOTDIR: "not found (a part of the path is not a folder)",
    errno.EIO: "the disk could not be read (an input/output error)",
}


def plain_reason(error: OSError) -> str:
    """Why a file could not be read, in plain words (not ``[Errno 2] ...``)."""
    if error.errno in _REASONS:
        return _REASONS[error.errno]
    return f"cannot read it: {(error.strerror or str(error)).lower()}"
