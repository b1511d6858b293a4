"""Moderator's desktop window (PySide6): widgets, item models, undo commands, the keymap."""
