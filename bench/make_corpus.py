"""Generates a seeded corpus of scraped-format article files from the real texts in ../shared/data.

Article bodies come from the 57 Globe and Mail articles; comments are sampled from the Globe and
Mail reader comments (about 80%), the Davidson tweets and the Stormfront posts; authors are the
Globe and Mail commenters plus generated names. The same seed always gives the same corpus.

Run it (from the repository root)::

    .venv/bin/python bench/make_corpus.py --articles 100 --comments-per-article 1000 --out /tmp/c

Other benches import :func:`generate_corpus` (files) and :func:`iter_articles` (objects only).
The shared data is read at run time and never copied into the repository.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import functools
import html
import itertools
import json
import random
import re
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

from moderator.formats.errors import FormatError
from moderator.formats.scraped import (
    AVATAR_TOKENS,
    ScrapedArticle,
    ScrapedComment,
    format_header_time,
    format_scraped,
    is_comments_line,
    looks_like_header,
    parse_scraped,
)

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"

_GLOBE = Path("corpus/globeandmail")
_ARTICLES_DIR = _GLOBE / "articles"
_NEWS_CSVS = (
    _GLOBE / "comments_csv/comments_csv_sample.csv",
    _GLOBE / "comments_csv/new_comments_preprocessed.csv",
    _GLOBE / "comments_csv/old_comments.csv",
)
_TWEETS_CSV = Path("corpus/davidson/labeled_tune.csv")
_FORUM_CSV = Path("corpus/stormfront/sentences_tune.csv")
REQUIRED = (_ARTICLES_DIR, *_NEWS_CSVS, _TWEETS_CSV, _FORUM_CSV)

# Shares of comment texts by source: a news desk mostly sees news comments.
NEWS_SHARE = 0.8
TWEET_SHARE = 0.1
# How many invented commenters join the real ones, so that the author table is not tiny.
GENERATED_AUTHORS = 2_000
# Deleted comments in the scrape: a placeholder text under a placeholder author.
_TOMBSTONE_TEXT = "This comment has been deleted"
_TOMBSTONE_AUTHOR = "[removed]"
# The scrape glued paragraphs together ("...before.Income taxes"): a sentence end after a
# lowercase letter or digit, directly followed by a capital, is where a paragraph ended.
_GLUED_PARAGRAPH = re.compile(r"(?<=[a-z0-9)][.!?])(?=[A-Z][a-z])")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")
# Long unbroken comments are cut into paragraphs of a few sentences, about this long.
_PARAGRAPH_CHARS = 400
_BLANK_LINE = re.compile(r"\n\s*\n")
# The scrape's titles all end with the paper's name; the desk shows the headline alone.
_TITLE_SUFFIX = " - The Globe and Mail"

_FIRST_NAMES = (
    *("Anne", "Ben", "Carla", "David", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jamal"),
    *("Karen", "Liam", "Maya", "Nadia", "Omar", "Priya", "Quentin", "Rosa", "Sean", "Tara"),
    *("Umar", "Vera", "Walter", "Xin", "Yusuf", "Zoe", "Marc", "Louise", "Pierre", "Aiko"),
)
_LAST_NAMES = (
    *("Tremblay", "Smith", "Roy", "Gagnon", "Lee", "Wilson", "Macdonald", "Chen", "Singh"),
    *("Martin", "Brown", "Nguyen", "Campbell", "Kowalski", "Okafor", "Haddad", "Fraser"),
    *("Leblanc", "Murphy", "Patel", "Young", "Stewart", "Morin", "Kim", "Reid", "Ali"),
)
_HANDLE_WORDS = (
    *("maple", "hoser", "prairie", "northern", "coastal", "rideau", "muskoka", "voter"),
    *("taxpayer", "skeptic", "reader", "observer", "realist", "citizen", "canuck", "loon"),
)


class SharedDataMissingError(RuntimeError):
    """The shared data the benchmarks read is absent; the message says what and where."""


def require_shared_data(data_dir: Path = SHARED_DATA) -> Path:
    """The data folder, or :class:`SharedDataMissingError` naming the files that are not there."""
    missing = [str(data_dir / part) for part in REQUIRED if not (data_dir / part).exists()]
    if missing:
        raise SharedDataMissingError(
            f"the shared benchmark data is absent: {', '.join(missing)} not found. The benchmarks"
            f" read it at run time from {data_dir} (../shared/data next to the repository);"
            " it is never copied into the repository."
        )
    return data_dir


@dataclass(frozen=True, slots=True)
class SourceTexts:
    """Everything the generator samples from, cleaned once: bodies, comment texts and names."""

    articles: tuple[tuple[str, tuple[str, ...]], ...]
    news: tuple[tuple[str, ...], ...]
    tweets: tuple[tuple[str, ...], ...]
    forum: tuple[tuple[str, ...], ...]
    authors: tuple[str, ...]


def is_safe_line(line: str) -> bool:
    """A body line the parser reads back as text, not as a comment header or a comments line."""
    return bool(line) and not looks_like_header(line) and not is_comments_line(line)


def clean_line(text: str) -> str:
    """One line with its whitespace runs (including Unicode ones) collapsed to single spaces."""
    return " ".join(text.split())


def clean_paragraph(text: str) -> str | None:
    """A paragraph as the parser gives it back (stripped non-empty lines), or None if unusable."""
    lines = [clean_line(line) for line in text.split("\n")]
    lines = [line for line in lines if line]
    if not lines or not all(is_safe_line(line) for line in lines):
        return None
    paragraph = "\n".join(lines)
    try:
        paragraph.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from an entity such as &#55357;
        return None
    return paragraph


def comment_paragraphs(text: str, *, glued: bool = False) -> tuple[str, ...] | None:
    """A comment text as paragraphs, or None when some line could be misread by the parser.

    Blank lines separate paragraphs; with ``glued`` the scrape's run-together paragraph ends
    are split too, and a long paragraph is cut after a sentence into pieces of readable size.
    """
    text = html.unescape(text).replace("\r\n", "\n").replace("\r", "\n")
    pieces = _BLANK_LINE.split(text)
    if glued:
        pieces = [part for piece in pieces for part in _GLUED_PARAGRAPH.split(piece)]
        pieces = [part for piece in pieces for part in _cut_long(clean_line(piece))]
    paragraphs = []
    for piece in pieces:
        if not piece.strip():
            continue
        paragraph = clean_paragraph(piece)
        if paragraph is None:
            return None
        paragraphs.append(paragraph)
    return tuple(paragraphs) or None


def _cut_long(paragraph: str) -> list[str]:
    if len(paragraph) <= _PARAGRAPH_CHARS * 3 // 2:
        return [paragraph]
    cuts: list[str] = []
    current: list[str] = []
    size = 0
    for sentence in _SENTENCE_END.split(paragraph):
        current.append(sentence)
        size += len(sentence) + 1
        if size >= _PARAGRAPH_CHARS:
            cuts.append(" ".join(current))
            current, size = [], 0
    if current:
        cuts.append(" ".join(current))
    return cuts


class _ParagraphText(HTMLParser):
    """The text of an HTML fragment with its tags dropped and entities decoded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def strip_tags(fragment: str) -> str:
    parser = _ParagraphText()
    parser.feed(fragment)
    parser.close()
    return "".join(parser.parts)


def clean_author(name: str) -> str | None:
    """A name that survives the header line round trip ("Thumb NAME D Month YYYY, HH:MM")."""
    name = clean_line(name)
    if not name or name == _TOMBSTONE_AUTHOR or name.split()[0] in AVATAR_TOKENS:
        return None
    header = f"{AVATAR_TOKENS[0]} {name} {format_header_time(datetime(2013, 1, 1, tzinfo=UTC))}"
    try:
        probe = parse_scraped(f"T\n\nB\n\nComments 1\n{header}\n\nx\n", source="probe")
    except FormatError:
        return None
    return name if probe.comments and probe.comments[0].author == name else None


def _read_csv(path: Path) -> Iterator[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        yield from csv.DictReader(handle)


def _load_articles(folder: Path) -> tuple[tuple[str, tuple[str, ...]], ...]:
    articles = []
    for path in sorted(folder.glob("*.json")):
        for record in json.loads(path.read_text(encoding="utf-8")).values():
            title = clean_line(strip_tags(record["title"])).removesuffix(_TITLE_SUFFIX)
            fragments = record["article_text"]
            if isinstance(fragments, str):
                fragments = [fragments]
            paragraphs = [clean_paragraph(clean_line(strip_tags(f))) for f in fragments]
            body = tuple(p for p in paragraphs if p is not None)
            if title and is_safe_line(title) and body:
                articles.append((title, body))
    return tuple(articles)


def _distinct(values: Iterable[tuple[str, ...] | None]) -> tuple[tuple[str, ...], ...]:
    return tuple(dict.fromkeys(v for v in values if v is not None))


@functools.cache
def load_sources(data_dir: Path = SHARED_DATA) -> SourceTexts:
    """Read and clean the shared texts once per process (a second call costs nothing)."""
    data_dir = require_shared_data(data_dir)
    news_rows = [row for path in _NEWS_CSVS for row in _read_csv(data_dir / path)]
    news = _distinct(
        comment_paragraphs(row["text"], glued=True)
        for row in news_rows
        if row["text"].strip() != _TOMBSTONE_TEXT
    )
    tweets = _distinct(
        comment_paragraphs(row["tweet"]) for row in _read_csv(data_dir / _TWEETS_CSV)
    )
    # Stormfront rows are single sentences; a post's sentences together make one comment.
    posts: dict[str, list[tuple[int, str]]] = {}
    for row in _read_csv(data_dir / _FORUM_CSV):
        posts.setdefault(row["post_id"], []).append((int(row["sentence_no"]), row["text"]))
    forum = _distinct(
        comment_paragraphs(" ".join(text for _, text in sorted(sentences)), glued=True)
        for sentences in posts.values()
    )
    authors = dict.fromkeys(
        name for row in news_rows if (name := clean_author(row.get("author") or "")) is not None
    )
    return SourceTexts(
        articles=_load_articles(data_dir / _ARTICLES_DIR),
        news=news,
        tweets=tweets,
        forum=forum,
        authors=tuple(authors),
    )


def _generated_authors(rng: random.Random, count: int, taken: set[str]) -> list[str]:
    names: list[str] = []
    while len(names) < count:
        style = rng.random()
        if style < 0.5:
            name = f"{rng.choice(_FIRST_NAMES)} {rng.choice(_LAST_NAMES)}"
        elif style < 0.8:
            name = f"{rng.choice(_HANDLE_WORDS)}_{rng.choice(_HANDLE_WORDS)}{rng.randrange(1000)}"
        else:
            first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
            name = f"{first[0].lower()}{last.lower()}{rng.randrange(100)}"
        cleaned = clean_author(name)
        if cleaned is not None and cleaned not in taken:
            taken.add(cleaned)
            names.append(cleaned)
    return names


def _author_pool(rng: random.Random, real: Sequence[str]) -> tuple[list[str], list[float]]:
    """Names with cumulative weights: a few prolific commenters and a long tail, as on a site."""
    pool = [*real, *_generated_authors(rng, GENERATED_AUTHORS, set(real))]
    rng.shuffle(pool)
    weights = itertools.accumulate(1.0 / (rank + 1) ** 0.8 for rank in range(len(pool)))
    return pool, list(weights)


def iter_articles(
    *,
    articles: int,
    comments_per_article: int,
    seed: int = 1,
    data_dir: Path = SHARED_DATA,
) -> Iterator[ScrapedArticle]:
    """The corpus as objects, one article at a time, exactly as :func:`generate_corpus` writes it.

    Beyond the 57 real articles the bodies repeat, with " (part N)" in the title so that each
    article is still a different one to the importer.
    """
    sources = load_sources(data_dir)
    rng = random.Random(seed)
    order = list(range(len(sources.articles)))
    rng.shuffle(order)
    authors, cumulative = _author_pool(rng, sources.authors)
    total_weight = cumulative[-1]
    kinds = (sources.news, sources.tweets, sources.forum)
    news_cut, tweet_cut = NEWS_SHARE, NEWS_SHARE + TWEET_SHARE
    moment = datetime(2012, 1, 1, tzinfo=UTC) + timedelta(days=rng.randrange(3 * 365))
    for index in range(articles):
        title, body = sources.articles[order[index % len(order)]]
        part = index // len(order) + 1
        if part > 1:
            title = f"{title} (part {part})"
        # Articles go up a few hours apart; their comments follow minutes apart.
        moment += timedelta(hours=rng.randint(2, 12), minutes=rng.randrange(60))
        posted = moment
        comments = []
        for _ in range(comments_per_article):
            draw = rng.random()
            texts = kinds[0 if draw < news_cut else 1 if draw < tweet_cut else 2]
            posted += timedelta(minutes=rng.randint(1, 15))
            author = authors[bisect.bisect(cumulative, rng.random() * total_weight)]
            comments.append(ScrapedComment(author, posted, texts[rng.randrange(len(texts))]))
        yield ScrapedArticle(
            title=title,
            paragraphs=body,
            comments=tuple(comments),
            declared_comments=len(comments),
        )


def generate_corpus(
    out_dir: Path,
    *,
    articles: int,
    comments_per_article: int,
    seed: int = 1,
    data_dir: Path = SHARED_DATA,
) -> list[Path]:
    """Write the corpus as ``article-NNNNN.txt`` files in ``out_dir``; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    generated = iter_articles(
        articles=articles, comments_per_article=comments_per_article, seed=seed, data_dir=data_dir
    )
    for index, article in enumerate(generated, start=1):
        path = out_dir / f"article-{index:05d}.txt"
        path.write_bytes(format_scraped(article).encode("utf-8"))
        paths.append(path)
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100, help="articles to write")
    parser.add_argument("--comments-per-article", type=int, default=1_000, help="comments each")
    parser.add_argument("--seed", type=int, default=1, help="the same seed gives the same corpus")
    parser.add_argument("--out", type=Path, required=True, help="folder for the article files")
    parser.add_argument("--data", type=Path, default=SHARED_DATA, help="the shared data folder")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        paths = generate_corpus(
            args.out,
            articles=args.articles,
            comments_per_article=args.comments_per_article,
            seed=args.seed,
            data_dir=args.data,
        )
    except SharedDataMissingError as error:
        print(f"make_corpus: {error}", file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - started
    print(
        f"wrote {len(paths)} articles x {args.comments_per_article} comments"
        f" ({len(paths) * args.comments_per_article:,} comments) to {args.out} in {elapsed:.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
