"""Tests of the store (moderator/store/)."""
