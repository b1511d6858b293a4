"""The accountable record under attack, the short run: a few of the attacks of
``bench/attack_test.py`` against the real command line, and a proof the check can fail."""

from __future__ import annotations

from pathlib import Path

from tests.bench.loading import load_bench

attack_test = load_bench("attack_test")


def test_identities_roles_and_exports_hold(tmp_path: Path) -> None:
    outcomes = []
    for number, attack in enumerate(
        (attack_test.as_system, attack_test.two_step_overturn, attack_test.exports)
    ):
        place = tmp_path / f"desk{number}"
        place.mkdir()
        found = attack(attack_test.Desk(place))
        outcomes += found if isinstance(found, list) else [found]
    assert [outcome.attack for outcome in outcomes if not outcome.caught] == []
    assert len(outcomes) == 8


def test_an_attack_that_goes_through_is_a_failure(tmp_path: Path) -> None:
    desk = attack_test.Desk(tmp_path)
    ann = str(desk.ids()["ann"])
    # The editor may approve: the checker must call that "not caught".
    outcome = attack_test.refused(
        desk, "an editor's own approve", ["approve", ann, "--as", "ed"], expect="editor"
    )
    assert not outcome.caught
