"""The benchmark corpus generator: files the importer reads back exactly, the same for a seed."""

from __future__ import annotations

from pathlib import Path

import pytest

from moderator.formats.scraped import (
    AVATAR_TOKENS,
    MAX_AUTHOR_LENGTH,
    format_scraped,
    parse_scraped,
)
from moderator.imports.importer import import_paths
from moderator.store.database import Database
from tests.bench.loading import load_bench

make_corpus = load_bench("make_corpus")


@pytest.fixture
def data_dir() -> Path:
    try:
        return Path(make_corpus.require_shared_data())
    except make_corpus.SharedDataMissingError as error:
        pytest.skip(str(error))


def test_missing_data_is_named(tmp_path: Path) -> None:
    with pytest.raises(make_corpus.SharedDataMissingError, match="never copied"):
        make_corpus.require_shared_data(tmp_path)


@pytest.mark.shared
def test_articles_read_back_unchanged(data_dir: Path) -> None:
    articles = list(
        make_corpus.iter_articles(articles=60, comments_per_article=40, seed=5, data_dir=data_dir)
    )
    for article in articles:
        parsed = parse_scraped(format_scraped(article), source="generated")
        assert parsed == article
        assert parsed.warnings == ()


@pytest.mark.shared
def test_reused_bodies_get_distinct_titles(data_dir: Path) -> None:
    articles = list(
        make_corpus.iter_articles(articles=130, comments_per_article=1, seed=1, data_dir=data_dir)
    )
    assert len({article.title for article in articles}) == 130
    assert any(article.title.endswith(" (part 3)") for article in articles)


@pytest.mark.shared
def test_times_increase_and_authors_fit_the_header(data_dir: Path) -> None:
    (article,) = make_corpus.iter_articles(
        articles=1, comments_per_article=500, seed=2, data_dir=data_dir
    )
    times = [comment.posted_at for comment in article.comments]
    assert times == sorted(set(times))
    for comment in article.comments:
        assert comment.author.split()[0] not in AVATAR_TOKENS
        assert len(comment.author) <= MAX_AUTHOR_LENGTH
        assert comment.paragraphs
        assert all(line for paragraph in comment.paragraphs for line in paragraph.split("\n"))


@pytest.mark.shared
@pytest.mark.parametrize("seed", [1, 7])
def test_a_seed_gives_the_same_corpus(data_dir: Path, seed: int) -> None:
    def corpus(seed: int) -> list[str]:
        generated = make_corpus.iter_articles(
            articles=3, comments_per_article=50, seed=seed, data_dir=data_dir
        )
        return [format_scraped(article) for article in generated]

    assert corpus(seed) == corpus(seed)
    assert corpus(seed) != corpus(seed + 1)


@pytest.mark.shared
def test_generated_files_import_completely(
    data_dir: Path, tmp_path: Path, database: Database
) -> None:
    paths = make_corpus.generate_corpus(
        tmp_path / "corpus", articles=3, comments_per_article=25, seed=3, data_dir=data_dir
    )
    report = import_paths(database, paths)
    assert report.failed == []
    assert report.added == 75
    assert all(change.warnings == () for change in report.imported)
