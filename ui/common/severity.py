"""How severity looks: one colour per level, for marks in text and dots in lists."""

from __future__ import annotations

from PySide6.QtGui import QColor

from moderator.domain import Severity

RANK = {Severity.LOW: 0, Severity.MEDIUM: 1, Severity.HIGH: 2}

# Solid, for dots and swatches: amber, orange, red, readable on light and dark palettes.
DOT_COLOURS = {
    Severity.LOW: QColor(202, 138, 4),
    Severity.MEDIUM: QColor(234, 88, 12),
    Severity.HIGH: QColor(220, 38, 38),
}
# Translucent, behind marked words, so that they sit on the light and the dark palette alike.
MARK_COLOURS = {
    Severity.LOW: QColor(234, 179, 8, 90),
    Severity.MEDIUM: QColor(249, 115, 22, 110),
    Severity.HIGH: QColor(239, 68, 68, 120),
}
