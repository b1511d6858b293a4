"""Comment markup made plain text: the same text as the standard library's HTMLParser gave on
ordinary markup, in one linear scan on hostile markup."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st

from moderator.formats.html_text import _tidy, _tidy_window, plain_text


class _StdlibText(HTMLParser):
    """What the importers used before: right on ordinary markup, quadratic on hostile."""

    _BLOCKS = frozenset({"p", "div", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "pre"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag in self._BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def stdlib_plain_text(markup: str) -> str:
    parser = _StdlibText()
    parser.feed(markup)
    parser.close()
    text = "".join(parser.parts).replace("\r\n", "\n")
    paragraphs = []
    for paragraph in re.split(r"\n\s*\n", text):
        lines = (" ".join(line.split()) for line in paragraph.split("\n"))
        kept = "\n".join(line for line in lines if line)
        if kept:
            paragraphs.append(kept)
    return "\n\n".join(paragraphs)


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ("<p>One</p><p>Two</p>", "One\n\nTwo"),
        ("a<br>b<br/>c<BR >d", "a\nb\nc\nd"),
        ("x<br>\n<br>y", "x\n\ny"),
        ("<li>a<li>b", "a\n\nb"),
        ("<!-- wp:paragraph --><p>Block</p><!-- /wp:paragraph -->", "Block"),
        ("a<!---->b<!-- x -- >c", "abc"),
        ("a<![CDATA[gone]]>b<![if x]>c<![endif]>d", "abcd"),
        ("&lt;script&gt; &amp; &eacute; &#39; &#x2019; &nbsp;", "<script> & é ' \u2019"),
        ("&amp &notit; &#0;", "& ¬it; \ufffd"),
        ('<a href="http://x.test/?a=1&amp;b=2" rel=nofollow>link</a> y', "link y"),
        ('<a title="1 > 2">t</a>', "t"),
        ("<a title=it's>t</a>", "t"),
        ("<P CLASS=x>Up</P >down", "Up\n\ndown"),
        ("a</ p>b</3>c</>d", "a\n\nbcd"),
        ("<?php echo 1 ?><!DOCTYPE html><!x>z", "z"),
        ("<script>if (a<b) x &amp;</script>y", "if (a<b) x &amp;y"),
        ("<style>p{}</STYLE>t", "p{}t"),
        ("I <3 you, a < b, a<$b", "I <3 you, a < b, a<$b"),
        ("  spaced \t out  \r\n\r\n  again ", "spaced out\n\nagain"),
        ("", ""),
    ],
)
def test_markup_becomes_plain_paragraphs(markup: str, text: str) -> None:
    assert plain_text(markup) == text
    assert stdlib_plain_text(markup) == text


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        # Left open at the end: the rest is what the commenter typed, kept as written.
        ("a <b and c", "a <b and c"),
        ("x <!-- open <b>bold</b>", "x <!-- open <b>bold</b>"),
        ('<a x=">" ', '<a x=">"'),
        ("a</", "a</"),
        ("<![CDATA[x &amp; y", "<![CDATA[x & y"),
        # The standard parser dropped an unfinished script; it is kept, as text.
        ("<script>alert(1)", "alert(1)"),
        # No section HTML knows (the standard parser raised AssertionError): text.
        ("a <![foo]> b <![ x", "a <![foo]> b <![ x"),
    ],
)
def test_unfinished_or_unknown_markup_stays_text(markup: str, text: str) -> None:
    assert plain_text(markup) == text


# Each took the standard parser from seconds to minutes at this size: it tried the unfinished
# construct again at every following "<" (400 KB of "x<" took 52 s). Speed is measured in
# bench/bench_import_xml.py (time per byte, 10 KB against 1 MB); here, that they are read.
HOSTILE = ["x<", "<!--", "<a ", "&#", "</", '<a x=">" ', "<![CDATA[", '<a href="', "<!-- </p>"]


@pytest.mark.parametrize("unit", HOSTILE)
def test_hostile_markup_is_kept_as_the_text_it_is(unit: str) -> None:
    markup = unit * (400_000 // len(unit))
    assert plain_text(markup) == " ".join(markup.split())


_WORDS = st.sampled_from(
    ["word", "x", "Ünïcode", "3", "a < b", "<3", "&amp;", "&lt;", "&#39;", "&eacute;", "&nbsp;"]
)
_SPACES = st.sampled_from([" ", "\n", "\r\n", "\t", "\n\n", " \n \n ", "\u00a0", "\u2028"])
_TAGS = st.sampled_from(
    [
        *("<p>", "</p>", "<div class='q'>", "</div>", "<li>", "</li>", "<blockquote>"),
        *("</blockquote>", "<h2>", "</h2>", "<pre>", "</pre>", "<br>", "<br/>", "<br />"),
        *("<b>", "</b>", "<em>", "</em>", '<a href="http://x.test/?a=1&amp;b=2">', "</a>"),
        *("<img src=x alt='a > b'/>", "<!-- wp:paragraph -->", "<!---->", "<![CDATA[x]]>"),
    ]
)


@given(st.lists(st.one_of(_WORDS, _SPACES, _TAGS), max_size=30))
def test_ordinary_markup_reads_as_the_standard_parser_read_it(parts: list[str]) -> None:
    markup = "".join(parts)
    assert plain_text(markup) == stdlib_plain_text(markup)


@given(st.text(st.sampled_from(" \n\r\t\x85\u2028\u00a0ab"), max_size=80), st.integers(1, 9))
def test_white_space_is_tidied_the_same_in_windows(text: str, window: int) -> None:
    assert _tidy(text, window) == _tidy_window(text)


@given(st.text())
def test_plain_text_never_keeps_a_blank_run_or_edge_space(markup: str) -> None:
    text = plain_text(markup)
    assert "\n\n\n" not in text
    assert text == text.strip()
    assert "\r" not in text
