"""The state machine over simulated weeks: dead needs N failing checks spanning D days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storage.linkstate import Snapshot, StatePolicy, advance

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
POLICY = StatePolicy(dead_after_checks=3, dead_after_days=3, recheck_alive_days=30)


def run(verdicts: list[tuple[float, str]], policy: StatePolicy = POLICY) -> list[Snapshot]:
    """Apply ``(days after T0, verdict)`` checks in order; every state along the way."""
    states: list[Snapshot] = []
    current = None
    for days, verdict in verdicts:
        current = advance(current, verdict, now=T0 + timedelta(days=days), policy=policy)
        states.append(current)
    return states


def test_three_failures_over_two_days_is_dying_not_dead() -> None:
    states = run([(0, "gone"), (1, "gone"), (2, "gone")])
    assert [s.state for s in states] == ["dying", "dying", "dying"]
    assert states[-1].consecutive_failures == 3
    assert states[-1].first_failure_at == T0
    assert states[-1].since == T0


def test_failures_spanning_three_days_are_dead() -> None:
    states = run([(0, "gone"), (1, "no-such-host"), (2, "gone"), (3, "gone")])
    assert [s.state for s in states] == ["dying", "dying", "dying", "dead"]
    assert states[-1].since == T0 + timedelta(days=3)
    assert states[-1].verdict == "gone"


def test_two_failures_over_a_week_are_not_enough_checks() -> None:
    assert run([(0, "soft-404"), (7, "soft-404")])[-1].state == "dying"


def test_a_good_check_resets_the_count() -> None:
    states = run([(0, "gone"), (1, "gone"), (2, "ok"), (3, "gone"), (4, "gone"), (5, "gone")])
    assert states[2].state == "alive" and states[2].consecutive_failures == 0
    assert states[2].first_failure_at is None
    assert states[-1].state == "dying"  # the streak restarted on day 3
    assert (
        run([(0, "gone"), (1, "gone"), (2, "ok"), (3, "gone"), (4, "gone"), (6, "gone")])[-1].state
        == "dead"
    )


def test_inconclusive_neither_resets_nor_counts() -> None:
    states = run([(0, "gone"), (1, "inconclusive"), (2, "gone"), (3, "inconclusive")])
    assert [s.state for s in states] == ["dying", "dying", "dying", "dying"]
    assert states[-1].consecutive_failures == 2
    assert run([(0, "gone"), (1, "gone"), (2, "inconclusive"), (3, "gone")])[-1].state == "dead"
    assert run([(0, "inconclusive")])[-1].state == "unknown"


def test_blocked_is_not_dead_and_does_not_reset_a_failing_streak() -> None:
    assert run([(0, "blocked"), (10, "blocked"), (20, "blocked")])[-1].state == "blocked"
    states = run([(0, "gone"), (1, "blocked"), (2, "gone"), (4, "gone")])
    assert [s.state for s in states] == ["dying", "dying", "dying", "dead"]


def test_a_dead_link_that_comes_back_is_alive_and_keeps_its_good_capture() -> None:
    states = run([(0, "gone"), (2, "gone"), (4, "gone")])
    assert states[-1].state == "dead"
    back = advance(states[-1], "redirected", now=T0 + timedelta(days=40), capture_id=7)
    assert back.state == "redirected" and back.last_ok_capture_id == 7
    assert back.consecutive_failures == 0 and back.since == T0 + timedelta(days=40)


def test_drifted_is_a_live_link_with_its_own_state() -> None:
    states = run([(0, "ok"), (30, "drifted"), (60, "drifted")])
    assert [s.state for s in states] == ["alive", "drifted", "drifted"]
    assert states[-1].since == T0 + timedelta(days=30)


def test_recheck_intervals_alive_seldom_failing_often() -> None:
    policy = StatePolicy(recheck_alive_days=30, recheck_failing_days=1)
    alive = advance(None, "ok", now=T0, policy=policy)
    failing = advance(None, "server-error", now=T0, policy=policy)
    assert alive.next_check_at == T0 + timedelta(days=30)
    assert failing.next_check_at == T0 + timedelta(days=1)


def test_simulated_weeks_of_daily_checks_of_a_flaky_server() -> None:
    """A server down one day in three never becomes dead; one down for good does by day 3."""
    flaky = [(day, "server-error" if day % 3 == 0 else "ok") for day in range(28)]
    assert all(s.state != "dead" for s in run(flaky))
    gone = [(day, "ok") for day in range(7)] + [(day, "gone") for day in range(7, 21)]
    states = run(gone)
    first_dead = next(i for i, s in enumerate(states) if s.state == "dead")
    assert first_dead == 10  # days 7, 8, 9, 10: three days after the first failure


def test_unknown_verdicts_are_refused() -> None:
    with pytest.raises(ValueError):
        advance(None, "fine", now=T0)
