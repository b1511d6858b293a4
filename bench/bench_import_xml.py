"""Measures importing a WordPress export (WXR): comments/s and peak memory as the file grows.

A WXR 1.2 file is generated (seeded): posts of 100 comments each, a third of them replies,
bodies a few dozen words of HTML (3% with an insult for the rules to flag); 10% unapproved,
2% spam, 1% pingbacks. It is imported with
``moderator.importer.import_paths`` (the default rule set checking every new comment, as
``moderator import`` does) into a fresh database, in a fresh process whose peak resident
memory (VmHWM) is read at the end. Two sizes show that memory does not grow with the file.

Target: peak RSS under 300 MB whatever the file's size.

Run it (from the repository root)::

    .venv/bin/python bench/bench_import_xml.py
    .venv/bin/python bench/bench_import_xml.py --comments 20000  # quicker
"""

from __future__ import annotations

import argparse
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


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def child(path: Path, database: Path) -> None:
    """Import ``path`` into a new database at ``database``; print the figures as JSON."""
    import moderator.rules.kinds  # noqa: F401, PLC0415 - registers the built-in kinds
    from moderator import settings  # noqa: PLC0415
    from moderator.importer import import_paths  # noqa: PLC0415
    from moderator.rules.loader import read_rule_set  # noqa: PLC0415
    from moderator.storage import open_database  # noqa: PLC0415

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
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.db)
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
