"""The odd inputs to the command line (bench/odd_inputs.py), run as the proving script runs
them: each ends in its own plain message with nothing created or changed, never a traceback
or a hang."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bench.loading import load_bench

odd_inputs = load_bench("odd_inputs")


@pytest.mark.parametrize("check", odd_inputs.CHECKS, ids=lambda check: check.__name__)
def test_an_odd_input_is_refused_or_handled_cleanly(check: object, tmp_path: Path) -> None:
    (tmp_path / "after.txt").write_text(odd_inputs.ARTICLE.format(n=0), encoding="utf-8")
    result = check(tmp_path)  # type: ignore[operator]
    for found in result if isinstance(result, list) else [result]:
        assert found.ok, f"{found.what}: {found.seen}"
