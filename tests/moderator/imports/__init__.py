"""Tests of imports (moderator/imports/)."""
