"""Run a RoadInspect entry point under a network monitor (a child process of ``tests/test_offline.py``).

``python tests/network_monitor.py OUT.json analyze ARGS...`` runs ``roadinspect analyze ARGS...``;
``python tests/network_monitor.py OUT.json app PROJECT SECONDS`` starts the app on PROJECT and quits
after SECONDS; ``... OUT.json ovc`` imports OpenVINO as RoadInspect does and runs what its model
conversion runs on first use (start the telemetry, send an event). Every attempt to reach a non-loopback address
is recorded in OUT.json with the stack that made it:

* Python's socket layer, through an audit hook (``sys.addaudithook``): ``socket.getaddrinfo``,
  ``socket.gethostbyname``, ``socket.connect``, ``socket.sendto``, ``socket.sendmsg``, ``http.client.connect``,
  ``urllib.Request`` (OpenVINO's telemetry and any pure-Python client go through these);
* Qt's network layer, where the map would fetch tiles: every request of a ``QNetworkAccessManager``
  is recorded and sent to a closed local port instead, so nothing leaves even when the test fails.

Loopback addresses, ``localhost`` and Unix sockets are allowed.
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import sys
import traceback
from pathlib import Path

violations: list[dict[str, object]] = []
facts: dict[str, object] = {}


def _local_host(host: object) -> bool:
    if host is None or host in ("", b""):
        return True  # a passive lookup (bind to any)
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    host = str(host).strip("[]").split("%")[0]
    if host.lower() in ("localhost", "localhost.localdomain", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name to resolve: that is a DNS query leaving the PC


def _record(event: str, target: object) -> None:
    stack = [f"{f.filename}:{f.lineno} {f.name}" for f in traceback.extract_stack()[-12:-2]]
    violations.append({"event": event, "target": repr(target), "stack": stack})


def _hook(event: str, args: tuple) -> None:
    if event in ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex"):
        if not _local_host(args[0]):
            _record(event, args[0])
    elif event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
        address = args[1] if len(args) > 1 else None
        sock = args[0]
        if getattr(sock, "family", None) == getattr(socket, "AF_UNIX", object()) or address is None:
            return
        host = address[0] if isinstance(address, tuple) else address
        if not _local_host(host):
            _record(event, address)
    elif event == "http.client.connect":
        if not _local_host(args[1]):
            _record(event, (args[1], args[2]))
    elif event == "urllib.Request":
        _record(event, args[0])  # any URL request, local or not, has no place in an offline app


def _watch_qt_network() -> None:
    from PySide6 import QtNetwork
    from PySide6.QtCore import QUrl

    class WatchedAccessManager(QtNetwork.QNetworkAccessManager):
        def createRequest(self, op, request, outgoing=None):
            url = request.url()
            if not _local_host(url.host()):
                _record("QNetworkAccessManager", url.toString())
                request = QtNetwork.QNetworkRequest(request)
                request.setUrl(QUrl("http://127.0.0.1:9/blocked"))  # the discard port: nothing leaves
            return super().createRequest(op, request, outgoing)

    QtNetwork.QNetworkAccessManager = WatchedAccessManager


def run_analyze(argv: list[str]) -> int:
    from roadinspect.cli import main

    code = main(["analyze", *argv])
    facts["openvino_imported"] = "openvino" in sys.modules
    facts["telemetry_usable"] = sys.modules.get("openvino_telemetry") is not None
    return code


def run_openvino_conversion_telemetry() -> int:
    """What OpenVINO's model conversion does on first use: start its telemetry and send an event."""
    import time

    from roadinspect.core.backends import import_openvino

    import_openvino()
    from openvino.tools.ovc import telemetry_utils

    telemetry = telemetry_utils.init_ovc_telemetry()
    telemetry.start_session("ovc")
    telemetry.send_event("ovc", "version", "roadinspect-test")
    telemetry.end_session("ovc")
    time.sleep(1.0)  # the sender is a thread pool: give it time to try
    if hasattr(telemetry, "force_shutdown"):
        telemetry.force_shutdown(2.0)
    facts["telemetry_usable"] = sys.modules.get("openvino_telemetry") is not None
    return 0


def run_app(project: str, seconds: float) -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from roadinspect.gui import app as gui_app

    application = gui_app.create_application()

    def finish() -> None:
        windows = [w for w in QApplication.topLevelWidgets() if w.objectName() == "MainWindow"]
        if windows:
            window = windows[0]
            facts["map_photos"] = len(window.map.photo_ids())
            facts["project_open"] = window.session is not None
            facts["tiles_enabled"] = bool(window.map.tiles.enabled)
        application.quit()

    QTimer.singleShot(int(seconds * 1000), finish)
    return gui_app.run_app(Path(project))


def main() -> int:
    out, mode, *rest = sys.argv[1:]
    if mode == "app":
        _watch_qt_network()
    sys.addaudithook(_hook)
    try:
        if mode == "analyze":
            code = run_analyze(rest)
        elif mode == "ovc":
            code = run_openvino_conversion_telemetry()
        else:
            code = run_app(rest[0], float(rest[1]))
    finally:
        Path(out).write_text(json.dumps({"violations": violations, "facts": facts}), encoding="utf-8")
    return code


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.exit(main())
