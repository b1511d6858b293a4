"""Measures a scraped file's import: peak memory against the file's size.

Scraped files of a tenth of ``--comments`` and of all of them (varied comments from the
shared corpus, as ``bench_import_lock`` writes them) are each imported by
``moderator.imports.importer.import_paths`` with the default rule set, as ``moderator import`` does,
into a fresh database, in a fresh process whose peak resident memory (VmHWM) is read at the
end. The same is done with ``--no-rules`` too, which leaves the rules' own memory out: a run
of the rules keeps some of what it learnt (the copy-paste check the 100,000 distinct texts
seen most recently, the burst check each author's posting times), so with rules the peak may
grow a little with the file; without them it must not.

Reference, measured in the same run: the smaller file's peak. Flat means the larger file's
peak is within 1.5x of it (without rules) and no more than 1.5x plus 100 MB (with rules),
where reading a file whole took ten times the file's size: 2.6 GB at 1,000,000 comments.

Run it (from the repository root)::

    .venv/bin/python bench/bench_import_memory.py
    .venv/bin/python bench/bench_import_memory.py --comments 200000  # quicker
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench_import import peak_rss_kib
from bench_import_lock import write_scraped
from make_corpus import SHARED_DATA, SharedDataMissingError
from report import print_table, verdict
from results import RESULTS, Result, record

FLAT_RATIO = 1.5
# What the rules may add at ten times the comments (see the module docstring).
RULES_ALLOWANCE_MB = 100


def child(path: Path, database: Path, *, rules: bool) -> None:
    """Import ``path`` into a new database at ``database``; print the figures as JSON."""
    from moderator.imports.importer import import_paths  # noqa: PLC0415
    from moderator.services.rulesets import default_rule_set  # noqa: PLC0415
    from moderator.store.database import open_database  # noqa: PLC0415

    opened = open_database(str(database))
    started = time.perf_counter()
    report = import_paths(
        opened, [path], rules=default_rule_set() if rules else None, actor="bench"
    )
    elapsed = time.perf_counter() - started
    opened.close()
    figures = {
        "added": report.added,
        "failed": len(report.failed),
        "seconds": elapsed,
        "peak_mb": peak_rss_kib() / 1024,
    }
    print(json.dumps(figures))


def measure(path: Path, folder: Path, *, rules: bool) -> dict[str, float]:
    database = folder / f"import-{path.stem}-{rules}.sqlite3"
    command = [sys.executable, __file__, "--child", str(path), "--db", str(database)]
    done = subprocess.run(  # noqa: S603 - this very script, with paths it chose
        [*command, *([] if rules else ["--no-rules"])],
        check=True,
        capture_output=True,
        text=True,
    )
    database.unlink()
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def main(argv: Sequence[str] | None = None, *, results_path: Path = RESULTS) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=1_000_000, help="the larger file's")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", type=Path, default=SHARED_DATA, help="the shared data folder")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--no-rules", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.db, rules=not args.no_rules)
        return 0
    rows: list[tuple[str, ...]] = [("import", "peak RSS", "reference", "ratio", "result")]
    failures = 0
    said: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-import-memory-") as scratch:
        folder = Path(scratch)
        for rules in (False, True):
            smaller: float | None = None
            for count in (args.comments // 10, args.comments):
                path = folder / f"scraped-{count}.txt"
                if not path.exists():
                    try:
                        write_scraped(
                            path,
                            title="A long thread",
                            comments=count,
                            seed=args.seed,
                            data_dir=args.data,
                        )
                    except SharedDataMissingError as error:
                        print(f"bench_import_memory: {error}", file=sys.stderr)
                        return 2
                size_mb = path.stat().st_size / 1024**2
                figures = measure(path, folder, rules=rules)
                peak = figures["peak_mb"]
                what = (
                    f"{count:,} comments ({size_mb:.0f} MB), {'with' if rules else 'no'} rules,"
                    f" {figures['seconds']:.0f} s"
                )
                if smaller is None:
                    smaller = peak
                    rows.append((what, f"{peak:.0f} MB", "", "", ""))
                    continue
                limit = FLAT_RATIO * smaller + (RULES_ALLOWANCE_MB if rules else 0)
                passed = peak <= limit and not figures["failed"] and figures["added"] == count
                failures += not passed
                rows.append(
                    (
                        what,
                        f"{peak:.0f} MB",
                        f"{smaller:.0f} MB at a tenth",
                        f"{peak / smaller:.2f}",
                        verdict(passed),
                    )
                )
                said.append(
                    f"{'with' if rules else 'without'} rules {smaller:.0f} MB at"
                    f" {count // 10:,} and {peak:.0f} MB at {count:,} comments"
                )
    print_table(rows)
    record(
        Result(
            "scraped import: peak memory against the file's size",
            "; ".join(said) + " (the file read whole before: 2,569 MB at 1,000,000)",
            "\N{EN DASH}",
            failures,
            f".venv/bin/python bench/bench_import_memory.py --comments {args.comments}",
        ),
        path=results_path,
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
