"""The slow-input detector: each reader of untrusted files is timed on adversarial shapes at
a small and a large size, and its time per byte on the large one must stay within
``MAX_RATIO`` of the small one's, so that no input makes a reader slower than linear.

A shape is a function from a size in bytes to an input of about that size, built to hit what
a reader might do more than once per byte: backtracking patterns, rescans of a growing
buffer, recursion, quadratic joins. ``fuzz_inputs.py`` runs the detector after its fuzzing and
records a row per reader; ``tests/bench/test_fuzz.py`` checks that it catches a quadratic
reader and that every shape ends in a result or the reader's own error.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from moderator.formats.errors import FormatError
from moderator.formats.log_file import verify_export
from moderator.formats.platform_xml import ReadSummary, read_disqus, read_wxr
from moderator.formats.scraped import read_scraped_file, scan_scraped
from moderator.rules import kinds as _kinds  # noqa: F401 - registers the built-in rule kinds
from moderator.rules.loader import LoadError, read_rule_set
from moderator.services.ranking import CsvError, read_labelled_csv

SMALL = 10_000
LARGE = 1_000_000
MAX_RATIO = 3.0
# The small input is run until this much time has passed (at least once), and its fastest run
# kept: one run of a few milliseconds says little on a busy machine.
SMALL_SECONDS = 0.3
# A large input is stopped once it has run this many times longer than linear growth from the
# small one allows: it has failed by then, and a quadratic reader would run for hours.
GIVE_UP_FACTOR = 3.0
# Below this the small input's time is mostly clock noise: it counts as this long.
FLOOR_SECONDS = 0.0005

Shape = Callable[[int], bytes]


def _fill(unit: bytes, size: int) -> bytes:
    return unit * max(1, size // len(unit))


_ARTICLE = b"Title\n\nBody of the article.\n\nComments 2\nThumb ann 1 May 2020, 10:00\n\nHi.\n\n"


def _scraped_shapes() -> dict[str, Shape]:
    return {
        "spaces before a header's time": lambda n: _ARTICLE + b"x" + b" " * n + b"y 10:00\n",
        "a header's words repeated": lambda n: (
            _ARTICLE + b"Thumb " + _fill(b"ann ", n) + b"1 May 2020, 10:00\n\nhi\n"
        ),
        "many headers": lambda n: (
            b"T\n\nB\n\nComments 1\n" + _fill(b"Thumb ann 1 May 2020, 10:00\n\nhi\n\n", n)
        ),
        "one line, no newline": lambda n: _fill(b"a", n),
        "blank lines": lambda n: b"T\n\n" + _fill(b"\n", n),
        "Comments lines": lambda n: b"T\n\nB\n\n" + _fill(b"Comments 1\n", n),
        # Python refuses to read an int of over 4,300 digits: a ValueError escaped before.
        "a Comments count of many digits": lambda n: b"T\n\nB\n\nComments " + _fill(b"9", n),
        "CR line ends": lambda n: (
            b"T\r\rB\r\rComments 1\r" + _fill(b"Thumb a 1 May 2020, 10:00\rhi\r", n)
        ),
    }


_WXR_HEAD = (
    b'<?xml version="1.0"?>\n<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/"'
    b' xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>\n'
)


def _wxr_comment(number: int, body: bytes) -> bytes:
    return (
        b"<wp:comment><wp:comment_id>%d</wp:comment_id>"
        b"<wp:comment_author>a%d</wp:comment_author>"
        b"<wp:comment_date_gmt>2024-01-01 10:00:00</wp:comment_date_gmt>"
        b"<wp:comment_content><![CDATA[%s]]></wp:comment_content>"
        b"<wp:comment_approved>1</wp:comment_approved></wp:comment>" % (number, number, body)
    )


def _wxr(body: bytes, comments: int = 1) -> bytes:
    inner = b"".join(_wxr_comment(n, body) for n in range(1, comments + 1))
    return (
        _WXR_HEAD
        + b"<item><title>T</title><link>http://x.test/t</link>"
        + inner
        + b"</item></channel></rss>\n"
    )


_DISQUS_HEAD = (
    b'<?xml version="1.0"?><disqus xmlns="http://disqus.com" '
    b'xmlns:dsq="http://disqus.com/disqus-internals">'
)


def _disqus_post(number: int, body: bytes, thread: int = 1) -> bytes:
    return (
        b'<post dsq:id="%d"><message><![CDATA[%s]]></message>'
        b"<createdAt>2024-01-01T10:00:00Z</createdAt>"
        b'<author><name>a%d</name></author><thread dsq:id="%d"/></post>'
        % (number, body, number, thread)
    )


def _thread(number: int) -> bytes:
    return b'<thread dsq:id="%d"><link>http://x.test/%d</link><title>T%d</title></thread>' % (
        number,
        number,
        number,
    )


def _disqus(body: bytes) -> bytes:
    return _DISQUS_HEAD + _thread(1) + _disqus_post(10, body) + b"</disqus>\n"


# Markup inside a comment's body: what an HTML-to-text pass might rescan.
_MARKUP: dict[str, bytes] = {
    "x< repeated": b"x<",
    "an unterminated <!--": b"<!-- ",
    "an unterminated tag": b'<a b="',
    "&# runs": b"&#",
    "</ runs": b"</",
    "paragraphs": b"<p>a</p>",
}


def _markup_shape(wrap: Callable[[bytes], bytes], unit: bytes) -> Shape:
    # An unterminated opener appears once, then filler: a scanner that restarts at every
    # byte looking for its end is what this catches.
    if unit in (b"<!-- ", b'<a b="'):
        return lambda n: wrap(unit + _fill(b"z ", n))
    return lambda n: wrap(_fill(unit, n))


def _wxr_shapes() -> dict[str, Shape]:
    shapes = {f"body: {name}": _markup_shape(_wxr, unit) for name, unit in _MARKUP.items()}
    shapes["many comments"] = lambda n: _wxr(b"hi", comments=max(1, n // 260))
    return shapes


def _disqus_shapes() -> dict[str, Shape]:
    shapes = {f"body: {name}": _markup_shape(_disqus, unit) for name, unit in _MARKUP.items()}
    shapes["posts before their threads"] = lambda n: (
        _DISQUS_HEAD
        + b"".join(_disqus_post(k, b"hi", thread=k % 50) for k in range(max(1, n // 190)))
        + b"".join(_thread(k) for k in range(50))
        + b"</disqus>\n"
    )
    return shapes


_RULES_HEAD = b'[ruleset]\nname = "S"\n\n'


def _rule_shapes() -> dict[str, Shape]:
    return {
        "nested arrays": lambda n: _RULES_HEAD + b"x = " + _fill(b"[", n) + b"\n",
        "nested tables": lambda n: _RULES_HEAD + b"x = " + _fill(b"{a=", n) + b"\n",
        "a long string": lambda n: _RULES_HEAD + b'x = "' + _fill(b"a", n) + b'"\n',
        "many rules": lambda n: (
            _RULES_HEAD
            + b"".join(
                b'[[rule]]\nid = "r%d"\nkind = "regex"\nseverity = "low"\naction = "flag"\n'
                b"pattern = 'a%d'\n\n" % (k, k)
                for k in range(max(1, n // 90))
            )
        ),
        "many terms": lambda n: (
            _RULES_HEAD
            + b'[[rule]]\nid = "w"\nkind = "words"\nseverity = "low"\naction = "flag"\nterms = ['
            + b",".join(b'"t%d"' % k for k in range(max(1, n // 9)))
            + b"]\n"
        ),
    }


def _word_list_shapes() -> dict[str, Shape]:
    return {
        "many terms": lambda n: b"".join(b"term%d\n" % k for k in range(max(1, n // 9))),
        "one long term": lambda n: _fill(b"a", n) + b"\n",
        "wildcards": lambda n: _fill(b"a*", n) + b"\n",
        "a many-word phrase": lambda n: _fill(b"ab ", n) + b"\n",
        "many phrases": lambda n: b"".join(b"w%d x%d y\n" % (k, k) for k in range(n // 12 + 1)),
    }


def _export_shapes() -> dict[str, Shape]:
    return {
        "nested JSON": lambda n: _fill(b"[", n) + b"\n",
        "one long line": lambda n: b'{"seq": 1, "note": "' + _fill(b"a", n) + b'"}\n',
        "many broken lines": lambda n: _fill(b'{"seq": 1}\n', n),
        "an entry nested deep": lambda n: (
            b'{"seq":' + _fill(b"[", n) + b',"hash":"' + b"0" * 64 + b'"}\n'
        ),
        "a JSON chain record nested deep": lambda n: (
            b'{"entries":[\n],\n"chain":' + _fill(b"[", n) + b"}\n"
        ),
        "a JSON entries array never closed": lambda n: (
            b'{"entries":[\n' + _fill(b'{"seq":1,"hash":"' + b"0" * 64 + b'"},\n', n)
        ),
    }


def _csv_shapes() -> dict[str, Shape]:
    return {
        "an unterminated quote": lambda n: b'text,label\n"' + _fill(b"a,\n", n),
        "doubled quotes": lambda n: b'text,label\n"' + _fill(b'""', n) + b'",1\n',
        "many rows": lambda n: b"text,label\n" + _fill(b"some words,1\n", n),
    }


@dataclass(frozen=True, slots=True)
class Reader:
    """A reader of one kind of untrusted file, its own errors, and the shapes it is fed."""

    name: str
    suffix: str
    read: Callable[[Path], object]
    shapes: dict[str, Shape]
    own_errors: tuple[type[Exception], ...]


def _read_all(read: Callable[[Path, ReadSummary], object]) -> Callable[[Path], object]:
    def run(path: Path) -> object:
        return list(read(path, ReadSummary()))  # type: ignore[call-overload]

    return run


def _word_list(path: Path) -> object:
    rules = path.with_name("words-list.toml")
    rules.write_text(
        '[ruleset]\nname = "W"\n\n[[rule]]\nid = "w"\nkind = "words"\nseverity = "low"\n'
        f'action = "flag"\nterms_file = "{path.name}"\n',
        encoding="utf-8",
    )
    return read_rule_set(rules)


def _read_streamed(path: Path) -> object:
    """A scraped file read a line at a time, as a big one is imported: all three passes."""
    head = scan_scraped(lambda: path.open("rb"), source=path.name, stored_source=path.name)
    with path.open("rb") as stream:
        return sum(1 for _ in head.comments(stream, []))


def readers() -> list[Reader]:
    """Every reader of files a stranger can hand the desk."""
    return [
        Reader("scraped article", ".txt", read_scraped_file, _scraped_shapes(), (FormatError,)),
        Reader(
            "scraped article, a line at a time",
            ".txt",
            _read_streamed,
            _scraped_shapes(),
            (FormatError,),
        ),
        Reader("WordPress (WXR)", ".xml", _read_all(read_wxr), _wxr_shapes(), (FormatError,)),
        Reader("Disqus", ".xml", _read_all(read_disqus), _disqus_shapes(), (FormatError,)),
        Reader("rule set", ".toml", read_rule_set, _rule_shapes(), (LoadError,)),
        Reader("word list", ".txt", _word_list, _word_list_shapes(), (LoadError,)),
        Reader("log export", ".jsonl", verify_export, _export_shapes(), (FormatError,)),
        Reader("labelled CSV", ".csv", read_labelled_csv, _csv_shapes(), (CsvError,)),
    ]


class _GaveUp(BaseException):
    """A large input ran past the time linear growth allows (a BaseException: readers and
    ``_once`` catch Exception, and must not swallow it)."""


def _give_up(_signal: int, _frame: object) -> None:
    raise _GaveUp


def _once(reader: Reader, path: Path) -> str:
    """Runs the reader on ``path``: "read", "refused", or what else escaped it."""
    try:
        reader.read(path)
    except reader.own_errors:
        return "refused"
    except Exception as error:  # the point: anything else is a finding
        return f"{type(error).__name__}: {error}"[:200]
    return "read"


@dataclass(frozen=True, slots=True)
class Timing:
    """One shape of one reader: seconds per megabyte at both sizes and their ratio (None when
    the large run was stopped), and what became of each input."""

    reader: str
    shape: str
    small_per_mb: float
    large_per_mb: float | None
    outcomes: tuple[str, str]

    @property
    def ratio(self) -> float | None:
        if self.large_per_mb is None:
            return None
        return self.large_per_mb / self.small_per_mb

    @property
    def failure(self) -> str | None:
        odd = [outcome for outcome in self.outcomes if outcome not in ("read", "refused")]
        if odd:
            return f"{self.reader} / {self.shape}: {odd[0]}"
        if self.ratio is None:
            return f"{self.reader} / {self.shape}: stopped, slower than linear (gave up)"
        if self.ratio > MAX_RATIO:
            return f"{self.reader} / {self.shape}: {self.ratio:.1f}x the time per byte at 1 MB"
        return None


def time_shape(
    reader: Reader, shape_name: str, folder: Path, *, small: int = SMALL, large: int = LARGE
) -> Timing:
    """Times one shape at both sizes (the large run under a watchdog in the main thread)."""
    shape = reader.shapes[shape_name]
    path = folder / f"slow{reader.suffix}"
    data = shape(small)
    path.write_bytes(data)
    best = float("inf")
    spent = 0.0
    small_outcome = "read"
    while spent < SMALL_SECONDS or best == float("inf"):
        started = time.perf_counter()
        small_outcome = _once(reader, path)
        took = time.perf_counter() - started
        best = min(best, took)
        spent += took
    best = max(best, FLOOR_SECONDS)
    small_per_mb = best * 1e6 / len(data)
    big = shape(large)
    path.write_bytes(big)
    allowed = best * len(big) / len(data) * GIVE_UP_FACTOR + 1.0
    watched = threading.current_thread() is threading.main_thread()
    if watched:
        previous = signal.signal(signal.SIGALRM, _give_up)
        signal.setitimer(signal.ITIMER_REAL, allowed)
    started = time.perf_counter()
    try:
        large_outcome = _once(reader, path)
        large_per_mb: float | None = (time.perf_counter() - started) * 1e6 / len(big)
    except _GaveUp:
        large_outcome, large_per_mb = "refused", None
    finally:
        if watched:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    return Timing(
        reader.name, shape_name, small_per_mb, large_per_mb, (small_outcome, large_outcome)
    )


def detect(folder: Path, *, small: int = SMALL, large: int = LARGE) -> list[Timing]:
    """Every shape of every reader, timed."""
    return [
        time_shape(reader, name, folder, small=small, large=large)
        for reader in readers()
        for name in reader.shapes
    ]
