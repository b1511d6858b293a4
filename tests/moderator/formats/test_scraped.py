"""The scraped-article format: the seed, the edge cases, the errors, and a round trip."""

from __future__ import annotations

import io
import pickle
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moderator.formats import scraped
from moderator.formats.errors import FormatError
from moderator.formats.scraped import (
    ScrapedArticle,
    ScrapedComment,
    format_scraped,
    parse_scraped,
    parse_scraped_bytes,
    read_scraped_file,
)

ARTICLE = """\
A Title

First paragraph.

Second paragraph.

Comments 2
Thumb alice 1 March 2020, 09:05

Hello there.

Missing Bob Smith-Jones 2 March 2020, 10:30

One.

Two.
"""


def parse(text: str) -> ScrapedArticle:
    return parse_scraped(text, source="a.txt")


def test_the_seed_imports_as_one_article_with_two_comments(seed_article: Path) -> None:
    article = parse_scraped_bytes(seed_article.read_bytes(), source=str(seed_article))

    assert article.title.startswith("Putin Says U.S., Russia Have Not Abandoned Hopes")
    assert len(article.paragraphs) == 13
    assert article.declared_comments == 2
    assert article.warnings == ()
    first, second = article.comments
    assert first.author == "lebnanfirst"
    assert first.posted_at == datetime(2013, 6, 17, 22, 15, tzinfo=UTC)
    assert len(first.paragraphs) == 2
    assert first.paragraphs[1].startswith("Here is your chance to shine")
    assert second.author == "realist"
    assert second.posted_at == datetime(2013, 6, 18, 0, 45, tzinfo=UTC)
    assert len(second.paragraphs) == 1


def test_comments_are_split_at_their_headers() -> None:
    article = parse(ARTICLE)

    assert article.title == "A Title"
    assert article.paragraphs == ("First paragraph.", "Second paragraph.")
    assert [(c.author, c.paragraphs, c.line) for c in article.comments] == [
        ("alice", ("Hello there.",), 8),
        ("Bob Smith-Jones", ("One.", "Two."), 12),
    ]


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(ARTICLE.replace("\n", "\r\n"), id="crlf"),
        pytest.param("\ufeff" + ARTICLE, id="bom"),
        pytest.param(ARTICLE.replace("\n", "   \n"), id="trailing-spaces"),
        pytest.param("\n\n" + ARTICLE + "\n\n", id="blank-lines-around"),
        pytest.param(ARTICLE.replace("\n", "\r"), id="old-mac-cr"),
    ],
)
def test_line_ending_and_whitespace_variants_read_the_same(variant: str) -> None:
    assert parse(variant) == parse(ARTICLE)


def test_bom_in_bytes_is_dropped() -> None:
    data = b"\xef\xbb\xbf" + ARTICLE.encode()
    assert parse_scraped_bytes(data, source="a.txt").title == "A Title"


@pytest.mark.parametrize(
    ("header", "author", "when"),
    [
        ("Thumb lebnanfirst 17 June 2013, 22:15", "lebnanfirst", (2013, 6, 17, 22, 15)),
        ("Missing realist 18 June 2013, 00:45", "realist", (2013, 6, 18, 0, 45)),
        ("Jo O'Neil 3 Sept 2021, 7:05", "Jo O'Neil", (2021, 9, 3, 7, 5)),
        ("Thumb Sheep #5491 1 jan 2020, 23:59", "Sheep #5491", (2020, 1, 1, 23, 59)),
        ("Thumb George Victor 1 24 September 2013, 12:00", "George Victor 1", (2013, 9, 24, 12, 0)),
        # The avatar token is alt-text only when it comes first.
        ("Ann Thumb 1 May 2020, 10:00", "Ann Thumb", (2020, 5, 1, 10, 0)),
    ],
)
def test_header_variants(header: str, author: str, when: tuple[int, ...]) -> None:
    article = parse(f"T\n\nBody.\n\nComments 1\n{header}\n\nText.\n")
    (comment,) = article.comments
    assert comment.author == author
    assert comment.posted_at == datetime(*when, tzinfo=UTC)


def test_header_needs_no_blank_line_around_it() -> None:
    text = (
        "T\n\nBody.\n\nComments 2\n"
        "Thumb a 1 May 2020, 10:00\nText a.\nThumb b 1 May 2020, 11:00\nB.\n"
    )
    article = parse(text)
    assert [(c.author, c.body) for c in article.comments] == [("a", "Text a."), ("b", "B.")]


@pytest.mark.parametrize(
    "text", ["T\n\nBody.\n", "T\n\nBody.\n\nComments 0\n"], ids=["no-section", "zero"]
)
def test_an_article_without_comments(text: str) -> None:
    article = parse(text)
    assert article.comments == ()
    assert article.warnings == ()


def test_a_truncated_scrape_imports_what_is_there_and_warns() -> None:
    article = parse(ARTICLE.replace("Comments 2", "Comments 5"))

    assert len(article.comments) == 2
    (warning,) = article.warnings
    assert warning.line == 7
    assert "'Comments 5' but 2 found" in str(warning)
    assert str(warning).startswith("a.txt:7: warning:")


def test_a_header_without_a_name_warns() -> None:
    article = parse("T\n\nBody.\n\nComments 1\nThumb 1 May 2020, 10:00\n\nText.\n")
    assert article.comments[0].author == ""
    assert "no author name" in str(article.warnings[0])


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("", 1, "the file is empty"),
        ("\n  \n\n", 1, "the file is empty"),
        ("Comments 2\nThumb a 1 May 2020, 10:00\n", 1, "no title"),
        ("Only a title\n", 1, "has no body"),
        ("Title\n\nComments 1\nThumb a 1 May 2020, 10:00\n\nx\n", 1, "has no body"),
        ("T\n\nBody.\n\nComments 1\nThumb a 31 February 2013, 22:15\n\nx\n", 6, "impossible date"),
        ("T\n\nBody.\n\nComments 1\nThumb a 1 May 2013, 25:15\n\nx\n", 6, "impossible date"),
        ("T\n\nBody.\n\nComments 1\nThumb a 1 Mai 2013, 10:15\n\nx\n", 6, "unknown month 'Mai'"),
        (
            "T\n\nBody.\n\nComments 1\n\nstray text\nThumb a 1 May 2013, 10:15\n",
            7,
            "before the first",
        ),
    ],
)
def test_malformed_files_name_the_line(text: str, line: int, reason: str) -> None:
    with pytest.raises(FormatError) as caught:
        parse(text)
    assert caught.value.line == line
    assert reason in caught.value.reason
    assert str(caught.value).startswith(f"a.txt:{line}: ")


def test_undecodable_bytes_are_reported_on_their_line() -> None:
    data = b"Title\n\nBody\n\xff\xfe broken\n"
    with pytest.raises(FormatError) as caught:
        parse_scraped_bytes(data, source="bad.txt")
    assert str(caught.value) == "bad.txt:4: not UTF-8 text (byte ff)"


def test_an_unreadable_file_is_a_format_error(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match=r"missing\.txt: cannot read the file"):
        read_scraped_file(tmp_path / "missing.txt")


def test_the_stored_source_is_the_resolved_path(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    incoming = read_scraped_file(path)
    assert incoming.source == str(path.resolve())
    assert incoming.body == "First paragraph.\n\nSecond paragraph."
    assert [c.body for c in incoming.comments] == ["Hello there.", "One.\n\nTwo."]


# --- property: what we write, we read back; anything else fails cleanly -------------------

_word = (
    st.text(
        alphabet=st.characters(
            codec="utf-8",
            categories=("L", "N", "P", "Zs"),
            exclude_characters="\r\n\x85\u2028\u2029",
        ),
        min_size=1,
        max_size=30,
    )
    .map(str.strip)
    .filter(bool)
)
_paragraph = _word.filter(lambda s: not s.lower().startswith("comments "))
_name = st.from_regex(r"[A-Za-z][A-Za-z0-9_.'-]{0,15}( [A-Za-z0-9'-]{1,10}){0,2}", fullmatch=True)
_times = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1)).map(
    lambda d: d.replace(second=0, microsecond=0, tzinfo=UTC)
)


@st.composite
def _articles(draw: st.DrawFn) -> ScrapedArticle:
    comments = draw(
        st.lists(
            st.builds(
                ScrapedComment,
                author=_name,
                posted_at=_times,
                paragraphs=st.lists(_paragraph, min_size=1, max_size=3).map(tuple),
            ),
            max_size=5,
        )
    )
    return ScrapedArticle(
        title=draw(_paragraph),
        paragraphs=tuple(draw(st.lists(_paragraph, min_size=1, max_size=4))),
        comments=tuple(comments),
        declared_comments=len(comments),
    )


@settings(max_examples=200)
@given(_articles())
def test_format_then_parse_round_trips(article: ScrapedArticle) -> None:
    # A paragraph shaped like a header would be read as one; the writer's callers avoid them.
    assert parse(format_scraped(article)) == article


@settings(max_examples=300)
@given(st.binary(max_size=400) | st.text(max_size=400).map(str.encode))
def test_any_input_parses_or_fails_with_a_located_error(data: bytes) -> None:
    try:
        article = parse_scraped_bytes(data, source="fuzz.txt")
    except FormatError as error:
        assert str(error).startswith("fuzz.txt:")
        assert error.line >= 1
    else:
        assert article.title
        assert article.paragraphs


# --- lines that only look like headers, and scraper debris --------------------------------

TOKENED = (
    "T\n\nBody.\n\nComments 2\n"
    "Thumb ann 1 May 2020, 10:00\n\n{line}\n\n"
    "Missing bob 1 May 2020, 11:00\n\nB.\n"
)


@pytest.mark.parametrize(
    "line",
    [
        "The vote is on 30 February 2025, 10:00",  # would be an impossible date
        "I'll be back at 5 pm 2025, 10:00",  # would be an unknown month
        "Meeting moved to 3 March 2025, 10:00",  # would be a comment by "Meeting moved to"
        "3 March 2025, 10:00",  # would be a comment by nobody
    ],
)
def test_with_avatar_tokens_only_tokened_lines_are_headers(line: str) -> None:
    article = parse(TOKENED.format(line=line))
    assert [(c.author, c.paragraphs) for c in article.comments] == [
        ("ann", (line,)),
        ("bob", ("B.",)),
    ]
    assert article.warnings == ()


def test_without_a_comments_line_a_tokened_header_starts_the_comments() -> None:
    article = parse("T\n\nBody\n\nThumb Ann 1 June 2020, 10:00\n\nhello\n")
    assert article.paragraphs == ("Body",)
    assert [(c.author, c.body) for c in article.comments] == [("Ann", "hello")]
    assert article.declared_comments is None
    (warning,) = article.warnings
    assert (warning.line, warning.message) == (
        5,
        "no 'Comments N' line; the comments start at this header",
    )


def test_more_comments_than_declared_is_not_called_truncated() -> None:
    article = parse(ARTICLE.replace("Comments 2", "Comments 1"))
    (warning,) = article.warnings
    assert "'Comments 1' but 2 found" in warning.message
    assert "more than it declares" in warning.message


@pytest.mark.parametrize(
    ("header", "author"),
    [
        ("\ufeffThumb Ann 1 May 2020, 10:00", "Ann"),
        ("Thumb\tAnn 1 May 2020, 10:00", "Ann"),
        ("Thumb\u00a0Ann\u200b Lee 1 May 2020, 10:00", "Ann Lee"),
    ],
)
def test_invisible_characters_and_odd_spaces_never_reach_names(header: str, author: str) -> None:
    article = parse(f"\ufeff\ufeffT\n\nBody.\n\nComments 1\n{header}\n\nText.\n")
    assert article.title == "T"
    assert article.comments[0].author == author


def test_format_errors_survive_pickling() -> None:
    error = FormatError("a.txt", 3, "impossible date")
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
    assert (copy.source, copy.line, copy.reason, str(copy)) == (
        "a.txt",
        3,
        "impossible date",
        "a.txt:3: impossible date",
    )


# The header's shape as Python's engine read it before (it backtracked: quadratic on a run of
# spaces); the RE2 pattern must accept exactly the same lines, with the same parts.
_BACKTRACKING_SHAPE = re.compile(
    r"(?P<lead>.*?)\s*(?<!\S)(?P<day>\d{1,2})\s+(?P<month>[A-Za-z]+)\.?\s+(?P<year>\d{4}),\s*"
    r"(?P<hour>\d{1,2}):(?P<minute>\d{2})"
)


@settings(max_examples=400)
@given(
    st.lists(
        st.sampled_from(
            [
                "Thumb",
                "ann",
                "x",
                "1",
                "17",
                "May",
                "May.",
                "2020,",
                ",",
                "10:00",
                "2013",
                "22:15",
                " ",
                "  ",
                "\t",
                "7x",
            ]
        ),
        max_size=9,
    ).map("".join)
    | st.text(alphabet="ab1 :,.M\t", max_size=30)
)
def test_the_header_shape_reads_as_before(line: str) -> None:
    old = _BACKTRACKING_SHAPE.fullmatch(line)
    new = scraped._HEADER_SHAPE.fullmatch(line)
    assert (old is None) == (new is None)
    if old is not None:
        parts = ("lead", "day", "month", "year", "hour", "minute")
        assert [old[part].split() for part in parts] == [new[part].split() for part in parts]


def test_a_megabyte_of_spaces_shaped_like_a_header_reads_as_text() -> None:
    # "x", a million spaces, "y 10:00": Python's engine took hours over it (issue 21).
    line = "x" + " " * 1_000_000 + "y 10:00"
    article = parse(f"T\n\nBody.\n\nComments 1\nThumb ann 1 May 2020, 10:00\n\n{line}\n")
    (comment,) = article.comments
    assert comment.body == line


@pytest.mark.parametrize("year", ["0001", "1899", "2201", "9999"])
def test_a_comment_dated_out_of_range_is_refused_at_its_header(year: str) -> None:
    # Year 1 was stored with --no-rules and broke every later rule run; with rules, a traceback.
    with pytest.raises(FormatError, match="out of range") as refused:
        parse(f"T\n\nBody.\n\nComments 1\nThumb ann 1 January {year}, 10:00\n\nHello.\n")
    assert refused.value.line == 6


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("T\x00itle\n\nBody.\n\nComments 0\n", 1, 2),
        ("T\n\nBody.\n\nComments 1\nThumb a\x00nn 1 May 2020, 10:00\n\nHi.\n", 6, 8),
        ("T\r\n\r\nBody.\r\n\r\nComments 1\r\nThumb ann 1 May 2020, 10:00\r\n\r\n\x00\r\n", 8, 1),
        ("T\r\rBody.\r\rComments 1\rThumb ann 1 May 2020, 10:00\r\rHi \x00there.", 8, 4),
    ],
)
def test_a_nul_character_is_refused_at_its_line(text: str, line: int, column: int) -> None:
    # SQLite stored it; PostgreSQL refused it, and with it the whole run of files.
    with pytest.raises(FormatError, match=f"NUL character \\(U\\+0000\\) at column {column}") as no:
        parse_scraped_bytes(text.encode(), source="nul.txt")
    assert (no.value.source, no.value.line) == ("nul.txt", line)


# --- a big file read a line at a time -----------------------------------------------------


def parse_streamed(data: bytes, source: str = "fuzz.txt") -> ScrapedArticle:
    """What the importer reads of a file too big to hold: the same article, by three passes
    that keep no more than a line (and the article's body) in memory."""
    head = scraped.scan_scraped(lambda: io.BytesIO(data), source=source, stored_source=source)
    warnings = list(head.layout.warnings)
    comments = tuple(head.comments(io.BytesIO(data), warnings))
    assert head.article().body == head.body
    return ScrapedArticle(
        title=head.title,
        paragraphs=tuple(head.body.split("\n\n")),
        comments=tuple(
            ScrapedComment(c.author, c.posted_at, tuple(c.body.split("\n\n")) if c.body else ())
            for c in comments
        ),
        declared_comments=head.layout.declared,
        warnings=tuple(sorted(warnings, key=lambda warning: warning.line)),
    )


def _outcome(read: Callable[[bytes], ScrapedArticle], data: bytes) -> object:
    try:
        article = read(data)
    except FormatError as error:
        return ("refused", str(error))
    return (article, [str(warning) for warning in article.warnings])


@settings(max_examples=400)
@given(
    st.binary(max_size=300)
    | st.lists(
        st.sampled_from(
            [
                "T",
                "Body.",
                "",
                "Comments 2",
                "Comments 1",
                "Thumb ann 1 May 2020, 10:00",
                "bob 2 May 2020, 11:00",
                "Missing  3 Jun 2020, 12:30",
                "x 40 Foo 2020, 10:00",
                "Hi there.",
                "\ufeffzero\u200bwidth",
                "a\x00b",
                " 1 May 1899, 10:00",
            ]
        ),
        max_size=14,
    ).flatmap(
        lambda lines: st.sampled_from(["\n", "\r\n", "\r"]).map(
            lambda end: end.join(lines).encode()
        )
    )
)
def test_a_file_read_a_line_at_a_time_reads_as_one_read_whole(data: bytes) -> None:
    assert _outcome(parse_streamed, data) == _outcome(
        lambda whole: parse_scraped_bytes(whole, source="fuzz.txt"), data
    )


@pytest.mark.parametrize(
    ("data", "fault"),
    [
        (b"T\x00\n\xff\n", "fuzz.txt:1: a NUL character (U+0000) at column 2"),
        (b"T\r\xff\n\x00", "fuzz.txt:2: not UTF-8 text (byte ff)"),
        (b"\xef\xbb\xbfT\r\n\r\nB\r\xc3", "fuzz.txt:4: not UTF-8 text (byte c3)"),
    ],
)
def test_the_first_fault_is_reported_whichever_way_a_file_is_read(data: bytes, fault: str) -> None:
    for read in (parse_streamed, lambda whole: parse_scraped_bytes(whole, source="fuzz.txt")):
        with pytest.raises(FormatError) as refused:
            read(data)
        assert str(refused.value).startswith(fault)


def test_the_seed_read_a_line_at_a_time_is_the_same_article(seed_article: Path) -> None:
    data = seed_article.read_bytes()
    assert parse_streamed(data, "seed") == parse_scraped_bytes(data, source="seed")


def test_a_comments_count_too_long_to_read_is_refused_at_its_line() -> None:
    # Python refuses ints of more than 4,300 digits: a ValueError escaped both ways of reading.
    data = b"T\n\nBody.\n\nComments " + b"9" * 5000 + b"\n"
    for read in (parse_streamed, lambda whole: parse_scraped_bytes(whole, source="fuzz.txt")):
        with pytest.raises(FormatError, match="19 digits or more") as refused:
            read(data)
        assert refused.value.line == 5
