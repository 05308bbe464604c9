"""Write benchmark figures into docs/benchmarks.md, one section per benchmark."""

from __future__ import annotations

import os
import platform
import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
_HEADER = (
    "# Benchmarks\n\n"
    "Figures written by the scripts in `benchmarks/` (never run as tests). Each compares\n"
    "against a baseline measured in the same run, so the ratio matters more than seconds.\n"
)


def machine_description() -> str:
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        cpu = found.group(1).strip() if found else cpu
    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    system = f"{platform.system()} {platform.machine()}"
    return f"{system}, {cpu}, {os.cpu_count()} cores, {memory_gb:.0f} GB"


def write_section(title: str, body: str) -> None:
    """Replace (or add) the `## title` section of docs/benchmarks.md."""
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else _HEADER
    section = f"## {title}\n\n{body}"
    pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.S | re.M)
    text = (
        pattern.sub(section + "\n", text)
        if pattern.search(text)
        else text.rstrip() + "\n\n" + section
    )
    DOC.write_text(text, encoding="utf-8")
