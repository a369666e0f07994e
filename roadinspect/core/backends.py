"""Optional inference backends for the CPU: ONNX Runtime and OpenVINO, chosen by measurement.

PyTorch stays the reference and the training path: :class:`~roadinspect.core.segmenter.Segmenter`
does everything around the network (resize, normalisation, padding, softmax, class decision)
in torch. :func:`accelerate` only swaps the network call for an equivalent one: the BN-folded
network is exported to ONNX (legacy TorchScript exporter, in memory; the bytes are cached per
weights sha256 in :func:`cache_dir`) and run by

* ``openvino`` (extra ``fast``): ``precision="auto"`` (the default) uses the CPU's native bf16 units
  where it has them (Intel AMX / AVX512-BF16: about 2.5x faster on the network, masks that differ from
  fp32 on a fraction of a percent of pixels, accuracy cost measured with ``roadinspect evaluate
  --backend openvino --precision bf16`` in ``models/roadinspect-seg.md``) and fp32 elsewhere;
  ``precision="fp32"`` forces fp32;
* ``onnxruntime`` (extra ``fast``): fp32, about 1.5x faster than eager torch on the CPU;
* ``torch``: the reference (fp32, channels_last, BN folded).

``backend="auto"`` chooses **by measurement** at first use on this CPU, on the CPU only (a CUDA
segmenter keeps torch with fp16 autocast): every installed candidate (OpenVINO bf16 where the CPU has
native bf16 units, OpenVINO fp32, ONNX Runtime fp32, torch fp32; fp32 only when ``precision="fp32"``)
runs the network a few times at the working size (one warm-up, then the median of
:data:`AUTO_RUNS`), the fastest wins, and the choice is cached per CPU model, weights, threads and
library versions in ``backend-choice.json`` of :func:`cache_dir` (a corrupt or unreadable file is
ignored and rewritten). A CPU feature flag alone is not a measurement: the same native-bf16 flag
gives different speed-ups on an Intel Xeon and an AMD EPYC. ``ROADINSPECT_BACKEND`` and
``ROADINSPECT_PRECISION`` override the defaults. The names are defined once here (:class:`Backend`,
:class:`Precision`, :data:`BACKEND_CHOICES`, :data:`PRECISIONS`: the command line's choices read them).

The backend is a declared part of the :class:`~roadinspect.core.segmenter.Segmenter`: its ``torch_model`` (the
reference), ``model`` (the network its ``run`` calls) and ``backend`` (:class:`Accelerated`, torch until a backend
is chosen); :func:`accelerate` builds the network and hands it over with ``Segmenter.use_network``, and
``Segmenter.load(..., backend=...)`` chooses it at load.

Measured figures and the tolerance of each backend against torch fp32 are in ``docs/performance.md``
(``roadinspect bench analyze``); a backend that fails to export or to load falls back to torch, and the reason
is kept in :attr:`Accelerated.note`. The extra ``fast`` also installs ``onnx``, which the exporter needs.
"""

from __future__ import annotations

import gc
import hashlib
import importlib.util
import io
import json
import logging
import os
import platform
import statistics
import sys
import threading
import time
import warnings
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # pragma: no cover - annotations only (torch is imported when a backend is built)
    import torch

    from roadinspect.core.segmenter import Segmenter

log = logging.getLogger(__name__)


class Backend(StrEnum):
    """What runs the network: an optional CPU backend (extra ``fast``) or torch, the reference."""

    OPENVINO = "openvino"
    ONNXRUNTIME = "onnxruntime"
    TORCH = "torch"


class Precision(StrEnum):
    """The network's arithmetic: asked for (``auto``, ``fp32``, ``bf16``) or in use (also ``fp16-autocast``)."""

    AUTO = "auto"
    FP32 = "fp32"
    BF16 = "bf16"
    FP16_AUTOCAST = "fp16-autocast"


AUTO = "auto"
"""``backend="auto"``: chosen by measurement on this CPU."""
BACKENDS = tuple(Backend)
"""Preference order of ``backend="auto"`` (fastest first, by measurement)."""
BACKEND_CHOICES = (AUTO, *BACKENDS)
"""What ``--backend`` accepts."""
PRECISIONS = (Precision.AUTO, Precision.FP32, Precision.BF16)
"""What ``--precision`` accepts. ``auto``: bf16 where OpenVINO runs on a CPU with native bf16 units, fp32 elsewhere."""


class Network(Protocol):
    """The network as the segmenter calls it: ``(N, 3, h, w)`` normalised float tensor in, logits out."""

    def __call__(self, x: torch.Tensor) -> torch.Tensor: ...
ONNX_OPSET = 17
AUTO_RUNS = 3
"""Timed network calls per candidate when ``backend="auto"`` measures (after one warm-up call)."""
CHOICE_FILE = "backend-choice.json"
_EXPORT_VERSION = "1"  # bump when the export changes, to invalidate cached ONNX files


@dataclass(frozen=True)
class Accelerated:
    """What :func:`accelerate` did: the backend in use, its precision, its threads, and why (``note``)."""

    backend: Backend
    precision: Precision
    threads: int
    note: str = ""


def available_backends() -> list[str]:
    """The backends importable here, in preference order (``torch`` always)."""
    return [b for b in BACKENDS if b == "torch" or importlib.util.find_spec(b) is not None]


def cache_dir() -> Path:
    """Per-user cache folder (``ROADINSPECT_CACHE_DIR``, else LOCALAPPDATA / XDG cache / ~/.cache)."""
    if os.environ.get("ROADINSPECT_CACHE_DIR"):
        return Path(os.environ["ROADINSPECT_CACHE_DIR"])
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "RoadInspect" / "cache"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "roadinspect"


def _cache_key(segmenter: Segmenter) -> str | None:
    import torch

    from roadinspect import __version__

    if not getattr(segmenter, "sha256", ""):
        return None
    text = "|".join([segmenter.sha256, torch.__version__, __version__, str(ONNX_OPSET), _EXPORT_VERSION])
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def export_onnx(model: torch.nn.Module) -> bytes:
    """The network as ONNX bytes, batch and image size dynamic (input ``x``, output ``logits``)."""
    import torch

    model = model.eval()
    example = torch.zeros(1, 3, 64, 96)
    buffer = io.BytesIO()
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # the legacy exporter announces its deprecation
        torch.onnx.export(model, (example,), buffer,  # type: ignore[arg-type]  # a file object works as well
                          input_names=["x"], output_names=["logits"],
                          dynamic_axes={"x": {0: "n", 2: "h", 3: "w"}, "logits": {0: "n", 2: "h", 3: "w"}},
                          opset_version=ONNX_OPSET, dynamo=False)
    return buffer.getvalue()


def shipped_onnx(segmenter: Segmenter) -> Path | None:
    """The ONNX export of these weights shipped in the bundle's ``models/`` (None: none shipped).

    ``packaging/build.py`` writes it as ``<name>-<first 16 hex digits of the weights sha256>.onnx``,
    so the frozen app runs ONNX Runtime without torch's exporter (left out of the bundle).
    """
    sha = getattr(segmenter, "sha256", "") or ""
    if len(sha) < 16:
        return None
    from roadinspect.core.resources import models_dir

    path = models_dir() / f"{segmenter.name}-{sha[:16]}.onnx"
    return path if path.is_file() else None


def onnx_bytes(segmenter: Segmenter) -> bytes:
    """The segmenter's network as ONNX: the bundle's shipped export, else the cache, else exported now."""
    shipped = shipped_onnx(segmenter)
    if shipped is not None:
        try:
            return shipped.read_bytes()
        except OSError as exc:
            log.warning("cannot read the shipped ONNX model %s: %s", shipped, exc)
    key = _cache_key(segmenter)
    path = cache_dir() / f"{segmenter.name}-{key}.onnx" if key else None
    if path is not None and path.is_file():
        try:
            return path.read_bytes()
        except OSError:
            pass
    data = export_onnx(segmenter.torch_model)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)
        except OSError as exc:  # a read-only profile only costs the export time next start
            log.info("cannot cache the ONNX model in %s: %s", path.parent, exc)
    return data


def block_openvino_telemetry() -> None:
    """Keep OpenVINO's usage analytics (Google Analytics, package ``openvino_telemetry``) from ever running.

    OpenVINO imports ``openvino_telemetry`` with a fallback to a no-op stub when it cannot be imported;
    marking the package unimportable (``sys.modules[name] = None``) before ``import openvino`` selects
    that stub. Nothing is written anywhere (no consent file in the user's home, no client id). If the
    package was already imported by someone else, its sender is made a no-op instead. Idempotent.
    """
    loaded = sys.modules.get("openvino_telemetry", _ABSENT)
    if loaded is _ABSENT:
        sys.modules["openvino_telemetry"] = None  # type: ignore[assignment]  # "import" now raises ImportError
        return
    if loaded is None:
        return
    sender = sys.modules.get("openvino_telemetry.utils.sender")
    if sender is not None:
        sender.TelemetrySender.send = lambda self, *args, **kwargs: None
    telemetry = getattr(loaded, "Telemetry", None)
    if telemetry is not None:
        for name in ("send_event", "send_error", "send_stack_trace", "start_session", "end_session",
                     "send_opt_in_event"):
            if hasattr(telemetry, name):
                setattr(telemetry, name, lambda self, *args, **kwargs: None)


_ABSENT = object()


def import_openvino() -> Any:
    """``import openvino`` with its telemetry blocked first (see :func:`block_openvino_telemetry`)."""
    block_openvino_telemetry()
    import openvino as ov

    return ov


def import_onnxruntime() -> Any:
    """``import onnxruntime`` with its telemetry events off (Windows builds log them to ETW otherwise)."""
    import onnxruntime as ort

    disable = getattr(ort, "disable_telemetry_events", None)
    if disable is not None:
        disable()
    return ort


class OnnxRuntimeNet:
    """The network run by ONNX Runtime (fp32); called like the torch module: NCHW tensor in, logits out."""

    backend = Backend.ONNXRUNTIME

    def __init__(self, model: bytes, threads: int) -> None:
        ort = import_onnxruntime()
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Worker threads that spin while waiting steal the core the decoders need on a 2-core PC.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.add_session_config_entry("session.set_denormal_as_zero", "1")  # flush denormals, as torch does
        self.session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        self.precision = Precision.FP32

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        import torch

        out = self.session.run(None, {"x": x.detach().contiguous().numpy()})[0]
        return torch.from_numpy(out)


class OpenVinoNet:
    """The network run by OpenVINO on the CPU, fp32, or bf16 where the CPU has native bf16 units."""

    backend = Backend.OPENVINO

    def __init__(self, model: bytes, threads: int, precision: str = Precision.FP32) -> None:
        ov = import_openvino()

        core = ov.Core()
        native_bf16 = "BF16" in core.get_property("CPU", "OPTIMIZATION_CAPABILITIES")
        config: dict[str, Any] = {"INFERENCE_NUM_THREADS": threads, "PERFORMANCE_HINT": "LATENCY", "NUM_STREAMS": 1,
                                  "INFERENCE_PRECISION_HINT": "bf16" if precision in ("bf16", "auto") and native_bf16
                                  else "f32",
                                  "CPU_DENORMALS_OPTIMIZATION": True}  # flush denormals, as torch does
        self.compiled = core.compile_model(core.read_model(model), "CPU", config)
        hint = str(self.compiled.get_property("INFERENCE_PRECISION_HINT"))
        self.precision = Precision.BF16 if "bf16" in hint or "bfloat16" in hint else Precision.FP32
        self._request = self.compiled.create_infer_request()
        self._lock = threading.Lock()

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        import torch

        with self._lock:  # one infer request: calls from several threads take turns
            self._request.infer({0: x.detach().contiguous().numpy()})
            out = self._request.get_output_tensor(0).data.copy()
        return torch.from_numpy(out)


def _choice(requested: str | None) -> str:
    choice = (requested or os.environ.get("ROADINSPECT_BACKEND") or AUTO).lower()
    if choice not in BACKEND_CHOICES:
        raise ValueError(f"unknown inference backend {choice!r}: expected {', '.join(BACKEND_CHOICES)}")
    return choice


def cpu_model() -> str:
    """This CPU's model name (``/proc/cpuinfo``; the registry on Windows; ``platform`` elsewhere)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    if sys.platform == "win32":
        try:
            import winreg

            with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, r"HARDWARE\DESCRIPTION\System\CentralProcessor\0") as key:
                return str(winreg.QueryValueEx(key, "ProcessorNameString")[0]).strip()
        except OSError:
            pass
    return platform.processor() or platform.machine() or "unknown CPU"


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for name in ("torch", "onnxruntime", "openvino"):
        try:
            out.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            pass
    return ", ".join(out)


def _choice_key(segmenter: Segmenter, threads: int, precision: str) -> str:
    return " | ".join([cpu_model(), getattr(segmenter, "sha256", "") or "?", f"threads {threads}",
                       f"precision {precision}", _versions()])


def _read_choices(path: Path) -> dict[str, dict[str, str]]:
    """The cached choices; a missing, unreadable or corrupt file gives none (it is rewritten)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("ignoring the backend choice cache %s (%s): measuring again", path, exc)
        return {}
    if not isinstance(data, dict):
        log.warning("ignoring the backend choice cache %s (not an object): measuring again", path)
        return {}
    return {k: v for k, v in data.items() if isinstance(v, dict) and v.get("backend") in BACKENDS
            and v.get("precision") in (Precision.FP32, Precision.BF16)}


def _write_choices(path: Path, choices: dict[str, dict[str, str]]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(choices, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:  # a read-only profile only costs the measurement next start
        log.info("cannot cache the backend choice in %s: %s", path.parent, exc)


def openvino_native_bf16() -> bool:
    """Whether OpenVINO sees native bf16 units on this CPU (False when OpenVINO is absent or fails)."""
    try:
        return "BF16" in import_openvino().Core().get_property("CPU", "OPTIMIZATION_CAPABILITIES")
    except Exception:  # noqa: BLE001 - no OpenVINO, no bf16
        return False


def _candidates(precision: str) -> list[tuple[Backend, Precision]]:
    """(backend, precision) pairs that ``auto`` measures, in the order of :data:`BACKENDS`."""
    out: list[tuple[Backend, Precision]] = []
    installed = available_backends()
    if Backend.OPENVINO in installed:
        if precision in (Precision.AUTO, Precision.BF16) and openvino_native_bf16():
            out.append((Backend.OPENVINO, Precision.BF16))
        out.append((Backend.OPENVINO, Precision.FP32))
    if Backend.ONNXRUNTIME in installed:
        out.append((Backend.ONNXRUNTIME, Precision.FP32))
    out.append((Backend.TORCH, Precision.FP32))
    return out


def _probe_input(segmenter: Segmenter) -> torch.Tensor:
    """A photo-like network input at the segmenter's working size (4:3, padded to the stride)."""
    import torch

    from roadinspect.core.network import STRIDE

    side = int(getattr(segmenter, "max_side", None) or 640)
    w = -(-side // STRIDE) * STRIDE
    h = -(-round(side * 3 / 4) // STRIDE) * STRIDE
    return torch.randn(1, 3, h, w, generator=torch.Generator().manual_seed(0))


def time_network(net: Network, x: torch.Tensor, runs: int = AUTO_RUNS) -> float:
    """Median seconds of ``runs`` calls of ``net(x)`` after one warm-up call."""
    import torch

    with torch.inference_mode():
        net(x)
        times = []
        for _ in range(max(1, runs)):
            start = time.perf_counter()
            net(x)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


OptionalNet = OnnxRuntimeNet | OpenVinoNet


def _build_optional(name: str, precision: str, segmenter: Segmenter, threads: int) -> OptionalNet:
    """The network run by the optional backend ``name`` (raises when it cannot be exported or loaded)."""
    data = onnx_bytes(segmenter)
    return OpenVinoNet(data, threads, precision) if name == Backend.OPENVINO else OnnxRuntimeNet(data, threads)


def _build(name: str, precision: str, segmenter: Segmenter, threads: int) -> OptionalNet | None:
    """The network run by ``name``; None for ``torch`` (the segmenter's reference module)."""
    return None if name == Backend.TORCH else _build_optional(name, precision, segmenter, threads)


def _install(segmenter: Segmenter, net: OptionalNet | None, threads: int, note: str) -> Accelerated:
    """Hand ``net`` (None: torch, the reference) to the segmenter as its network."""
    import torch

    if net is None:
        torch.set_num_threads(threads)
        return segmenter.use_network(segmenter.torch_model, Accelerated(Backend.TORCH, Precision.FP32, threads, note))
    # What is left to torch (normalise, pad, softmax of one photo) is cheaper on one thread: with
    # two, OpenMP's barrier costs 5x the work itself when the decode and findings threads are busy.
    torch.set_num_threads(1)
    return segmenter.use_network(net, Accelerated(net.backend, net.precision, threads, note))


def _measured_choice(segmenter: Segmenter, threads: int, precision: str) -> Accelerated:
    """``backend="auto"``: the cached choice for this CPU and weights, else measure every candidate."""
    import torch

    path = cache_dir() / CHOICE_FILE
    key = _choice_key(segmenter, threads, precision)
    choices = _read_choices(path)
    notes: list[str] = []
    cached = choices.get(key)
    if cached is not None and (cached["backend"] == "torch" or cached["backend"] in available_backends()):
        try:
            net = _build(cached["backend"], cached["precision"], segmenter, threads)
            if net is None or net.precision == cached["precision"]:
                return _install(segmenter, net, threads,
                                f"chosen by measurement on this CPU ({cached.get('measured', 'cached')})")
        except Exception as exc:  # noqa: BLE001 - measured again below
            notes.append(f"{cached['backend']} unavailable ({type(exc).__name__}: {str(exc)[:200]})")
    x = _probe_input(segmenter)
    timings: dict[str, float] = {}
    best: tuple[float, Backend, Precision] | None = None
    torch.set_num_threads(threads)
    failed: set[str] = set()
    for name, prec in _candidates(precision):
        if name in failed:
            continue
        try:
            net = _build(name, prec, segmenter, threads)
        except Exception as exc:  # noqa: BLE001 - an optional backend never stops the analysis
            failed.add(name)
            notes.append(f"{name} unavailable ({type(exc).__name__}: {str(exc)[:200]})")
            log.warning("inference backend %s unavailable: %s", name, exc)
            continue
        got = Precision.FP32 if net is None else net.precision
        if got == prec:  # (bf16 asked, fp32 given: that is the fp32 candidate, measured on its own)
            # Each candidate measured with torch on the threads it will have (one beside an optional backend).
            torch.set_num_threads(threads if net is None else 1)
            seconds = time_network(segmenter.torch_model if net is None else net, x)
            timings[f"{name} {prec}"] = round(seconds * 1000, 1)
            if best is None or seconds < best[0]:
                best = (seconds, name, prec)
        del net  # one candidate in memory at a time (each compiled network holds its own buffers)
        gc.collect()
    assert best is not None  # torch is always a candidate
    _, name, prec = best
    chosen = _build(name, prec, segmenter, threads)
    chosen_precision = Precision.FP32 if chosen is None else chosen.precision
    measured = ", ".join(f"{k} {v} ms" for k, v in timings.items())
    if len(timings) > 1:
        choices[key] = {"backend": name, "precision": chosen_precision, "measured": measured,
                        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
        _write_choices(path, choices)
    notes.append(f"chosen by measurement on this CPU ({measured})")
    if len(timings) == 1 and not failed:
        notes.append("no optional backend installed (pip install roadinspect[fast])")
    return _install(segmenter, chosen, threads, "; ".join(notes))


def accelerate(segmenter: Segmenter, backend: str | None = None, threads: int | None = None,
               precision: str | None = None) -> Accelerated:
    """Run ``segmenter``'s network with the fastest backend available (in place); returns what was chosen.

    ``backend``: ``auto`` (default; ``ROADINSPECT_BACKEND``), ``openvino``, ``onnxruntime`` or
    ``torch``. ``threads``: the network's threads (default: the torch setting the segmenter made; with an
    optional backend torch itself then runs on one thread: it only normalises, pads and applies the
    softmax, measured 5x cheaper so while the decode and findings threads share the CPU).
    ``precision``: ``auto`` (default; ``ROADINSPECT_PRECISION``: bf16 allowed where OpenVINO has native
    bf16 units, and with ``backend="auto"`` taken only when measured faster; else fp32), ``fp32``, or ``bf16``
    (OpenVINO on such a CPU only; elsewhere fp32, said in the note). A CUDA segmenter is left as it is (torch,
    fp16 autocast).
    Calling it again on the same segmenter replaces the previous choice.
    """
    import torch

    choice = _choice(backend)
    precision = (precision or os.environ.get("ROADINSPECT_PRECISION") or Precision.AUTO).lower()
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}: expected {' or '.join(PRECISIONS)}")
    threads = max(1, threads or torch.get_num_threads())
    if segmenter.device.type != "cpu":
        return segmenter.use_network(segmenter.torch_model, Accelerated(
            Backend.TORCH, Precision.FP16_AUTOCAST, threads, "GPU: torch with fp16 autocast"))
    if choice == Backend.TORCH:
        torch.set_num_threads(threads)
        return segmenter.use_network(segmenter.torch_model, Accelerated(Backend.TORCH, Precision.FP32, threads))
    if choice == AUTO:
        return _measured_choice(segmenter, threads, precision)
    notes = []
    try:
        net = _build_optional(choice, precision, segmenter, threads)
    except Exception as exc:  # noqa: BLE001 - an optional backend never stops the analysis
        notes.append(f"{choice} unavailable ({type(exc).__name__}: {str(exc)[:200]})")
        log.warning("inference backend %s unavailable, using torch: %s", choice, exc)
        return _install(segmenter, None, threads, "; ".join(notes))
    if precision == Precision.BF16 and net.precision != Precision.BF16:
        notes.append(f"{precision} not available with {choice} on this CPU: {net.precision}")
    return _install(segmenter, net, threads, "; ".join(notes))


__all__ = ["AUTO", "AUTO_RUNS", "BACKENDS", "BACKEND_CHOICES", "PRECISIONS", "Accelerated", "Backend", "Network",
           "OnnxRuntimeNet", "OpenVinoNet", "Precision", "accelerate", "available_backends", "cache_dir", "cpu_model",
           "export_onnx", "onnx_bytes", "openvino_native_bf16", "shipped_onnx", "time_network"]
