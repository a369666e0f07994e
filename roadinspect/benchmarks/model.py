"""``roadinspect bench model``: model time on the CPU and the end-to-end time of one 12 MP photo.

Measures, with the shipped weights:

* load time of the model (checksum + weights + BN folding);
* model time for a 1024x768 input (``Segmenter.run`` on the preprocessed tensor: the network at the
  working resolution, softmax included), median and 90th percentile over ``repeats`` runs;
* ``predict`` time for the same input (adds the resize to working resolution and the class decision);
* end-to-end time for one 12-megapixel geotagged JPEG: reduced-size decode (Pillow ``draft``),
  ``predict`` and finding extraction, against a naive path that decodes at full size first.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path


def _timed(fn, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def _stats(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {"median_ms": round(statistics.median(ordered), 1),
            "p90_ms": round(ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))], 1)}


def bench_model(weights: Path | None = None, repeats: int = 20, device: str = "cpu") -> dict:
    """Run the model benchmark; return a JSON-ready dict."""
    import torch

    from roadinspect.benchmarks import BenchmarkUnavailable
    from roadinspect.core.findings import extract_findings
    from roadinspect.core.photos import load_image, read_photo
    from roadinspect.core.segmenter import Segmenter
    from roadinspect.core.synth import render_scene, write_geotagged_jpeg
    from roadinspect.core.types import Photo

    start = time.perf_counter()
    segmenter = Segmenter.load(weights, device=device)
    load_ms = (time.perf_counter() - start) * 1000
    scene = render_scene(1024, 768, seed=7)
    image = scene.image
    tensor = segmenter.preprocess(image)
    for _ in range(3):
        segmenter.run(tensor)
    model = _stats(_timed(lambda: segmenter.run(tensor), repeats))
    predict = _stats(_timed(lambda: segmenter.predict(image), repeats))

    with tempfile.TemporaryDirectory() as tmp:
        big = render_scene(4000, 3000, seed=11)
        path = write_geotagged_jpeg(Path(tmp) / "photo_12mp.jpg", big.image, index=0)
        photo = read_photo(path)
        if not isinstance(photo, Photo):
            raise BenchmarkUnavailable(f"the generated photo cannot be read: {photo.reason}")

        def end_to_end() -> None:
            pixels = load_image(path, max_side=segmenter.max_side)
            extract_findings(segmenter.predict(pixels), photo)

        def naive() -> None:
            pixels = load_image(path)
            extract_findings(segmenter.predict(pixels), photo)

        end_to_end()
        e2e = _stats(_timed(end_to_end, max(3, repeats // 4)))
        naive_stats = _stats(_timed(naive, 3))
    return {
        "device": str(segmenter.device),
        "threads": torch.get_num_threads(),
        "model": segmenter.name,
        "model_sha256": segmenter.sha256,
        "working_max_side": segmenter.max_side,
        "load_ms": round(load_ms, 1),
        "model_1024x768": {**model, "working_size": list(tensor.shape[-2:][::-1])},
        "predict_1024x768": predict,
        "end_to_end_12mp": e2e,
        "naive_end_to_end_12mp": naive_stats,
        "input_12mp": [4000, 3000],
    }


def format_model_bench(result: dict) -> str:
    """Human-readable lines of :func:`bench_model`'s result."""
    m, p = result["model_1024x768"], result["predict_1024x768"]
    e, n = result["end_to_end_12mp"], result["naive_end_to_end_12mp"]
    return "\n".join([
        f"model {result['model']} on {result['device']} ({result['threads']} threads), "
        f"working size {m['working_size'][0]}x{m['working_size'][1]} for a 1024x768 input",
        f"load: {result['load_ms']:.0f} ms",
        f"model time 1024x768: median {m['median_ms']:.1f} ms, p90 {m['p90_ms']:.1f} ms (goal <= 100 ms)",
        f"predict 1024x768 (resize + model + decision): median {p['median_ms']:.1f} ms",
        f"12 MP JPEG end to end (draft decode + predict + findings): median {e['median_ms']:.0f} ms",
        f"12 MP JPEG naive (full decode + predict + findings): median {n['median_ms']:.0f} ms",
    ])

