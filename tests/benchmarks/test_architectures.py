"""``roadinspect bench architectures`` times every candidate network (tiny input here; the figures come
from the command, not from this test)."""

import pytest

from roadinspect.benchmarks import BENCHMARKS, BenchOptions, architectures


@pytest.mark.slow  # deselect locally with -m 'not slow'; CI runs it
def test_every_candidate_runs_and_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(architectures, "WIDTH", 64)
    monkeypatch.setattr(architectures, "HEIGHT", 48)
    result = BENCHMARKS["architectures"].run(BenchOptions(repeats=1))
    names = [row["network"] for row in result["networks"]]
    assert len(names) == 5 and any("shipped" in n for n in names) and any("LRASPP" in n for n in names)
    shipped = next(r for r in result["networks"] if "shipped" in r["network"])
    assert 3.0 < shipped["parameters_m"] < 4.0  # EfficientNet-Lite0 + the U-Net decoder: 3.3 M
    assert all(r["median_ms"] > 0 for r in result["networks"])
    text = BENCHMARKS["architectures"].format(result)
    assert "64x48" in text and "LRASPP" in text
