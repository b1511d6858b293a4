"""Tests of the insights read side (moderator/insights/)."""
