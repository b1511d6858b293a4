"""Measures importing platform exports: comments/s, peak memory as the file grows, and markup.

A WXR 1.2 file is generated (seeded): posts of 100 comments each, a third of them replies,
bodies a few dozen words of HTML (3% with an insult for the rules to flag); 10% unapproved,
2% spam, 1% pingbacks. It is imported with
``moderator.imports.importer.import_paths`` (the default rule set checking every new comment, as
``moderator import`` does) into a fresh database, in a fresh process whose peak resident
memory (VmHWM) is read at the end. Two sizes show that memory does not grow with the file.

Target: peak RSS under 300 MB whatever the file's size.

Reading alone (no database), a Disqus export of a tenth of ``--posts`` and of all of them
(threads of 50 posts, threads listed before their posts) is read in a fresh process beside a
WXR file of as many comments, the reference: flat means the larger Disqus file's peak is not
much above the smaller's, nor above the WXR reader's.

Markup made plain text (``moderator.formats.html_text``): each hostile shape (issue 21: "x<"
repeated, comments and tags left open, "&#" and "</" runs) at 10 KB and 1 MB, time per byte
(best of several runs) beside ordinary comment markup's, the reference; linear means the
1 MB figure is within 3x of the 10 KB one.

Run it (from the repository root)::

    .venv/bin/python bench/bench_import_xml.py
    .venv/bin/python bench/bench_import_xml.py --comments 20000 --posts 100000  # quicker
    .venv/bin/python bench/bench_import_xml.py --only markup
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

from report import print_table, verdict

RSS_TARGET_MB = 300
# Linear: time per byte at 1 MB within this factor of its time per byte at 10 KB.
LINEAR_RATIO = 3.0
# "Flat": the Disqus reader's peak at ten times the posts within this factor of its own.
FLAT_RATIO = 1.5
MARKUP_SIZES = (10_000, 1_000_000)
HOSTILE_MARKUP = (
    *("x<", "<!--", "<a ", "&#", "</", '<a x=">" ', "<![CDATA[", '<a href="'),
    *("<!-- </p>", "<![if ", "<p>x", "&amp;x", "\n \n x"),
)
ORDINARY_MARKUP = (
    '<p>Ferry fares &amp; the <a href="https://news.test/1" rel="nofollow">council</a>'
    " plan:<br/>never again.</p>\n<!-- wp:paragraph --><p>Second &#8217;para&#8217;.</p>\n"
)
DISQUS_PER_THREAD = 50
PER_POST = 100
WORDS = (
    *("council", "ferry", "fares", "budget", "harbour", "residents", "vote", "plan", "service"),
    *("morning", "price", "ticket", "commuters", "island", "mayor", "report", "winter"),
    *("timetable", "bridge", "money", "taxes", "people", "city", "great", "never"),
)


def generate(path: Path, comments: int, seed: int) -> None:
    """A WXR file of ``comments`` comments, written as a stream."""
    chance = random.Random(seed)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"'
            ' xmlns:content="http://purl.org/rss/1.0/modules/content/"'
            ' xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n'
        )
        comment_id = 0
        for post in range((comments + PER_POST - 1) // PER_POST):
            out.write(
                f"<item><title>Post {post}</title><link>https://news.test/{post}</link>"
                f"<content:encoded><![CDATA[<p>{' '.join(chance.choices(WORDS, k=80))}</p>]]>"
                "</content:encoded><wp:post_type>post</wp:post_type>\n"
            )
            first = comment_id + 1
            for _ in range(min(PER_POST, comments - comment_id)):
                comment_id += 1
                parent = (
                    chance.randint(first, comment_id - 1)
                    if comment_id > first and chance.random() < 0.33
                    else 0
                )
                draw = chance.random()
                approved = "0" if draw < 0.10 else "spam" if draw < 0.12 else "1"
                kind = "pingback" if chance.random() < 0.01 else ""
                body = " ".join(chance.choices(WORDS, k=chance.randint(8, 60)))
                if chance.random() < 0.03:  # a few for the rules to flag, as in a real export
                    body += " what an idiot"
                when = start + timedelta(minutes=comment_id)
                author = escape(f"reader{chance.randint(1, 5000)}")
                out.write(
                    f"<wp:comment><wp:comment_id>{comment_id}</wp:comment_id>"
                    f"<wp:comment_author>{author}</wp:comment_author>"
                    f"<wp:comment_date_gmt>{when:%Y-%m-%d %H:%M:%S}</wp:comment_date_gmt>"
                    f"<wp:comment_content><![CDATA[<p>{body}</p>]]></wp:comment_content>"
                    f"<wp:comment_approved>{approved}</wp:comment_approved>"
                    f"<wp:comment_type>{kind}</wp:comment_type>"
                    f"<wp:comment_parent>{parent}</wp:comment_parent></wp:comment>\n"
                )
            out.write("</item>\n")
        out.write("</channel>\n</rss>\n")


def generate_disqus(path: Path, posts: int, seed: int) -> None:
    """A Disqus export of ``posts`` posts in threads of fifty, written as a stream."""
    chance = random.Random(seed)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    threads = (posts + DISQUS_PER_THREAD - 1) // DISQUS_PER_THREAD
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="utf-8"?>\n<disqus xmlns="http://disqus.com"'
            ' xmlns:dsq="http://disqus.com/disqus-internals">\n'
        )
        for thread in range(threads):
            out.write(
                f'<thread dsq:id="{thread}"><link>https://news.test/{thread}</link>'
                f"<title>Post {thread}</title></thread>\n"
            )
        for post in range(posts):
            body = " ".join(chance.choices(WORDS, k=chance.randint(8, 60)))
            when = start + timedelta(minutes=post)
            out.write(
                f'<post dsq:id="{post}"><message><![CDATA[<p>{body}</p>]]></message>'
                f"<createdAt>{when:%Y-%m-%dT%H:%M:%SZ}</createdAt>"
                f"<isDeleted>false</isDeleted><isSpam>false</isSpam>"
                f"<author><name>reader{chance.randint(1, 5000)}</name></author>"
                f'<thread dsq:id="{chance.randrange(threads)}"/></post>\n'
            )
        out.write("</disqus>\n")


def read_child(kind: str, path: Path) -> None:
    """Read ``path`` (no database): comments read, seconds and peak memory, as JSON."""
    from moderator.formats.platform_xml import ReadSummary, read_disqus, read_wxr  # noqa: PLC0415

    read = read_disqus if kind == "disqus" else read_wxr
    started = time.perf_counter()
    comments = sum(len(article.comments) for article in read(path, ReadSummary()))
    elapsed = time.perf_counter() - started
    print(json.dumps({"comments": comments, "seconds": elapsed, "peak_mb": _peak_mb()}))


def measure_reading(kind: str, path: Path) -> dict[str, float]:
    done = subprocess.run(  # noqa: S603 - this very script, with paths it chose
        [sys.executable, __file__, "--read", kind, str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def reading_rows(posts: int, seed: int) -> list[tuple[str, ...]]:
    """Peak memory of reading Disqus files of a tenth of ``posts`` and all, beside WXR's."""
    rows: list[tuple[str, ...]] = [
        ("read, no database", "peak RSS", "reference", "ratio", "result")
    ]
    with tempfile.TemporaryDirectory() as scratch:
        peaks: dict[tuple[str, int], float] = {}
        for count in (posts // 10, posts):
            for kind in ("wxr", "disqus"):
                path = Path(scratch) / f"{kind}-{count}.xml"
                (generate if kind == "wxr" else generate_disqus)(path, count, seed)
                figures = measure_reading(kind, path)
                path.unlink()
                peaks[kind, count] = figures["peak_mb"]
                size = f"{figures['comments']:,.0f} comments in {figures['seconds']:.0f} s"
                if kind == "wxr":
                    rows.append((f"WXR, {size}", f"{figures['peak_mb']:.0f} MB", "", "", ""))
                    continue
                reference = peaks["wxr", count]
                smaller = peaks["disqus", posts // 10]
                flat = figures["peak_mb"] <= FLAT_RATIO * max(smaller, reference)
                rows.append(
                    (
                        f"Disqus, {size}",
                        f"{figures['peak_mb']:.0f} MB",
                        f"WXR {reference:.0f} MB",
                        f"{figures['peak_mb'] / reference:.2f}",
                        verdict(flat and figures["comments"] == count),
                    )
                )
    return rows


def _per_byte(markup: str) -> float:
    """Nanoseconds per byte making ``markup`` plain text, the best of a few runs."""
    from moderator.formats.html_text import plain_text  # noqa: PLC0415

    runs = max(3, 2_000_000 // len(markup))
    best = float("inf")
    for _ in range(runs):
        gc.collect()
        started = time.perf_counter()
        plain_text(markup)
        best = min(best, time.perf_counter() - started)
    return best / len(markup) * 1e9


def markup_rows() -> list[tuple[str, ...]]:
    """Time per byte of each hostile shape at 10 KB and 1 MB, beside ordinary markup's."""
    small, large = MARKUP_SIZES
    rows: list[tuple[str, ...]] = [
        ("markup to text", "ns/byte 10 KB", "ns/byte 1 MB", "ratio", "result")
    ]
    shapes = [(f"{shape!r} repeated", shape) for shape in HOSTILE_MARKUP]
    for name, unit in [("ordinary markup (reference)", ORDINARY_MARKUP), *shapes]:
        first, last = (_per_byte(unit * (size // len(unit))) for size in (small, large))
        rows.append(
            (
                name,
                f"{first:.1f}",
                f"{last:.1f}",
                f"{last / first:.2f}",
                verdict(last <= LINEAR_RATIO * first),
            )
        )
    return rows


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def child(path: Path, database: Path) -> None:
    """Import ``path`` into a new database at ``database``; print the figures as JSON."""
    import moderator.rules.kinds  # noqa: F401, PLC0415 - registers the built-in kinds
    from moderator import settings  # noqa: PLC0415
    from moderator.imports.importer import import_paths  # noqa: PLC0415
    from moderator.rules.loader import read_rule_set  # noqa: PLC0415
    from moderator.store.database import open_database  # noqa: PLC0415

    opened = open_database(str(database))
    rules = read_rule_set(settings.DEFAULT_RULE_SET).rule_set
    started = time.perf_counter()
    report = import_paths(opened, [path], rules=rules, actor="bench")
    elapsed = time.perf_counter() - started
    opened.close()
    print(
        json.dumps(
            {
                "added": report.added,
                "failed": len(report.failed),
                "seconds": elapsed,
                "peak_mb": _peak_mb(),
            }
        )
    )


def measure(comments: int, seed: int, folder: Path) -> dict[str, float]:
    source = folder / f"export-{comments}.xml"
    generate(source, comments, seed)
    database = folder / f"import-{comments}.sqlite3"
    done = subprocess.run(  # noqa: S603 - this very script, with paths it chose
        [sys.executable, __file__, "--child", str(source), "--db", str(database)],
        check=True,
        capture_output=True,
        text=True,
    )
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    figures["file_mb"] = source.stat().st_size / 1024 / 1024
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", choices=("import", "reading", "markup"))
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--read", nargs=2, metavar=("KIND", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.db)
        return 0
    if args.read:
        read_child(args.read[0], Path(args.read[1]))
        return 0
    if args.only in {None, "markup"}:
        print_table(markup_rows())
        print()
    if args.only in {None, "reading"}:
        print_table(reading_rows(args.posts, args.seed))
        print()
    if args.only not in {None, "import"}:
        return 0
    rows: list[tuple[str, ...]] = [("measured", "figure", "peak RSS", "target", "result")]
    with tempfile.TemporaryDirectory() as scratch:
        for comments in (args.comments // 4, args.comments):
            figures = measure(comments, args.seed, Path(scratch))
            rate = figures["added"] / figures["seconds"]
            rows.append(
                (
                    f"import a {figures['file_mb']:.0f} MB WXR file, {comments:,} comments",
                    f"{rate:,.0f} comments/s ({figures['added']:,.0f} stored)",
                    f"{figures['peak_mb']:.0f} MB",
                    f"<= {RSS_TARGET_MB} MB",
                    verdict(figures["peak_mb"] <= RSS_TARGET_MB and not figures["failed"]),
                )
            )
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
