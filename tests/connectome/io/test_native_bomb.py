"""Decompression bombs: loading a crafted native file costs at most twice the data it declares.

The files come from ``bench/bench_hdf5_bomb.py`` (smaller than the benchmark's) and are each
loaded in a fresh process, which reports its peak resident memory and the peak of the
allocations tracemalloc sees, both over a warmed-up baseline, and the *accepted* size: the
bytes of the datasets the reader read after checking their shapes against the header. Peak
memory must stay under 2x the accepted size, and a file refused on its declared sizes must
cost next to nothing. Wall-clock time is printed, never asserted.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[3] / "bench" / "bench_hdf5_bomb.py"
CELLS, CONNECTIONS = 200_000, 2_000_000


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_hdf5_bomb", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def valid_file(bench, tmp_path_factory):
    path = tmp_path_factory.mktemp("bomb") / "valid.h5"
    bench.write_valid(path, CELLS, CONNECTIONS)
    return path


def measure(path: Path) -> dict:
    done = subprocess.run([sys.executable, str(BENCH), "--measure", str(path)], capture_output=True, text=True,
                          timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    print(path.name, figures)
    return figures


def assert_bounded(figures: dict) -> None:
    assert figures["accepted_mb"] > 20  # large enough that baseline noise does not decide
    for key in ("rss_peak_mb", "traced_peak_mb"):
        assert figures[key] < 2 * figures["accepted_mb"], (key, figures)


@pytest.mark.slow
def test_valid_file_loads_within_twice_its_size(valid_file):
    figures = measure(valid_file)
    assert figures["outcome"].startswith(f"loaded {CELLS} cells, {CONNECTIONS} connections")
    assert_bounded(figures)


@pytest.mark.slow
def test_chunk_inflating_to_256_mib_costs_no_more_than_the_declared_data(bench, valid_file, tmp_path):
    path = tmp_path / "inflate.h5"
    bench.write_inflate(valid_file, path, 256)  # HDF5's own gzip filter would allocate over 256 MiB
    figures = measure(path)
    assert "expands to more than" in figures["outcome"], figures
    assert_bounded(figures)


@pytest.mark.slow
def test_fill_value_and_duplicate_row_bombs_are_refused_before_reading(bench, valid_file, tmp_path):
    fill, rows = tmp_path / "fill.h5", tmp_path / "rows.h5"
    bench.write_fill(valid_file, fill)  # 2**36 connections declared, none stored
    bench.write_rows(rows, 20)  # 20 million self-connections of one cell, stored as zeros
    for path, message in ((fill, "chunks are stored"), (rows, "more than the 2 cells")):
        figures = measure(path)
        assert message in figures["outcome"], figures
        assert figures["accepted_mb"] < 1 and figures["rss_peak_mb"] < 16 and figures["traced_peak_mb"] < 16
