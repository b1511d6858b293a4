"""Where the database is, in words: a file or the team's server, never a password; and a
server's address taken apart and put together again."""

from __future__ import annotations

import pytest

from moderator.store.location import ServerAddress, describe, file_path, masked, server_address


@pytest.mark.parametrize(
    ("location", "words"),
    [
        ("/home/ann/moderation.db", "A file on this computer: /home/ann/moderation.db"),
        ("sqlite:////home/ann/moderation.db", "A file on this computer: /home/ann/moderation.db"),
        ("sqlite://", "A database in memory, gone when Moderator closes"),
        (
            "postgresql+psycopg://ann:s3cret@db.example.org/moderation",
            "The team's server: db.example.org, database moderation, as user ann",
        ),
        (
            "postgresql+psycopg://ann:***@db.example.org:5433/moderation?sslmode=require",
            "The team's server: db.example.org port 5433, database moderation, as user ann",
        ),
        (
            "postgresql://db.example.org/moderation",
            "The team's server: db.example.org, database moderation",
        ),
        # Not a URL SQLAlchemy reads: not repeated, as it may hold a password.
        ("postgresql+psycopg://ann:s3cret@db:notaport/x", "An address Moderator cannot read"),
    ],
)
def test_a_database_is_said_in_words(location: str, words: str) -> None:
    said = describe(location)
    assert said.startswith(words)
    assert "s3cret" not in said
    assert "://" not in said


def test_a_server_address_comes_apart_and_together_again() -> None:
    url = "postgresql+psycopg://ann:s3cret@db.example.org:5433/moderation?sslmode=require"
    address = server_address(url)
    assert address == ServerAddress(
        host="db.example.org",
        database="moderation",
        user="ann",
        port=5433,
        password="s3cret",  # noqa: S106 - a made-up one, to see it is never shown
        options=(("sslmode", "require"),),
    )
    assert address.url() == url
    assert "s3cret" not in address.words()
    assert address.place() == "the server db.example.org:5433 (database moderation, user ann)"
    # Built from fields alone: the team's PostgreSQL, no password, no user.
    built = ServerAddress(host="db.example.org", database="moderation")
    assert built.url() == "postgresql+psycopg://db.example.org/moderation"
    assert built.place() == "the server db.example.org (database moderation)"


@pytest.mark.parametrize(
    ("location", "path"),
    [
        ("/srv/m.sqlite3", "/srv/m.sqlite3"),
        ("sqlite:////srv/m.sqlite3", "/srv/m.sqlite3"),
        ("sqlite://", None),
        ("postgresql+psycopg://db/moderation", None),
    ],
)
def test_the_file_a_location_names(location: str, path: str | None) -> None:
    assert file_path(location) == path
    assert (server_address(location) is None) == (not location.startswith("postgresql"))


@pytest.mark.parametrize(
    ("location", "shown"),
    [
        ("postgresql://ann:s3cret@db/x", "postgresql://ann:***@db/x"),
        ("postgresql://ann:s3:cr@et@db:54x2/x", "postgresql://ann:***@db:54x2/x"),
        ("postgresql://ann@db/x", "postgresql://ann@db/x"),
        ("/home/ann/m.sqlite3", "/home/ann/m.sqlite3"),
    ],
)
def test_a_password_in_an_unreadable_address_is_masked(location: str, shown: str) -> None:
    assert masked(location) == shown
