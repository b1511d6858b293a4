"""Finding and opening the files an import reads: regular files only, bounded, any name."""

from __future__ import annotations

import io
import os
import resource
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from moderator.formats.bounded import read_at_most
from moderator.formats.errors import FormatError
from moderator.formats.platform_xml import ReadSummary, read_disqus, read_wxr
from moderator.imports import files as import_files
from moderator.imports.files import expand_paths, read_import_file, read_platform
from moderator.output.display import path_text
from tests.moderator.formats.test_platform_xml import WXR_HEAD, wxr_comment, wxr_item

ARTICLE = b"Title\n\nBody.\n\nComments 1\nann 1 May 2020, 10:00\n\nHi.\n"
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and /dev are POSIX")


def refusal(path: Path) -> str:
    with pytest.raises(FormatError) as caught:
        read_import_file(path)
    return str(caught.value)


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        (b"plain.txt", "plain.txt"),
        (b"caf\xc3\xa9.txt", "café.txt"),
        (b"b\xff\xfe.txt", "b\\xff\\xfe.txt"),
    ],
)
def test_a_name_is_shown_as_utf_8_text_with_other_bytes_escaped(name: bytes, shown: str) -> None:
    text = path_text(Path(os.fsdecode(name)))
    assert text == shown
    text.encode("utf-8")  # storable: no lone surrogates


@pytest.mark.skipif(sys.platform == "win32", reason="Windows names are UTF-16, never bytes")
def test_a_file_whose_name_is_not_utf_8_is_read_and_named_escaped(tmp_path: Path) -> None:
    path = Path(os.fsdecode(bytes(tmp_path) + b"/\xff.txt"))
    path.write_bytes(ARTICLE)
    (found,) = expand_paths([tmp_path])
    incoming = read_import_file(found)
    assert not isinstance(incoming, str)
    assert incoming.source.endswith("/\\xff.txt")
    incoming.source.encode("utf-8")
    path.write_bytes(b"Title\n\nBody.\n\nComments 1\nnot a header\n")
    assert refusal(found).startswith(f"{path_text(tmp_path)}/\\xff.txt:")


@posix_only
def test_a_fifo_given_by_name_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    assert refusal(fifo) == f"{fifo}: not a regular file (a FIFO)"


@posix_only
def test_a_device_is_refused_by_name_and_never_read() -> None:
    assert refusal(Path("/dev/zero")) == "/dev/zero: not a regular file (a character device)"


@posix_only
def test_a_fifo_swapped_in_after_the_check_is_refused_not_waited_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(ARTICLE)
    looked_at = path.stat()

    def swapped(self: Path, **_: object) -> os.stat_result:
        # The name passes as the regular file it was, then is a FIFO when opened.
        path.unlink()
        os.mkfifo(path)
        return looked_at

    monkeypatch.setattr(Path, "stat", swapped)
    assert refusal(path) == f"{path}: not a regular file (a FIFO)"


def test_a_file_over_the_limit_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(import_files, "MOST_BYTES", len(ARTICLE) - 1)
    path = tmp_path / "big.txt"
    path.write_bytes(ARTICLE)
    assert refusal(path) == f"{path}: larger than 2 GB, the most an import reads: not read"


def test_a_file_that_grows_past_the_limit_while_read_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "growing.txt"
    path.write_bytes(ARTICLE)
    real = import_files._check
    checks: list[Path] = []

    def then_grows(found: os.stat_result, at: Path, shown: str) -> None:
        real(found, at, shown)
        checks.append(at)
        # Both checks (the name's, then the open file's) passed; now it is past the limit.
        if len(checks) == 2:
            monkeypatch.setattr(import_files, "MOST_BYTES", len(ARTICLE) - 1)

    monkeypatch.setattr(import_files, "_check", then_grows)
    assert "larger than 2 GB" in refusal(path)
    assert len(checks) == 2


def test_a_missing_file_is_said_in_plain_words(tmp_path: Path) -> None:
    assert refusal(tmp_path / "gone.txt") == (
        f"{tmp_path / 'gone.txt'}: not found (no such file, or it vanished before it was read)"
    )


def test_an_export_that_vanishes_before_it_is_streamed_is_a_format_error(tmp_path: Path) -> None:
    path = tmp_path / "site.xml"
    path.write_text(WXR_HEAD + wxr_item("One", wxr_comment(1, "hi")) + "</channel></rss>")
    assert read_import_file(path) == "wxr"
    path.unlink()
    with pytest.raises(FormatError, match="vanished before it was read"):
        list(read_platform(read_wxr, path, ReadSummary()))


def test_an_error_while_an_export_is_streamed_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "site.xml"
    path.write_text(WXR_HEAD + "</channel></rss>")

    def fails(at: Path, _summary: ReadSummary, **_: object) -> Iterator[object]:
        raise PermissionError(13, "Permission denied", str(at))
        yield  # pragma: no cover - makes it a generator

    with pytest.raises(FormatError) as caught:
        list(read_platform(fails, path, ReadSummary()))
    assert str(caught.value) == f"{path}: permission denied"


@posix_only
@pytest.mark.parametrize("kind", ["wxr", "disqus"])
def test_an_export_is_streamed_from_the_file_that_was_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    # The check opened the file and closed it, then the reader opened the name again: a
    # FIFO swapped in between would have been waited on for ever.
    path = tmp_path / "site.xml"
    if kind == "wxr":
        path.write_text(WXR_HEAD + wxr_item("One", wxr_comment(1, "hi")) + "</channel></rss>")
    else:
        path.write_text(DISQUS_ONE, encoding="utf-8")
    real_open = Path.open

    def reopened(self: Path, *args: object, **kwargs: object) -> object:
        if self == path:
            raise AssertionError("the reader opened the name again, after the check")
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", reopened)
    read = read_wxr if kind == "wxr" else read_disqus
    (article,) = read_platform(read, path, ReadSummary())
    assert [comment.body for comment in article.comments] == ["hi"]


DISQUS_ONE = (
    '<?xml version="1.0"?><disqus xmlns="http://disqus.com" '
    'xmlns:dsq="http://disqus.com/disqus-internals">'
    '<thread dsq:id="1"><link>http://x.test/a</link><title>A</title></thread>'
    '<post dsq:id="10"><message>hi</message><createdAt>2024-01-01T10:00:00Z'
    '</createdAt><author><name>ann</name></author><thread dsq:id="1"/></post></disqus>'
)


def make_tree(root: Path) -> None:
    (root / "a").mkdir(parents=True)
    (root / "b" / "deep").mkdir(parents=True)
    (root / "a" / "1.txt").write_bytes(ARTICLE)
    (root / "b" / "deep" / "2.XML").write_bytes(ARTICLE)
    (root / "b" / "notes.md").write_bytes(b"not an article")
    (root / "z.txt").write_bytes(ARTICLE)


def test_folders_are_searched_in_a_stable_order_without_following_folder_links(
    tmp_path: Path,
) -> None:
    make_tree(tmp_path)
    (tmp_path / "b" / "loop").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "link.txt").symlink_to(tmp_path / "z.txt")
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "fifo.txt")
    assert [p.relative_to(tmp_path).as_posix() for p in expand_paths([tmp_path])] == [
        "a/1.txt",
        "b/deep/2.XML",
        "link.txt",
        "z.txt",
    ]


def test_a_folder_that_cannot_be_searched_is_yielded_and_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_tree(tmp_path)
    real = os.scandir
    locked = tmp_path / "b"

    def scandir(path: str | Path) -> object:
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    found = list(expand_paths([tmp_path]))
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["a/1.txt", "b", "z.txt"]
    assert refusal(locked) == (
        f"{locked}: the folder could not be searched (permission denied): no file in it was read"
    )


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0,
    reason="needs POSIX permissions that bind (root reads any folder)",
)
def test_a_folder_without_permission_is_reported(tmp_path: Path) -> None:
    make_tree(tmp_path)
    locked = tmp_path / "b"
    locked.chmod(0)
    try:
        found = list(expand_paths([tmp_path]))
        assert locked in found
        assert "permission denied" in refusal(locked)
    finally:
        locked.chmod(stat.S_IRWXU)


def test_a_path_that_cannot_be_looked_at_is_yielded_to_be_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_tree(tmp_path)
    closed = tmp_path / "closed" / "x.txt"
    real = Path.is_dir

    def is_dir(self: Path) -> bool:
        if self == closed:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "is_dir", is_dir)
    found = list(expand_paths([closed, tmp_path / "a"]))
    assert found == [closed, tmp_path / "a" / "1.txt"]


@posix_only
def test_a_small_file_is_imported_where_memory_is_tight(tmp_path: Path) -> None:
    # Read in one request of the 2 GB limit, a 100-byte file needed 2 GB of address space:
    # under a tighter limit every import ended in MemoryError.
    path = tmp_path / "a.txt"
    path.write_bytes(ARTICLE)

    def tight() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1_800_000_000, 1_800_000_000))

    command = [sys.executable, "-m", "moderator", "--db", str(tmp_path / "db.sqlite3")]
    done = subprocess.run(  # noqa: S603 - our own command line
        [*command, "import", str(path), "--no-rules"],
        capture_output=True,
        text=True,
        env={**os.environ, "MODERATOR_CONFIG_DIR": str(tmp_path / "config")},
        preexec_fn=tight,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "1 imported, 0 failed" in done.stderr


def test_a_stream_is_read_in_pieces_up_to_the_size_asked() -> None:
    data = bytes(range(256)) * 20_000
    assert read_at_most(io.BytesIO(data), 3_000_000) == data[:3_000_000]
    assert read_at_most(io.BytesIO(data), 10_000_000) == data
    assert read_at_most(io.BytesIO(b""), 5) == b""
