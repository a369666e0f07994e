"""``split``, ``merge``, ``review`` and ``publish``: several inspectors on one survey, and the GIS database.

``split FILE --parts N --out DIR [--with-photos]``: N part files, each a contiguous share of the route
made of whole road sections (:mod:`roadinspect.core.split_merge`). Exit 0, or 2 when it cannot be done.

``merge FILE PART...``: the parts' reviews, corrections, drawn findings and notes back into FILE. Every
conflict is listed (one line each); exit 0 when merged without conflict, 1 when conflicts were found
(merged, the conflicts await a decision), 2 when refused (nothing written).

``review FILE FINDING_ID accept|reject|crack|pothole [--as NAME] [--note TEXT]``: one review decision,
as the app's keys make it (A, R, 1, 2): accepting keeps corrections, a class equal to the model's is an
acceptance, another class a correction.

``publish FILE --postgis DSN [--schema NAME]``: the survey into PostGIS (:mod:`roadinspect.core.publish`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from roadinspect.core.text import printable

if TYPE_CHECKING:
    from roadinspect.core.review import ReviewedFinding
    from roadinspect.core.store import Store


def _error(message: str) -> int:
    print(f"roadinspect: error: {printable(message)}", file=sys.stderr)
    return 2


def add_split_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("split", help="split a project into parts for several inspectors (whole road sections)")
    p.add_argument("project", type=Path, help="project file")
    p.add_argument("--parts", type=int, required=True, help="number of parts (2 or more)")
    p.add_argument("--out", type=Path, required=True, help="folder for the part files")
    p.add_argument("--with-photos", action="store_true", help="copy each part's photos next to it (for a laptop "
                                                              "in the field)")
    p.add_argument("--as", dest="who", default="", help="name recorded in the audit log")
    p.set_defaults(handler=run_split)


def run_split(args: argparse.Namespace) -> int:
    from roadinspect.console import TerminalProgress
    from roadinspect.core.split_merge import Cancelled, SplitError, split_project
    from roadinspect.core.store import ProjectError

    bar = TerminalProgress("Writing parts", unit="photos")
    try:
        result = split_project(args.project, args.parts, args.out, with_photos=args.with_photos, who=args.who,
                               progress=bar)
    except (SplitError, ProjectError) as exc:
        return _error(str(exc))
    except Cancelled:
        print("Cancelled: no part was written.", file=sys.stderr)
        return 130
    finally:
        bar.close()
    for path, photos, findings in zip(result.parts, result.photos, result.findings, strict=True):
        print(printable(f"wrote {path}: {photos} photos, {findings} findings"))
    if args.with_photos:
        print(f"{result.copied} photos copied.")
    for missing in result.missing:
        print(printable(f"warning: {missing}: photo file not found, not copied"), file=sys.stderr)
    return 0


def add_merge_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("merge", help="bring the reviews of parts back into the project")
    p.add_argument("project", type=Path, help="project file the parts were split from")
    p.add_argument("parts", type=Path, nargs="+", help="part files")
    p.add_argument("--as", dest="who", default="", help="name recorded in the audit log")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=run_merge)


def run_merge(args: argparse.Namespace) -> int:
    import json

    from roadinspect.core.split_merge import Cancelled, MergeError, merge_parts
    from roadinspect.core.store import ProjectError

    try:
        result = merge_parts(args.project, args.parts, who=args.who)
    except (MergeError, ProjectError) as exc:
        return _error(str(exc))
    except Cancelled:
        print("Cancelled: the project was not changed.", file=sys.stderr)
        return 130
    if args.json:
        print(json.dumps({"applied": result.applied, "added": result.added, "unchanged": result.unchanged,
                          "conflicts": [{"finding": c.finding_id, "photo": c.photo_id, "decisions": list(c.decisions)}
                                        for c in result.conflicts], "notes": result.missing},
                         ensure_ascii=False, indent=1))
    else:
        print(f"{result.applied} decisions merged, {result.added} drawn findings added, "
              f"{len(result.conflicts)} conflicts" + ("" if result.changed else " (nothing new)") + ".")
        for c in result.conflicts:
            sides = "; ".join(f"{d['where']}: {d['status']} by {d.get('reviewer') or '?'}" for d in c.decisions)
            print(printable(f"conflict: finding {c.finding_id} (photo {c.photo_id}): {sides}"))
        for note in result.missing:
            print(printable(f"note: {note}"))
    return 1 if result.conflicts else 0


def add_review_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("review", help="record a review decision on one finding (headless)")
    p.add_argument("project", type=Path, help="project file")
    p.add_argument("finding", type=int, help="finding id (as in the exports)")
    p.add_argument("decision", choices=["accept", "reject", "crack", "pothole"])
    p.add_argument("--as", dest="who", default="", help="reviewer name (default: the system user)")
    p.add_argument("--note", help="note on the finding (replaces the current one)")
    p.set_defaults(handler=run_review)


def next_decision(rf: ReviewedFinding, decision: str, note: str | None) -> dict[str, Any]:
    """The review fields after ``decision`` on a ReviewedFinding: the app's keys' rule (``core.review.next_review``),
    ``crack`` / ``pothole`` being a change of class; ``note`` (when given) replaces the current one."""
    from roadinspect.core.review import next_review
    from roadinspect.core.types import DamageClass

    finding, base = rf.finding, rf.review
    if decision in ("crack", "pothole"):
        review = next_review(base, finding, action="damage",
                             value=DamageClass.CRACK if decision == "crack" else DamageClass.POTHOLE)
    else:
        review = next_review(base, finding, action=decision)
    return {"status": review.status, "damage": review.damage, "severity": review.severity, "kind": review.kind,
            "note": note if note is not None else review.note}


def _measure_as_class(store: Store, before: ReviewedFinding, who: str) -> None:
    """After a change of class, the outline measured again as the new class (as the app's 1 / 2 keys do); the
    decision just recorded is kept as it is. Nothing when the class is unchanged or the photo is unknown."""
    from roadinspect.cli_inspect import _camera_from_project
    from roadinspect.core.remeasure import remeasured

    fid = before.finding_id
    now = store.finding(fid)
    if now.damage == before.damage:
        return
    record = store.photo(now.photo_id)
    if record.photo is None:
        return
    measured = remeasured(now.finding, now.damage, record.photo, _camera_from_project(store))
    if measured is None:
        return
    store.update_finding_geometry(
        fid, now.finding.polygon_wkt, who, measures=dict(measured.measures), ground=measured.ground,
        kind=measured.kind, severity=measured.severity, review=now.review)


def run_review(args: argparse.Namespace) -> int:
    from roadinspect.core.store import ProjectError, Store

    try:
        store = Store.open(args.project, create=False)
    except ProjectError as exc:
        return _error(str(exc))
    try:
        try:
            rf = store.finding(args.finding)
        except KeyError:
            return _error(f"{args.project}: no finding {args.finding} (see the finding ids in findings.geojson "
                          "or the app)")
        fields = next_decision(rf, args.decision, args.note)
        review = store.set_review(args.finding, reviewer=args.who, **fields)
        _measure_as_class(store, rf, args.who)
        after = store.finding(args.finding)
    except (ProjectError, ValueError) as exc:
        return _error(str(exc))
    finally:
        store.close()
    print(printable(f"finding {args.finding}: {review.status.value} ({after.damage.label}) by {review.reviewer}"))
    return 0


def add_publish_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("publish", help="publish the survey to a PostGIS database (replaces its earlier publication)")
    p.add_argument("project", type=Path, help="project file")
    p.add_argument("--postgis", required=True, metavar="DSN",
                   help="a pg_service.conf service name, 'host=... dbname=...', a postgresql:// URI, or '' for the "
                        "PG* environment variables; the password comes from ~/.pgpass, PGPASSWORD or the DSN and is "
                        "never stored or shown")
    p.add_argument("--schema", default="roadinspect", help="database schema (default: roadinspect)")
    p.add_argument("--section-length", type=float, default=100.0, help="road section length in metres")
    p.set_defaults(handler=run_publish)


def run_publish(args: argparse.Namespace) -> int:
    from roadinspect.core.publish import PublishError, publish_project
    from roadinspect.core.sections import SectionSettings
    from roadinspect.core.store import ProjectError

    try:
        result = publish_project(args.project, args.postgis, schema=args.schema,
                                 section_settings=SectionSettings(length_m=args.section_length))
    except (PublishError, ProjectError, ValueError) as exc:
        return _error(str(exc))
    print(printable(f"published {result.survey_name} to {result.where}, schema {result.schema}: {result.sites} "
                    f"sites, {result.sections} sections, {result.findings} findings, {result.photos} photos"
                    + (f" (replaced {result.replaced} earlier rows)" if result.replaced else "")))
    return 0
