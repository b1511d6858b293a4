"""Platform exports read as hostile input: WXR (1.0-1.2) and Disqus, detected by content."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from moderator.formats.errors import FormatError
from moderator.formats.html_text import plain_text
from moderator.formats.platform_xml import (
    DISQUS,
    WXR,
    ReadSummary,
    detect,
    read_disqus,
    read_wxr,
)

WXR_HEAD = (
    '<?xml version="1.0"?>\n<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/"'
    ' xmlns:content="http://purl.org/rss/1.0/modules/content/">\n<channel>\n'
)


def wxr_item(title: str, *comments: str) -> str:
    return f"<item><title>{title}</title><link>http://x.test/{title}</link>{''.join(comments)}</item>\n"


def wxr_comment(
    cid: int, body: str, *, parent: int = 0, approved: str = "1", kind: str = ""
) -> str:
    return (
        f"<wp:comment><wp:comment_id>{cid}</wp:comment_id>"
        f"<wp:comment_author>a{cid}</wp:comment_author>"
        f"<wp:comment_date_gmt>2024-01-0{1 + cid % 8} 10:00:00</wp:comment_date_gmt>"
        f"<wp:comment_content><![CDATA[{body}]]></wp:comment_content>"
        f"<wp:comment_approved>{approved}</wp:comment_approved>"
        f"<wp:comment_type>{kind}</wp:comment_type>"
        f"<wp:comment_parent>{parent}</wp:comment_parent></wp:comment>"
    )


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (WXR_HEAD, WXR),
        ('<?xml version="1.0"?><!-- a note --><disqus xmlns="http://disqus.com">', DISQUS),
        ('<rss version="2.0"><channel><title>a plain feed</title>', None),
        ("Title\n\nBody.\n\nComments 0\n", None),
        ("", None),
    ],
)
def test_the_format_is_told_by_content(head: str, kind: str | None) -> None:
    assert detect(head.encode()) == kind


def test_wxr_keeps_threads_states_and_skips_pingbacks(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "site.txt",  # the name says nothing: the content does
        WXR_HEAD
        + wxr_item(
            "One",
            wxr_comment(1, "<p>First</p><p>Second &amp; <b>bold</b></p>"),
            wxr_comment(2, "reply", parent=1, approved="0"),
            wxr_comment(3, "buy now", approved="spam"),
            wxr_comment(4, "old", approved="trash"),
            wxr_comment(5, "ping", kind="pingback"),
        )
        + wxr_item("Empty")
        + "</channel></rss>",
    )
    summary = ReadSummary()
    (article,) = read_wxr(path, summary)
    assert (article.title, article.source) == ("One", "http://x.test/One")
    assert [(c.external_id, c.parent_external_id, c.state, c.reason) for c in article.comments] == [
        ("1", None, "approved", None),
        ("2", "1", "pending", None),
        ("3", None, "hidden", "spam"),
        ("4", None, "hidden", "other"),
    ]
    assert article.comments[0].body == "First\n\nSecond & bold"
    assert summary.skipped_pingbacks == 1


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            '<!ENTITY lol2 "&lol;&lol;&lol;">]>'
            '<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel>&lol2;</channel></rss>',
            "refused as unsafe XML",
        ),
        (
            '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            '<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel>&x;</channel></rss>',
            "refused as unsafe XML",
        ),
        (WXR_HEAD + "<item><title>T</title></itm></channel></rss>", "malformed XML at column"),
    ],
)
def test_hostile_and_broken_xml_is_refused_with_its_place(
    tmp_path: Path, text: str, said: str
) -> None:
    path = write(tmp_path, "bad.xml", text)
    with pytest.raises(FormatError, match=said) as refused:
        list(read_wxr(path, ReadSummary()))
    assert str(refused.value).startswith(str(path))


@pytest.mark.parametrize(
    ("markup", "text"),
    [("<![CDA", "<![CDA"), ("a <![foo]> b", "a <![foo]> b"), ("<![CDATA[ok]]> y", "y")],
)
def test_a_malformed_marked_section_stays_text(markup: str, text: str) -> None:
    """Found by fuzzing Disqus exports: the standard HTML parser raised AssertionError."""
    assert plain_text(markup) == text


def test_an_item_outside_the_channel_is_read_where_it_stands(tmp_path: Path) -> None:
    """Found by fuzzing: an item inside another element (not straight in the channel) once
    broke the reader's housekeeping with a ValueError."""
    path = write(
        tmp_path,
        "nested.xml",
        WXR_HEAD
        + "<wrapper>"
        + wxr_item("Inner", wxr_comment(1, "hi"))
        + "</wrapper>"
        + wxr_item("Two", wxr_comment(2, "there"))
        + "</channel></rss>",
    )
    assert [article.title for article in read_wxr(path, ReadSummary())] == ["Inner", "Two"]


def test_a_fault_after_whole_articles_comes_after_them(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "cut.xml",
        WXR_HEAD + wxr_item("One", wxr_comment(1, "ok")) + "<item><title>Two</titl",
    )
    read = read_wxr(path, ReadSummary())
    assert next(read).title == "One"
    with pytest.raises(FormatError) as cut:
        next(read)
    assert cut.value.line >= 5


def test_disqus_threads_posts_orphans_and_deletions(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "disqus.xml",
        '<?xml version="1.0"?><disqus xmlns="http://disqus.com" '
        'xmlns:dsq="http://disqus.com/disqus-internals">'
        '<thread dsq:id="1"><link>http://x.test/a</link><title>A</title></thread>'
        '<thread dsq:id="2"><link>http://x.test/b</link><title/></thread>'
        '<post dsq:id="10"><message><![CDATA[<p>hi</p>]]></message>'
        "<createdAt>2020-01-01T10:00:00Z</createdAt><isDeleted>false</isDeleted>"
        '<isSpam>false</isSpam><author><name>ann</name></author><thread dsq:id="1"/></post>'
        '<post dsq:id="11"><message/><createdAt>2020-01-01T11:00:00Z</createdAt>'
        "<isDeleted>true</isDeleted><isSpam>false</isSpam><author><name>bob</name></author>"
        '<thread dsq:id="1"/><parent dsq:id="10"/></post>'
        '<post dsq:id="12"><message>spam</message><createdAt>2020-01-01T12:00:00Z</createdAt>'
        "<isDeleted>false</isDeleted><isSpam>true</isSpam><author><username>c</username></author>"
        '<thread dsq:id="2"/></post>'
        '<post dsq:id="13"><message>lost</message><createdAt>2020-01-01T12:00:00Z</createdAt>'
        '<author><name>d</name></author><thread dsq:id="99"/></post>'
        "</disqus>",
    )
    summary = ReadSummary()
    first, second = read_disqus(path, summary)
    assert [(c.external_id, c.parent_external_id, c.state, c.reason) for c in first.comments] == [
        ("10", None, "pending", None),
        ("11", "10", "hidden", "other"),
    ]
    assert first.comments[0].body == "hi"
    assert (second.title, second.comments[0].author, second.comments[0].reason) == (
        "http://x.test/b",
        "c",
        "spam",
    )
    assert summary.skipped_orphans == 1
    assert "post 13 belongs to no thread" in str(summary.warnings[0])


def test_the_real_exports(shared_imports: Path) -> None:
    summary = ReadSummary()
    articles = list(read_wxr(shared_imports / "wordpress/themeunittestdata.wordpress.xml", summary))
    assert (len(articles), sum(len(a.comments) for a in articles)) == (7, 29)
    assert summary.skipped_pingbacks == 4
    chain = next(a for a in articles if a.title == "Template: Comments")
    parents = {c.external_id: c.parent_external_id for c in chain.comments}
    depth, node = 0, next(c.external_id for c in chain.comments if "Depth 10" in c.body)
    while parents.get(node):
        node, depth = parents[node], depth + 1
    assert depth == 9  # ten levels: nine replies above the deepest
    old = list(read_wxr(shared_imports / "isso/wordpress.xml", ReadSummary()))
    assert [len(a.comments) for a in old] == [7, 1]
    disqus = ReadSummary()
    threads = list(read_disqus(shared_imports / "isso/disqus.xml", disqus))
    assert [len(t.comments) for t in threads] == [4, 1]
    assert disqus.skipped_orphans == 1


_SAFE = st.characters(
    codec="utf-8", exclude_categories=("Cc", "Cs", "Co", "Cn"), exclude_characters="<>&"
)


@given(
    comments=st.lists(
        st.tuples(st.text(_SAFE, min_size=1, max_size=30), st.text(_SAFE, max_size=200)),
        min_size=1,
        max_size=8,
    )
)
def test_any_comments_written_as_wxr_read_back_the_same(
    tmp_path_factory: pytest.TempPathFactory, comments: list[tuple[str, str]]
) -> None:
    from xml.sax.saxutils import escape  # noqa: PLC0415

    items = "".join(
        f"<wp:comment><wp:comment_id>{n}</wp:comment_id>"
        f"<wp:comment_author>{escape(author)}</wp:comment_author>"
        f"<wp:comment_date_gmt>2024-01-01 10:00:00</wp:comment_date_gmt>"
        f"<wp:comment_content>{escape(body)}</wp:comment_content>"
        "<wp:comment_approved>1</wp:comment_approved></wp:comment>"
        for n, (author, body) in enumerate(comments, 1)
    )
    path = tmp_path_factory.mktemp("wxr") / "x.xml"
    path.write_text(
        WXR_HEAD + f"<item><title>T</title>{items}</item></channel></rss>", encoding="utf-8"
    )
    (article,) = read_wxr(path, ReadSummary())
    assert [(c.author, c.body) for c in article.comments] == [
        (author.strip() or "(anonymous)", plain_text(body.strip())) for author, body in comments
    ]
    assert [c.external_id for c in article.comments] == [
        str(n) for n in range(1, len(comments) + 1)
    ]


@pytest.mark.parametrize(
    "date", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:00:00-02:00", "1899-12-31T23:59:59Z"]
)
def test_a_date_out_of_range_is_refused_naming_it(tmp_path: Path, date: str) -> None:
    # Year 1 an hour east of UTC raised OverflowError, and the rest of the run was lost.
    path = write(
        tmp_path,
        "disqus.xml",
        '<?xml version="1.0"?><disqus xmlns="http://disqus.com" '
        'xmlns:dsq="http://disqus.com/disqus-internals">\n'
        '<thread dsq:id="1"><link>http://x.test/a</link><title>A</title></thread>\n'
        f'<post dsq:id="10"><message>hi</message><createdAt>{date}</createdAt>\n'
        '<author><name>ann</name></author><thread dsq:id="1"/></post>\n'
        "</disqus>",
    )
    with pytest.raises(FormatError) as refused:
        list(read_disqus(path, ReadSummary()))
    assert str(path) in str(refused.value)
    assert date[:4] in str(refused.value)


DISQUS_HEAD = (
    '<?xml version="1.0"?>\n<disqus xmlns="http://disqus.com"'
    ' xmlns:dsq="http://disqus.com/disqus-internals">\n'
)


def disqus_thread(key: int, title: str = "") -> str:
    return (
        f'<thread dsq:id="{key}"><link>http://x.test/{key}</link>'
        f"<title>{title or f'Thread {key}'}</title></thread>\n"
    )


def disqus_post(pid: int, thread: int, body: str = "", minute: int = 0) -> str:
    return (
        f'<post dsq:id="{pid}"><message><![CDATA[<p>{body or f"post {pid}"}</p>]]></message>'
        f"<createdAt>2020-01-01T10:{minute % 60:02}:00Z</createdAt>"
        f'<author><name>a{pid}</name></author><thread dsq:id="{thread}"/></post>\n'
    )


def disqus_export(posts: int = 30) -> str:
    """Three threads, their posts spread among them, in time order within each thread."""
    return (
        DISQUS_HEAD
        + disqus_thread(1)
        + disqus_thread(2)
        + "".join(disqus_post(n, 1 + n % 3, minute=n) for n in range(1, posts + 1))
        + disqus_thread(3)
        + "</disqus>\n"
    )


def test_disqus_posts_wait_for_their_thread_in_time_order(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "d.xml",
        DISQUS_HEAD
        + disqus_post(5, 2, "late", minute=50)
        + disqus_post(6, 2, "early", minute=10)
        + disqus_post(7, 2, "same time, later in the file", minute=10)
        + disqus_thread(1)
        + disqus_thread(2, "old title")
        + disqus_post(8, 1)
        + disqus_thread(2, "new title")
        + "</disqus>",
    )
    first, second = read_disqus(path, ReadSummary())
    assert (first.title, [c.external_id for c in first.comments]) == ("Thread 1", ["8"])
    # A thread given twice keeps its first place and its last title.
    assert (second.title, [c.body for c in second.comments]) == (
        "new title",
        ["early", "same time, later in the file", "late"],
    )


def test_disqus_orphans_beyond_twenty_are_counted_in_one_warning(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "d.xml",
        DISQUS_HEAD
        + disqus_thread(1)
        + disqus_post(1, 1)
        + "".join(disqus_post(n, 99) for n in range(100, 125))
        + "</disqus>",
    )
    summary = ReadSummary()
    (article,) = read_disqus(path, summary)
    assert len(article.comments) == 1
    assert summary.skipped_orphans == 25
    assert [str(w).split(": ", 1)[1] for w in summary.warnings[19:]] == [
        "warning: post 119 belongs to no thread in the file; skipped",
        "warning: 5 more posts belong to no thread in the file; skipped",
    ]


def test_a_cut_disqus_file_hands_over_what_precedes_the_fault_when_recovering(
    tmp_path: Path,
) -> None:
    whole = disqus_export()
    path = write(tmp_path, "cut.xml", whole[:-200])
    # Without recovery, nothing: the file is refused whole.
    with pytest.raises(FormatError, match="malformed XML"):
        next(read_disqus(path, ReadSummary()))
    summary = ReadSummary()
    read = read_disqus(path, summary, recover=True)
    first, second = next(read), next(read)
    with pytest.raises(FormatError, match="malformed XML") as cut:
        next(read)
    assert cut.value.line > 1
    # The threads read, with their posts read before the cut: the last post (thread 1's
    # tenth) is cut; thread 3 came after its posts and was cut off, so they have no thread.
    assert [(a.title, len(a.comments)) for a in (first, second)] == [
        ("Thread 1", 9),
        ("Thread 2", 10),
    ]
    assert summary.skipped_orphans == 10


@pytest.mark.parametrize(
    ("where", "nul"),
    [
        *((part, nul) for part in ("author", "title") for nul in ("\x00", "&#0;", "&#x0;")),
        # In a body's CDATA, "&#0;" is the HTML's, which makes it a replacement character.
        ("body", "\x00"),
    ],
)
def test_a_nul_character_in_an_export_is_refused_at_its_line(
    tmp_path: Path, nul: str, where: str
) -> None:
    author, body, title = (nul if where == part else "" for part in ("author", "body", "title"))
    wxr = write(
        tmp_path,
        "site.xml",
        WXR_HEAD
        + f"<item><title>T{title}</title><link>http://x.test/t</link>\n"
        + wxr_comment(1, f"b{body}").replace("a1<", f"a1{author}<")
        + "</item></channel></rss>",
    )
    disqus = write(
        tmp_path,
        "disqus.xml",
        DISQUS_HEAD
        + disqus_thread(1, f"T{title}")
        + disqus_post(1, 1, f"b{body}").replace("a1<", f"a1{author}<")
        + "</disqus>",
    )
    # The title stands on the line before the comment, in both.
    for path, read, line in ((wxr, read_wxr, 5), (disqus, read_disqus, 4)):
        with pytest.raises(FormatError) as refused:
            list(read(path, ReadSummary()))
        assert (refused.value.source, refused.value.line) == (str(path), line - bool(title))


def test_a_nul_written_twice_escaped_is_a_replacement_character(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "d.xml",
        DISQUS_HEAD + disqus_thread(1) + disqus_post(1, 1, "a&#0;b") + "</disqus>",
    )
    (article,) = read_disqus(path, ReadSummary())
    assert article.comments[0].body == "a\ufffdb"


def _peak_bytes(path: Path, read: object) -> int:
    tracemalloc.start()
    try:
        list(read(path, ReadSummary()))  # type: ignore[operator]
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("kind", ["wxr", "disqus"])
def test_elements_nobody_reads_do_not_pile_up_whatever_their_number(
    tmp_path: Path, kind: str
) -> None:
    # Channel-level tags of a WXR file, and posts in a wrapper of a Disqus file, stayed in
    # memory to the end of the file: 545 MB for a million wrapped posts.
    def written(count: int) -> Path:
        path = tmp_path / f"{kind}-{count}.xml"
        if kind == "wxr":
            tags = "<wp:tag><wp:tag_slug>t</wp:tag_slug></wp:tag>" * count
            text = WXR_HEAD + tags + wxr_item("One", wxr_comment(1, "hi")) + "</channel></rss>"
        else:
            post = (
                '<post dsq:id="9"><message>x</message><createdAt>2024-01-01T10:00:00Z'
                '</createdAt><author><name>a</name></author><thread dsq:id="1"/></post>'
            )
            text = (
                '<?xml version="1.0"?><disqus xmlns="http://disqus.com" '
                'xmlns:dsq="http://disqus.com/disqus-internals"><w>'
                + post * count
                + "</w></disqus>"
            )
        path.write_text(text, encoding="utf-8")
        return path

    read = read_wxr if kind == "wxr" else read_disqus
    small = _peak_bytes(written(5_000), read)
    large = _peak_bytes(written(50_000), read)
    assert large < 2 * small + 1_000_000, (small, large)
