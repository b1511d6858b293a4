"""Alembic migrations for the Moderator database; ``HEAD`` names the newest revision."""

# Checked against the scripts by a test, so that opening an up-to-date database needs no Alembic.
HEAD = "0016"
