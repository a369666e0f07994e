"""``roadinspect analyze ... --ray [ADDRESS]``: the command line's side of the cluster path (``roadinspect.cluster``).

Ray is imported only when ``--ray`` is given; without the ``cluster`` extra that is one line naming it.
The cluster is reached (or a local Ray started) *before* the photos are scanned, so a wrong address or a
missing Ray costs nothing; ``--device cuda`` on a cluster without GPU, or workers whose weights are not the
driver's, are one line too (exit 2) and leave the project as it was.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from roadinspect.core.text import printable


def _photo_root(text: str) -> tuple[str, str]:
    from roadinspect.cluster.driver import parse_photo_root

    try:
        return parse_photo_root(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= 4096:
        raise argparse.ArgumentTypeError(f"must be between 1 and 4096, got {value}")
    return value


def add_cluster_options(p: argparse.ArgumentParser) -> None:
    """The ``--ray`` options of ``analyze``."""
    p.add_argument("--ray", nargs="?", const="", metavar="ADDRESS",
                   help="analyse on Ray workers (extra: pip install \"roadinspect[cluster]\"): without ADDRESS a local "
                        "Ray on this machine; auto or HOST:PORT joins a running cluster (docs/cluster.md)")
    p.add_argument("--photo-root", type=_photo_root, action="append", default=[], metavar="OLD=NEW",
                   help="with --ray: photos under OLD on this machine are read at NEW on the workers (repeatable)")
    p.add_argument("--workers", type=_positive, metavar="N",
                   help="with --ray: worker processes (default: one per --worker-cpus CPUs of the cluster, or one "
                        "per GPU)")
    p.add_argument("--worker-cpus", type=_positive, default=1, metavar="N",
                   help="with --ray: CPUs (network threads) per CPU worker (default 1)")


def check_cluster_args(args: argparse.Namespace) -> str | None:
    """Why the cluster options cannot be used together (None: they can)."""
    if getattr(args, "ray", None) is None and (args.photo_root or args.workers):
        return "--photo-root and --workers need --ray"
    return None


class ClusterRun:
    """The cluster of one ``analyze --ray`` command: connected first, then used for the analysis, then closed."""

    def __init__(self, args: argparse.Namespace) -> None:
        from roadinspect.cluster.driver import ClusterOptions
        from roadinspect.cluster.session import connect
        from roadinspect.cluster.worker import model_spec

        self.args = args
        address = args.ray or None
        self.options = ClusterOptions(address=address, workers=args.workers, worker_cpus=args.worker_cpus,
                                      device=args.device, photo_roots=tuple(args.photo_root))
        self.spec = model_spec(args.weights, backend=getattr(args, "backend", None),
                               precision=getattr(args, "precision", None))
        self.session = connect(address)
        self.summary: Any = None

    def analyze(self, store: Any, photo_ids: list[int], progress: Any, cancel: Any, camera: Any) -> Any:
        from roadinspect.cluster.driver import analyze_on_cluster

        print(printable(f"Ray: {self.session.address}, {self.session.cpus} CPUs and {self.session.gpus} GPUs on "
                        f"{self.session.nodes()} node(s)"), file=sys.stderr)
        self.summary = analyze_on_cluster(store, photo_ids, self.spec, progress, cancel, options=self.options,
                                          camera=camera, session=self.session)
        return self.summary

    def lines(self) -> list[str]:
        """Summary lines of the cluster's side (workers and their photo counts)."""
        s = self.summary
        if s is None or not getattr(s, "workers", None):
            return []
        out = [f"Ray workers: {len(s.workers)} on {s.address}"
               + (f"; {s.resent} photo(s) sent again after a worker stopped" if s.resent else "")]
        names = list(s.workers) + [n for n in s.per_worker if n not in s.workers]  # restarted workers too
        out += [f"  {name}: {s.per_worker.get(name, 0)} photos" for name in names]
        return out

    def close(self) -> None:
        self.session.close()


def open_cluster(args: argparse.Namespace) -> ClusterRun | None:
    """Reach the cluster (or start a local Ray) for ``args``; None after printing one error line."""
    from roadinspect.cluster.session import ClusterError
    from roadinspect.cluster.worker import ModelSpecError

    try:
        return ClusterRun(args)
    except (ClusterError, ModelSpecError) as exc:
        print(printable(f"roadinspect: error: {exc}"), file=sys.stderr)
        return None


__all__ = ["ClusterRun", "add_cluster_options", "check_cluster_args", "open_cluster"]
