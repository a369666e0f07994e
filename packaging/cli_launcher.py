"""Entry script of ``roadinspect-cli``: a console front for the ``RoadInspect`` program next to it.

Why: on Windows a program is either a console program or a windowed one. ``RoadInspect.exe`` is windowed
(no console window flashing up when an inspector opens the app); ``roadinspect-cli.exe`` is the console
program for ``--self-test`` and the subcommands. Building it from the whole application would embed a second
copy of the application's Python archive (about 30 MiB); this launcher imports only the standard library, so
its own archive is tiny, and it runs ``RoadInspect`` with the same arguments:

* the console's standard handles are passed explicitly (``stdin``/``stdout``/``stderr`` given to
  :func:`subprocess.run`, which makes Windows start the child with ``STARTF_USESTDHANDLES``), so the windowed
  program reads and writes this console, or the files and pipes it was redirected to;
* ``ROADINSPECT_CONSOLE=1`` tells the child it was started from a console (``packaging/launcher.py`` then
  attaches to this console on Windows when the handles did not reach it);
* it waits and exits with the child's exit code; Ctrl+C (which a windowed child does not receive) stops the
  child and exits with 130.
"""

import os
import subprocess
import sys

CONSOLE_ENV = "ROADINSPECT_CONSOLE"
GUI_NAME = "RoadInspect.exe" if sys.platform == "win32" else "RoadInspect"


def main() -> int:
    """Run the GUI program next to this one with this process's arguments and standard handles."""
    program = os.path.join(os.path.dirname(os.path.abspath(sys.executable)), GUI_NAME)
    if not os.path.isfile(program):
        print(f"roadinspect-cli: {program} is missing: reinstall RoadInspect", file=sys.stderr)
        return 2
    env = dict(os.environ, **{CONSOLE_ENV: "1"})
    child = subprocess.Popen([program, *sys.argv[1:]], stdin=sys.stdin, stdout=sys.stdout, stderr=sys.stderr,
                             env=env)
    try:
        return child.wait()
    except KeyboardInterrupt:
        child.terminate()
        child.wait()
        return 130


if __name__ == "__main__":
    sys.exit(main())
