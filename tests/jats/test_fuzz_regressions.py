"""Every input the fuzzer (``python -m bench.fuzz``) ever crashed on, replayed (issue 14):
the JATS reader refuses them only with its own errors, the validator's message builder
describes any text."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fuzz_targets import TARGETS

FUZZ_DATA = Path(__file__).resolve().parents[1] / "data" / "fuzz"
CRASHES = sorted(FUZZ_DATA.glob("*-crash-*"))


def test_the_fuzzer_has_kept_its_findings() -> None:
    assert CRASHES, "tests/data/fuzz holds the inputs the fuzzer crashed on"


@pytest.mark.parametrize("path", CRASHES, ids=[p.name for p in CRASHES])
def test_a_past_crash_is_handled(path: Path) -> None:
    target = TARGETS[path.name.split("-crash-")[0]]
    target(path.read_bytes())
