"""Command line: ``roadinspect [SUBCOMMAND]``; with no subcommand it opens the GUI.

Every subcommand is a thin wrapper over ``roadinspect.core`` (or ``roadinspect.training``): parse the
arguments, call the core function with a terminal progress callback, print a summary. Heavy modules
(torch, Qt) are imported inside the handlers so that ``roadinspect --help`` stays instant.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from roadinspect import __version__
from roadinspect.cli_args import OneLineParser, setting_float

Handler = Callable[[argparse.Namespace], int]


def _pitch(text: str) -> float:
    """``--camera-pitch``: degrees below the horizon, -10 to 90."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of degrees: {text!r}") from None
    if not -10.0 <= value <= 90.0:
        raise argparse.ArgumentTypeError(f"{value:g} degrees is outside -10 to 90")
    return value


def _add_gui(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("gui", help="open the desktop app (the default)")
    p.add_argument("project", nargs="?", type=Path, help="project file (.roadinspect) to open")
    p.set_defaults(handler=_run_gui)


def _run_gui(args: argparse.Namespace) -> int:
    from roadinspect.gui.app import run_app

    return run_app(getattr(args, "project", None))


def _add_segment(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("segment", help="write a class mask (0/1/2 PNG) of what `analyze` would record, for each image")
    p.add_argument("inputs", nargs="+", type=Path, help="image files or folders (one batch: the road region is "
                                                           "estimated over them, per camera and size)")
    p.add_argument("--out", required=True, type=Path, help="output folder for <stem>.png masks")
    p.add_argument("--raw", action="store_true",
                   help="write the network's own decision (no road region, no size filter) instead of the findings")
    p.add_argument("--no-road-region", dest="road_region", action="store_false",
                   help="the findings without the road region (horizon, still parts of the vehicle)")
    p.add_argument("--camera-pitch", type=_pitch, metavar="DEG",
                   help="camera angle below the horizon (default 12; a level dash camera: about 2): the road "
                        "region's horizon where the photos do not give one (fewer than 3 photos of a camera, "
                        "close-ups)")
    p.add_argument("--weights", type=Path, help="weights file (default: the shipped model)")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda")
    p.set_defaults(handler=_run_segment)


def _run_segment(args: argparse.Namespace) -> int:
    from roadinspect.cli_segment import segment_files
    from roadinspect.core.geo import CameraModel

    camera = None if args.camera_pitch is None else CameraModel(pitch_deg=args.camera_pitch)
    return segment_files(args.inputs, args.out, weights=args.weights, device=args.device, raw=args.raw,
                         road_region=args.road_region, camera=camera)


def _add_evaluate(sub: argparse._SubParsersAction) -> None:
    from roadinspect.core.backends import BACKEND_CHOICES, PRECISIONS  # the names only: no heavy import

    p = sub.add_parser("evaluate", help="score the model on annotated dataset folders")
    p.add_argument("--data", nargs="+", required=True, type=Path,
                   help="dataset folders: images/ and masks/, or images/ and boxes.json (damage boxes)")
    p.add_argument("--split", choices=["val", "all"], default="all",
                   help="val: only the validation part that `roadinspect train` holds out; all: every image")
    p.add_argument("--raw", action="store_true",
                   help="box folders: also score the network's own decision (no road region, no size filter)")
    p.add_argument("--no-road-region", dest="road_region", action="store_false",
                   help="box folders: score the findings without the road region")
    p.add_argument("--camera-pitch", type=_pitch, metavar="DEG",
                   help="box folders: camera angle below the horizon (default 12): the road region's horizon with "
                        "--horizon camera or where the photos give none")
    p.add_argument("--horizon", choices=["estimated", "camera"], default="estimated",
                   help="box-labelled folders: the horizon of the road region estimated from the photos (default; "
                        "the camera pitch's where unsure) or the camera pitch's only")
    p.add_argument("--weights", type=Path, help="weights file (default: the shipped model)")
    p.add_argument("--device", default="auto")
    p.add_argument("--limit", type=int, default=0, help="score at most N images per dataset (0 = all)")
    p.add_argument("--backend", default="torch", choices=BACKEND_CHOICES,
                   help="network backend to score (default: torch, the reference; auto = what `analyze` uses)")
    p.add_argument("--precision", choices=PRECISIONS,
                   help="with an optional backend: fp32, bf16 (OpenVINO on CPUs with native bf16) or auto")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=_run_evaluate)


def _add_calibrate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("calibrate", help="choose the decision rule's class weights on the validation split")
    p.add_argument("--data", nargs="+", required=True, type=Path, help="dataset folders (images/, masks/)")
    p.add_argument("--split", choices=["val", "all"], default="val")
    p.add_argument("--weights", type=Path, help="weights file (default: the shipped model)")
    p.add_argument("--device", default="auto")
    p.add_argument("--write", action="store_true", help="store the weights in the model's JSON sidecar")
    p.set_defaults(handler=_run_calibrate)


def _run_calibrate(args: argparse.Namespace) -> int:
    from roadinspect.training.calibrate import run_calibrate_command

    return run_calibrate_command(args)


def _run_evaluate(args: argparse.Namespace) -> int:
    from roadinspect.training.evaluate import run_evaluate_command

    return run_evaluate_command(args)


def _add_train(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train or fine-tune the segmentation model")
    p.add_argument("--data", nargs="+", required=True, type=Path, help="dataset folders (images/, masks/)")
    p.add_argument("--out", required=True, type=Path, help="run folder (checkpoints, log)")
    p.add_argument("--steps", type=int, default=20000)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--crop", type=int, default=320)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--seed", type=int, default=20251125)
    p.add_argument("--device", default="auto")
    p.add_argument("--init", choices=["imagenet", "shipped", "none"], default="imagenet",
                   help="start from ImageNet encoder weights (needs the train extra), the shipped model, or scratch")
    p.add_argument("--resume", action="store_true", help="continue from OUT/last.ckpt")
    p.add_argument("--export", type=Path, help="also write the final weights as safetensors here")
    p.add_argument("--checkpoint-every", type=int, default=250)
    p.add_argument("--minutes", type=float, default=0, help="wall-time budget; the schedule ends on time (0 = none)")
    p.add_argument("--threads", type=int, default=0, help="CPU threads (0 = torch default)")
    p.add_argument("--loader-workers", type=int, default=-1,
                   help="processes making augmented crops (default: 0 = one background thread on the CPU; on CUDA "
                        "one per spare core, at most 12)")
    p.add_argument("--weak-background", type=float,
                   help="weight of a background pixel outside every damage box of a box-labelled photo (default 0.5)")
    p.add_argument("--projection-weight", type=float,
                   help="weight of the box-projection loss inside the boxes (default 1.0)")
    p.add_argument("--weak-share", type=float,
                   help="share of each batch drawn from box-labelled photos, e.g. 0.34 (default: by sampling weight)")
    p.add_argument("--freeze-bn", action="store_true",
                   help="keep the batch-norm statistics of the initial weights (fine-tuning with small batches)")
    p.add_argument("--warmup", type=int, help="steps of linear learning-rate warm-up (default 150)")
    p.add_argument("--snapshots", action="store_true",
                   help="also export OUT/step-NNNNNN.safetensors at every checkpoint (evaluable with --weights)")
    p.set_defaults(handler=_run_train)


def _add_train_gate(sub: argparse._SubParsersAction) -> None:
    from roadinspect.training.gate_options import add_parser

    add_parser(sub)


def _run_train(args: argparse.Namespace) -> int:
    from roadinspect.training.train import run_train_command

    return run_train_command(args)


def _add_export(sub: argparse._SubParsersAction) -> None:
    from roadinspect.core.exports import default_formats, export_formats  # the registry: no heavy import

    names = ", ".join(f.name for f in export_formats())
    p = sub.add_parser("export", help=f"write the prioritised maintenance list and other exports ({names})")
    p.add_argument("project", type=Path, help="project file")
    p.add_argument("--out", required=True, type=Path, help="output folder")
    p.add_argument("--formats", default=",".join(default_formats()),
                   help=f"comma-separated, default {','.join(default_formats())}: "
                        + "; ".join(f"{f.name} = {f.label}" for f in export_formats()))
    p.add_argument("--csv-profile", default="excel-fr", choices=["excel-fr", "plain"],
                   help="excel-fr: ';' and decimal comma, UTF-8 with BOM (default); plain: ',' and '.'")
    p.add_argument("--priority", type=Path, metavar="FILE",
                   help="priority weights as a JSON object (see roadinspect.core.priority)")
    p.add_argument("--weights", dest="old_priority", type=Path, help=argparse.SUPPRESS)  # deprecated spelling
    p.add_argument("--road-class-factor", type=setting_float("priority/road_class_factor"),
                   help="multiplies every priority score (e.g. 1.2 main road; 0 to 10)")
    p.add_argument("--section-length", type=setting_float("sections/length_m"), default=100.0,
                   help="road section length in metres (10 to 5000)")
    p.add_argument("--lang", choices=["fr", "en"],
                   help="language of the report (default: the app's language setting; French on a French system)")
    p.add_argument("--report-top", type=int, default=50, metavar="N",
                   help="sites shown as cards with their photo in the report, the others in a table (default 50; "
                        "0 = all)")
    p.add_argument("--report-rejected", action="store_true",
                   help="also list the findings an inspector rejected in the report")
    p.add_argument("--base-map", metavar="FILE",
                   help="offline base map drawn under the report's map: an MBTiles or GeoPackage tile file (default: "
                        "the app's Settings > Map > Offline base map; \"\" for none)")
    p.set_defaults(handler=_run_export)


def _app_setting(key: str, default: str) -> str:
    """One of the app's settings as the GUI stored it (``QSettings``), or ``default`` when unset."""
    try:
        from PySide6.QtCore import QSettings
    except ImportError:  # pragma: no cover - PySide6 is a dependency
        return default
    value = QSettings("RoadInspect", "RoadInspect").value(key)
    return str(value) if value else default


def _app_language_setting() -> str:
    """The app's language setting (``system``, ``fr`` or ``en``) as the GUI stored it; ``system`` if unknown."""
    return _app_setting("general/language", "system")


def _priority_file(args: argparse.Namespace) -> Path | None:
    """The export's priority weights file: ``--priority``, or the deprecated ``--weights`` with a warning line
    (``--weights`` names the model file in the other commands; kept for one release)."""
    if args.old_priority is None:
        return args.priority
    print("warning: export --weights is deprecated and will be removed in the next release: use --priority",
          file=sys.stderr)
    if args.priority is not None:
        raise ValueError("give the priority weights once, with --priority (--weights is its deprecated spelling)")
    return args.old_priority


def _app_base_map_setting() -> str:
    """The app's offline base map file (Settings > Map), as the GUI stored it; empty if none."""
    return _app_setting("map/base_map_file", "")


def _run_export(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from roadinspect.core.exports import REGISTRY, parse_formats
    from roadinspect.core.exports.project import ExportError, export_project
    from roadinspect.core.priority import PriorityWeights
    from roadinspect.core.report import ReportOptions
    from roadinspect.core.report_text import resolve_language
    from roadinspect.core.sections import SectionSettings
    from roadinspect.core.store import ProjectError
    from roadinspect.core.text import printable

    try:
        formats = parse_formats(args.formats)
        lang = args.lang or (resolve_language(_app_language_setting()) if "report" in formats else "fr")
        base_map = args.base_map if args.base_map is not None else (
            _app_base_map_setting() if "report" in formats else "")
        report = ReportOptions(lang=lang, top=args.report_top, include_rejected=args.report_rejected,
                               base_map=base_map)
        weights_file = _priority_file(args)
        weights = PriorityWeights.from_json(weights_file) if weights_file else PriorityWeights()
        if args.road_class_factor is not None:
            weights = replace(weights, road_class_factor=args.road_class_factor)
        sections = SectionSettings(length_m=args.section_length)
        result = export_project(args.project, args.out, formats, args.csv_profile, weights,
                                section_settings=sections, report=report)
    except (ProjectError, ExportError, ValueError) as exc:
        print(printable(f"error: {exc}"), file=sys.stderr)
        return 2
    for line in _written_lines(Path(args.out), result.written):
        print(printable(line))
    for err in result.errors:
        print(printable(f"error: {err}"), file=sys.stderr)
    if any(REGISTRY[name].needs_list for name in formats):
        print(f"{result.sites} maintenance sites, {result.sections} road sections.")
    from roadinspect.cli_inspect import warn_changed_photos

    warn_changed_photos(args.project)  # photos changed or missing since import: their findings are exported
    return 0 if result.ok else 1


def _written_lines(out: Path, written: Sequence[Path]) -> list[str]:
    """``wrote FILE`` for each file written in the output folder, one line per sub-folder (``training/``: two files a
    photo) with its number of files."""
    lines: list[str] = []
    folders: dict[Path, int] = {}
    for path in written:
        parts = path.relative_to(out).parts if path.is_relative_to(out) else ()
        if len(parts) > 1:
            folders[out / parts[0]] = folders.get(out / parts[0], 0) + 1
        else:
            lines.append(f"wrote {path}")
    return lines + [f"wrote {folder} ({count} files)" for folder, count in folders.items()]


def _add_analyze(sub: argparse._SubParsersAction) -> None:
    from roadinspect.cli_inspect import add_analyze_parser

    add_analyze_parser(sub)


def _add_info(sub: argparse._SubParsersAction) -> None:
    from roadinspect.cli_inspect import add_info_parser

    add_info_parser(sub)


def _add_place(sub: argparse._SubParsersAction) -> None:
    from roadinspect.cli_inspect import add_place_parser

    add_place_parser(sub)


def _add_survey(sub: argparse._SubParsersAction) -> None:
    from roadinspect.cli_survey import add_merge_parser, add_publish_parser, add_review_parser, add_split_parser

    for add in (add_split_parser, add_merge_parser, add_review_parser, add_publish_parser):
        add(sub)


def _add_bench(sub: argparse._SubParsersAction) -> None:
    from roadinspect.benchmarks import add_bench_parser

    add_bench_parser(sub)


_REGISTRARS: list[Callable[[argparse._SubParsersAction], None]] = [
    _add_gui,
    _add_segment,
    _add_evaluate,
    _add_calibrate,
    _add_train,
    _add_train_gate,
    _add_export,
    _add_analyze,
    _add_info,
    _add_place,
    _add_survey,
    _add_bench,
]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = OneLineParser(
        prog="roadinspect",
        description="Find cracks and potholes in geotagged road photos, review them, export a maintenance list.",
    )
    parser.add_argument("--version", action="version", version=f"roadinspect {__version__}")
    parser.add_argument("--self-test", action="store_true",
                        help="check this installation headless (model, sample photos, analysis, every export); "
                             "exit 0 when all is well")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for register in _REGISTRARS:
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``roadinspect`` command; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.self_test:
        from roadinspect.selftest import main as run_selftest

        return run_selftest()
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        return _run_gui(args)
    try:
        return handler(args)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
