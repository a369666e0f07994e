"""Make ``docs/screenshot.png``: the real window on the bundled samples, analysed by the shipped model.

Run under a virtual X server so the result is the real window as an inspector sees it::

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python docs/make_screenshot.py

The script starts the app on the demo project in a throw-away data folder, waits for the analysis,
records a few review decisions (so every status shows), opens a photo with a pothole and cracks, and
captures the X screen with ImageMagick's ``import -window root`` (QScreen.grabWindow when it is missing).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "screenshot.png"


def main() -> int:
    home = Path(tempfile.mkdtemp(prefix="roadinspect-shot-"))
    os.environ["XDG_DATA_HOME"] = str(home / "data")
    os.environ["XDG_CONFIG_HOME"] = str(home / "config")
    os.environ["XDG_CACHE_HOME"] = str(home / "cache")
    from PySide6.QtCore import QSettings

    from roadinspect.gui.app import create_application

    app = create_application([sys.argv[0]])
    settings = QSettings()
    settings.clear()
    settings.setValue("general/osm_tiles", False)  # no network here: the map is drawn on its own plane
    settings.setValue("general/language", "en")
    settings.setValue("review/reviewer", "A. Martin")
    from roadinspect.gui.i18n import apply_language
    from roadinspect.gui.main_window import MainWindow

    apply_language("en")
    window = MainWindow()
    window.setGeometry(0, 0, 1600, 1000)
    window.show()
    window.default_layout()

    def pump(seconds: float) -> None:
        end = time.time() + seconds
        while time.time() < end:
            app.processEvents()
            time.sleep(0.01)

    window.open_demo()
    start = time.time()
    pump(2)
    while window.is_busy() and time.time() - start < 600:
        pump(0.2)
    pump(1.5)
    session = window.session
    ids = session.photo_ids()
    # a few decisions, so the lists show every status
    decisions = iter(["accept", "accept", "reject", "accept", "accept"])
    for pid in ids[:4]:
        for rf in session.findings(pid):
            action = next(decisions, None)
            if action:
                window.review.review_finding(rf.finding.id, action)
    # the photo to show: the one with the most findings, a pothole among them
    def score(pid: int) -> tuple[int, int]:
        items = session.findings(pid)
        return (any(rf.finding.kind == "pothole" for rf in items), len(items))

    best = max(ids[4:] or ids, key=score)
    items = session.findings(best)
    pothole = next((rf for rf in items if rf.finding.kind == "pothole"), items[0] if items else None)
    window.review.show_photo(best, pothole.finding.id if pothole else None)
    pump(2.0)
    if pothole is not None:  # zoom on the damage, as an inspector does
        import shapely
        from PySide6.QtCore import QPointF

        x0, y0, x1, y1 = shapely.from_wkt(pothole.finding.polygon_wkt).bounds
        window.view.zoom_by(1.8)
        window.view.centerOn(QPointF((x0 + x1) / 2, (y0 + y1) / 2 - 40))
    pump(2.0)
    if shutil.which("import") and os.environ.get("DISPLAY"):
        subprocess.run(["import", "-window", "root", str(OUT)], check=True)
    else:
        window.screen().grabWindow(0).save(str(OUT))
    print(f"wrote {OUT}")
    window.close()
    shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
