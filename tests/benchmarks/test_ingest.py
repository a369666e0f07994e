"""``roadinspect bench ingest`` runs end to end on a tiny batch (figures come from the real command, not tests)."""

from __future__ import annotations

import json

import pytest

from roadinspect.benchmarks import BENCHMARKS, parse_size
from roadinspect.cli import main


def test_bench_ingest_reports_its_figures_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "ingest", "--count", "6", "--size", "96x72", "--repeats", "1", "--json"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    result = json.loads(lines[-1])
    assert result["benchmark"] == "ingest" and result["photos"] == 6 and result["read"] == 6
    assert result["with_position"] == 6 and result["unreadable"] == 0
    assert result["scan_photos_per_s"] > 0 and result["ingest_photos_per_s"] > 0
    assert any("photos/s" in line for line in lines[:-1])


def test_registry_and_sizes() -> None:
    assert {"ingest", "memory", "model"} <= set(BENCHMARKS)
    assert parse_size("4000x3000") == (4000, 3000)
    with pytest.raises(Exception, match="WIDTHxHEIGHT"):
        parse_size("big")
