"""``roadinspect bench analyze`` / ``bench all`` plumbing on a tiny batch: the JSON shape and the document.

The figures themselves come from the commands on 12 MP photos (docs/performance.md), never from tests.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from roadinspect.benchmarks import BenchOptions, report
from roadinspect.cli import main

ROOT = Path(__file__).resolve().parents[2]
HAVE_WEIGHTS = bool(sorted((ROOT / "models").glob("*.safetensors")))


@pytest.mark.slow  # deselect locally with -m 'not slow'; CI runs it
@pytest.mark.skipif(not HAVE_WEIGHTS, reason="no models/*.safetensors yet: the shipped model is still being trained")
def test_bench_analyze_json_shape(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROADINSPECT_CACHE_DIR", str(tmp_path / "cache"))
    assert main(["bench", "analyze", "--count", "3", "--naive-count", "2", "--size", "320x240", "--json"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    r = json.loads(out[-1])
    assert r["benchmark"] == "analyze" and (r["width"], r["height"], r["photos"]) == (320, 240, 3)
    fast, naive, floor = r["fast"], r["naive"], r["floor"]
    assert fast["photos"] == 3 and fast["failed"] == 0 and fast["photos_per_s"] > 0
    assert len(fast["runs_photos_per_s"]) == 3 and sorted(fast["runs_photos_per_s"])[1] == fast["photos_per_s"]
    assert set(fast["per_photo_ms"]) >= {"read", "decode", "predict", "findings", "record"}
    assert fast["backend"] in r["backends_installed"] and fast["precision"] in ("fp32", "bf16")
    assert set(fast["startup_s"]) == {"import", "model_load", "total"} and fast["startup_s"]["total"] > 0
    assert 50 < fast["peak_rss_mb"] < 8000 and naive["peak_rss_mb"] > 50
    assert naive["photos"] == 2 and naive["photos_per_s"] > 0
    assert floor["photos"] == 3 and floor["decode_ms"] > 0
    assert r["vs_floor"] == pytest.approx(fast["photos_per_s"] / floor["photos_per_s"], abs=0.01)
    assert r["vs_naive"] == pytest.approx(fast["photos_per_s"] / naive["photos_per_s"], rel=0.02, abs=0.01)
    assert set(r["goals"]) == {"photos_per_s", "vs_floor", "vs_naive"}
    assert "photos/s" in out[1] and "naive path" in "\n".join(out)
    real = r["real"]  # real-content photos from ../shared, or a line saying it is absent
    assert "absent" in real or (real["fast"]["photos"] == 3 and real["floor"]["photos"] == 3
                                and real["vs_floor"] > 0 and "real content" in "\n".join(out))


def test_bench_analyze_without_weights_says_why(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "analyze", "--weights", str(tmp_path / "none.safetensors")]) == 2
    assert "model weights not found" in capsys.readouterr().err


def test_bench_all_writes_the_document_with_every_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from roadinspect import benchmarks

    fake = {"ingest": {"benchmark": "ingest", "n": 1}}

    class Fake(benchmarks.Benchmark):
        def run(self, options: BenchOptions) -> dict:
            if self.name == "memory":
                raise benchmarks.BenchmarkUnavailable("model weights not found: x")
            if self.name == "model":
                raise RuntimeError("boom")
            return fake.get(self.name, {"benchmark": self.name})

        def format(self, result: dict) -> str:
            return f"{self.name}: measured line"

    entries = {n: Fake(b.name, b.help, b.runner, b.formatter) for n, b in benchmarks.BENCHMARKS.items()
               if n in ("ingest", "memory", "model")}
    monkeypatch.setattr(benchmarks, "BENCHMARKS", entries)
    doc = tmp_path / "docs" / "performance.md"
    result = report.run_all(BenchOptions(doc=str(doc)))
    text = doc.read_text(encoding="utf-8")
    assert result["doc"] == str(doc)
    assert "## `roadinspect bench ingest`" in text and "ingest: measured line" in text
    assert "Result: not run: model weights not found" in text and "Result: failed: RuntimeError: boom" in text
    assert "Load average" in text and "On a machine with an NVIDIA GPU" in text
    assert "scan + EXIF" in text or "Makes a folder" in text  # the method comes from the module docstring
