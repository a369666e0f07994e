"""The shared progress-and-cancel contract (core/progress.py)."""

from __future__ import annotations

from roadinspect.core.progress import TaskState


def test_a_state_without_callbacks_reports_nothing_and_is_never_cancelled() -> None:
    state = TaskState()
    state.report(1, 2, "a.jpg")
    assert state.cancelled() is False


def test_report_passes_the_message_only_when_there_is_one() -> None:
    calls: list[tuple[object, ...]] = []

    def two_or_three(done: int, total: int, *message: str) -> None:
        calls.append((done, total, *message))

    state = TaskState(progress=two_or_three)
    state.report(1, 3)
    state.report(2, 3, "b.jpg")
    state.report(3, 3, "")
    assert calls == [(1, 3), (2, 3, "b.jpg"), (3, 3, "")]


def test_cancelled_follows_the_callers_flag() -> None:
    flag = [False]
    state = TaskState(is_cancelled=lambda: flag[0])
    assert not state.cancelled()
    flag[0] = True
    assert state.cancelled()
