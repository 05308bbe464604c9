"""Run a module or code like `python -m`/`-c` and report the process's own peak RSS.

The kernel's per-child figure (RUSAGE_CHILDREN) is a maximum over *all* children of the
caller, so each measured child reports its own instead, on stderr, at exit. Its own is
`VmHWM`, not `ru_maxrss`: Linux carries `ru_maxrss` across fork and exec, so a child of a
parent that once held 8 GB (having built a warehouse, say) would report 8 GB.
"""

from __future__ import annotations

import atexit
import resource
import runpy
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

MARKER = "PEAK_RSS_KB="


@dataclass
class Measure:
    seconds: float
    peak_mb: float
    output: str


def run_child(args: list[str]) -> Measure:
    """Run `python <args>` in a child process that reports its own peak memory."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.peak", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 3):  # 3: done, with rows quarantined
        raise RuntimeError(f"{args[:3]} failed:\n{done.stdout}\n{done.stderr}")
    peak_kb = int(done.stderr.rsplit(MARKER, 1)[1].split()[0])
    return Measure(seconds, peak_kb / 1024, done.stdout)


def _peak_kb() -> int:
    """This process's own peak resident memory in kB, counted from its exec."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _report() -> None:
    print(f"{MARKER}{_peak_kb()}", file=sys.stderr)


if __name__ == "__main__":
    atexit.register(_report)
    mode, target, *rest = sys.argv[1:]
    if mode == "-m":
        sys.argv = [target, *rest]
        runpy.run_module(target, run_name="__main__", alter_sys=True)
    else:
        sys.argv = ["-c", *rest]
        exec(compile(target, "<benchmark>", "exec"), {"__name__": "__main__"})
