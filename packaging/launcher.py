"""Entry script of the frozen app (PyInstaller): the same ``roadinspect`` command line as the wheel's.

``RoadInspect`` (no console on Windows) opens the GUI; ``roadinspect-cli`` (console) is the same program
for ``--self-test`` and the subcommands. Both share one ``_internal`` folder.
"""

import multiprocessing
import sys

from roadinspect.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
