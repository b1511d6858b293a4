"""Tests of the moderation log's read side (moderator/log/)."""
