"""Run a module or code like `python -m`/`-c` and report the process's own peak RSS.

The kernel's per-child figure (RUSAGE_CHILDREN) is a maximum over *all* children of the
caller, so each measured child reports its own instead, on stderr, at exit.
"""

from __future__ import annotations

import atexit
import resource
import runpy
import sys

MARKER = "PEAK_RSS_KB="


def _report() -> None:
    print(f"{MARKER}{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}", file=sys.stderr)


if __name__ == "__main__":
    atexit.register(_report)
    mode, target, *rest = sys.argv[1:]
    if mode == "-m":
        sys.argv = [target, *rest]
        runpy.run_module(target, run_name="__main__", alter_sys=True)
    else:
        sys.argv = ["-c", *rest]
        exec(compile(target, "<benchmark>", "exec"), {"__name__": "__main__"})
