"""SIGTERM and SIGINT close the app's windows, so that it shuts down as when closed by hand."""

from __future__ import annotations

import signal
import socket
from collections.abc import Callable, Iterable
from types import FrameType

from PySide6.QtCore import QObject, QSocketNotifier, QTimer
from PySide6.QtWidgets import QApplication

# What a desk is stopped with: a service manager or `kill` (SIGTERM), Ctrl+C in its terminal.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)

Handler = Callable[[int, FrameType | None], object] | int | signal.Handlers | None


class CloseOnSignals(QObject):
    """While installed, a stop signal closes every window (the main window's ``closeEvent``
    stops its jobs and releases its claim) and the event loop ends as after a close by hand;
    a second one, while that shutdown runs, ends the process at once. No signals of its own.

    Python runs its signal handlers only when the interpreter has control, and Qt's event
    loop keeps it in C++ for as long as nothing happens: the signal's number is written to a
    socket (``signal.set_wakeup_fd``) that a ``QSocketNotifier`` watches, which wakes the loop
    and hands the interpreter control; the handler then posts the close.
    """

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        signals: Iterable[signal.Signals] = STOP_SIGNALS,
        close: Callable[[], None] = QApplication.closeAllWindows,
    ) -> None:
        super().__init__(parent)
        self._close = close
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._drain)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno(), warn_on_full_buffer=False)
        self._previous: dict[signal.Signals, Handler] = {
            number: signal.signal(number, self._on_signal) for number in signals
        }

    def uninstall(self) -> None:
        """Give the signals back to whoever handled them before."""
        if not self._previous:
            return
        for number, handler in self._previous.items():
            signal.signal(number, handler)
        self._previous = {}
        signal.set_wakeup_fd(self._previous_fd)
        self._notifier.setEnabled(False)
        self._reader.close()
        self._writer.close()

    def _on_signal(self, _number: int, _frame: FrameType | None) -> None:
        # This runs between two Python statements of whatever code had control, maybe in the
        # middle of a slot: the close is posted to the event loop rather than done here.
        for number in self._previous:
            signal.signal(number, signal.SIG_DFL)
        QTimer.singleShot(0, self._close)

    def _drain(self) -> None:
        # Only here to give the interpreter control (its handler has run by now); what was
        # written is read so that the notifier does not fire again.
        try:
            while self._reader.recv(64):
                pass
        except OSError:
            return
