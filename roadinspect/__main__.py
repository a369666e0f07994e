"""``python -m roadinspect`` runs the command line (the GUI when no subcommand is given)."""

import sys

from roadinspect.cli import main

if __name__ == "__main__":
    sys.exit(main())
