"""Draws the queue's Flags cells as short coloured chips (the words are in the tooltip)."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from ui.comments.queue_model import Chip, ChipsRole

_GAP = 4
_PAD = 5


class ChipDelegate(QStyledItemDelegate):
    """Paints the model's ``ChipsRole`` chips side by side; those that do not fit are left
    out whole rather than cut (the tooltip lists everything)."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        # The row's background (selection, alternate colour) as any other cell, without text.
        cell = QStyleOptionViewItem(option)
        self.initStyleOption(cell, index)
        cell.text = ""
        style = cell.widget.style() if cell.widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, cell, painter, cell.widget)

        found = index.data(ChipsRole)
        if not found:
            return
        metrics = option.fontMetrics
        height = min(option.rect.height() - 4, metrics.height() + 2)
        top = option.rect.top() + (option.rect.height() - height) / 2
        left = float(option.rect.left() + _GAP)
        right = option.rect.right() - _GAP
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for chip in found:
            assert isinstance(chip, Chip)
            width = metrics.horizontalAdvance(chip.text) + 2 * _PAD
            if left + width > right:
                break
            box = QRectF(left, top, width, height)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(chip.colour)
            painter.drawRoundedRect(box, height / 2, height / 2)
            painter.setPen(_ink_on(chip.colour))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, chip.text)
            left += width + _GAP
        painter.restore()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        found = index.data(ChipsRole) or ()
        metrics = option.fontMetrics
        width = sum(metrics.horizontalAdvance(chip.text) + 2 * _PAD + _GAP for chip in found)
        return QSize(width + _GAP, metrics.height() + 6)


def _ink_on(fill: QColor) -> QColor:
    """Black or white, whichever reads better on ``fill`` (by its relative lightness)."""
    lightness = 0.299 * fill.redF() + 0.587 * fill.greenF() + 0.114 * fill.blueF()
    return QColor(Qt.GlobalColor.black) if lightness > 0.5 else QColor(Qt.GlobalColor.white)
