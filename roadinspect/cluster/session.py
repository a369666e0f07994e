"""Connecting to Ray: imported only when ``--ray`` is given, usage statistics off, one clear line when it fails.

:func:`import_ray` switches Ray's usage statistics off *before* Ray is imported
(``RAY_USAGE_STATS_ENABLED=0``: Ray would otherwise report cluster metadata to its authors; nothing may
leave the département) and turns a missing Ray into :class:`ClusterError` naming the ``cluster`` extra.
:func:`connect` starts a local Ray on this machine (``address=None``: the photos are analysed by worker
processes here) or joins a running cluster (``auto``: the cluster this machine is part of, from
``RAY_ADDRESS`` or the head started here with ``ray start``; ``HOST:PORT``: the head's address). The
dashboard is never started by RoadInspect (``include_dashboard=False``), worker logs are not streamed to
the terminal (errors come back per photo), and an address that does not answer is refused within
:data:`CONNECT_TIMEOUT_S` seconds with one line instead of Ray's own retries.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass, field
from typing import Any

CONNECT_TIMEOUT_S = 10.0
"""Seconds allowed to reach a cluster's head (TCP) and then to join it."""
USAGE_STATS_ENV = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_USAGE_STATS_PROMPT_ENABLED": "0"}
"""Set before Ray is imported, in this process and so in the local workers it starts."""
EXTRA_HINT = 'pip install "roadinspect[cluster]"'


class ClusterError(RuntimeError):
    """The cluster cannot be used (Ray missing, unreachable address, no GPU for --device cuda, workers refused)."""


def import_ray() -> Any:
    """Import Ray with its usage statistics switched off; :class:`ClusterError` naming the extra if it is missing."""
    os.environ.update(USAGE_STATS_ENV)
    try:
        import ray
    except ImportError as exc:
        raise ClusterError(f"Ray is not installed: --ray needs the cluster extra ({EXTRA_HINT}); {exc}") from None
    return ray


def parse_address(address: str) -> tuple[str, int]:
    """``HOST:PORT`` -> ``(host, port)``; :class:`ClusterError` for anything else."""
    host, sep, port = address.strip().rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ClusterError(f"--ray {address!r}: expected auto or HOST:PORT of the Ray head (e.g. 10.1.2.3:6379)")
    return host, int(port)


def _reachable(host: str, port: int, timeout: float) -> None:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except TimeoutError:
        raise ClusterError(f"cannot reach the Ray cluster at {host}:{port}: no answer within {timeout:g} s "
                           "(is `ray start --head` running there, and the port open?)") from None
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        raise ClusterError(f"cannot reach the Ray cluster at {host}:{port}: {reason} "
                           "(is `ray start --head` running there, and the port open?)") from None


@dataclass
class Session:
    """A connection to Ray: ``local`` when this process started it (it stops at :meth:`close`)."""

    ray: Any
    address: str
    local: bool
    resources: dict[str, float] = field(default_factory=dict)
    owned: bool = True
    """Connected by :func:`connect` (and so disconnected by :meth:`close`)."""

    @property
    def cpus(self) -> int:
        return int(self.resources.get("CPU", 0))

    @property
    def gpus(self) -> int:
        return int(self.resources.get("GPU", 0))

    def nodes(self) -> int:
        return sum(1 for n in self.ray.nodes() if n.get("Alive"))

    def close(self) -> None:
        """Disconnect (a local Ray started here stops with its workers; a joined cluster keeps running)."""
        if self.owned and self.ray.is_initialized():
            self.ray.shutdown()


def connect(address: str | None = None, *, num_cpus: int | None = None, num_gpus: int | None = None,
            object_store_bytes: int | None = None, timeout_s: float = CONNECT_TIMEOUT_S) -> Session:
    """Start a local Ray (``address`` None) or join a cluster (``auto`` or ``HOST:PORT``).

    ``num_cpus``/``num_gpus``/``object_store_bytes`` size a local Ray (None: Ray's defaults, every core).

    Raises:
        ClusterError: Ray missing, a malformed or unreachable address (within ``timeout_s``), or Ray refused.
    """
    ray = import_ray()
    kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.ERROR,
                              "configure_logging": True}
    if address is None:
        kwargs.update(address="local", num_cpus=num_cpus, num_gpus=num_gpus, object_store_memory=object_store_bytes)
        where = "local"
    elif address.strip().lower() == "auto":
        kwargs["address"] = "auto"
        where = "auto"
    else:
        host, port = parse_address(address)
        _reachable(host, port, timeout_s)
        kwargs["address"] = f"{host}:{port}"
        where = f"{host}:{port}"
    if ray.is_initialized():  # this process is already connected (the test suite's cluster): use it as it is
        return Session(ray, "this process's Ray", False, dict(ray.cluster_resources()), owned=False)
    try:
        ray.init(**{k: v for k, v in kwargs.items() if v is not None})  # the main thread: Ray wants it
    except Exception as exc:  # noqa: BLE001 - every way Ray refuses becomes one line
        text = str(exc).strip().splitlines()[0].rstrip(".") if str(exc).strip() else type(exc).__name__
        if where == "auto":
            raise ClusterError(f"no running Ray cluster found (--ray auto): {text}; start one with "
                               "`ray start --head` or give HOST:PORT") from None
        doing = "start a local Ray" if address is None else f"join the Ray cluster at {where}"
        raise ClusterError(f"cannot {doing}: {text}") from None
    return Session(ray, where, address is None, dict(ray.cluster_resources()))


__all__ = ["CONNECT_TIMEOUT_S", "ClusterError", "Session", "connect", "import_ray", "parse_address"]
