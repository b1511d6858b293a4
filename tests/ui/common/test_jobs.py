"""Jobs: work in a thread, results and errors back in the GUI thread, stopping between steps."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from PySide6.QtCore import QObject, QThread
from pytestqt.qtbot import QtBot

from tests.ui.conftest import WORK_TIMEOUT_MS
from ui.common.jobs import Job, Progress, StopRequested, stop_and_wait


def test_the_result_and_progress_arrive_in_the_gui_thread(qtbot: QtBot) -> None:
    ran_in: list[threading.Thread] = []

    def work(progress: Progress, stop: StopRequested) -> str:
        ran_in.append(threading.current_thread())
        for step in range(1, 4):
            progress(step, 3, f"step {step}")
        return "done"

    job = Job(work)
    seen: list[tuple[int, int, str]] = []
    heard_in: list[QThread] = []
    job.progressed.connect(lambda *args: seen.append(args))
    job.succeeded.connect(lambda _result: heard_in.append(QThread.currentThread()))
    with qtbot.waitSignal(job.finished), qtbot.waitSignal(job.succeeded) as result:
        job.start()
    assert result.args == ["done"]
    assert seen == [(1, 3, "step 1"), (2, 3, "step 2"), (3, 3, "step 3")]
    assert ran_in != [threading.main_thread()]
    assert heard_in == [QThread.currentThread()]
    assert not job.running


def test_an_exception_is_delivered_not_raised_in_the_thread(qtbot: QtBot) -> None:
    def work(progress: Progress, stop: StopRequested) -> None:
        raise OSError("disk full")

    job = Job(work)
    with qtbot.waitSignal(job.failed) as failed:
        job.start()
    (error,) = failed.args
    assert isinstance(error, OSError)
    assert str(error) == "disk full"
    job.wait()


@pytest.mark.parametrize("stop_first", [True, False])
def test_stop_is_seen_by_the_work_between_its_steps(qtbot: QtBot, stop_first: bool) -> None:
    def work(progress: Progress, stop: StopRequested) -> int:
        steps = 0
        for _ in range(5):
            steps += 1
            if stop():
                break
        return steps

    job = Job(work)
    if stop_first:
        job.stop()
    assert job.stop_requested is stop_first
    with qtbot.waitSignal(job.succeeded) as result:
        job.start()
    assert result.args == [1 if stop_first else 5]
    job.wait()


def test_closing_stops_every_job_an_owner_holds_and_waits_for_it() -> None:
    owner = QObject()
    started = [threading.Event() for _ in range(2)]
    ended = [threading.Event() for _ in range(2)]

    def work_for(n: int) -> Callable[[Progress, StopRequested], None]:
        def work(_progress: Progress, stop: StopRequested) -> None:
            started[n].set()
            try:
                while not stop():
                    threading.Event().wait(0.001)
            finally:
                ended[n].set()

        return work

    jobs = [Job(work_for(n), owner) for n in range(2)]
    for job, event in zip(jobs, started, strict=True):
        job.start()
        assert event.wait(WORK_TIMEOUT_MS / 1000)
    stop_and_wait(owner)
    assert all(event.is_set() for event in ended)
