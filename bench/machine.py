"""The machine a benchmark ran on, in one line, for the header every bench script prints."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def describe() -> str:
    """CPU model, logical core count and Python version, e.g. ``"AMD EPYC 7B13, 16 cores, Python 3.11.9"``.

    The model comes from /proc/cpuinfo where there is one (Linux), else from :mod:`platform`.
    """
    model = platform.processor() or platform.machine() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:  # no /proc (macOS, Windows): keep what platform said
        pass
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"
