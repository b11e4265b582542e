"""Atomic writes leave either the whole file or nothing, and clean up after killed writers."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from brainview.connectome.io.atomic import UNOWNED_PART_AGE_S, atomic_output

KILLED_WRITER = """
import os, sys
from brainview.connectome.io.atomic import atomic_output
with atomic_output(sys.argv[1]) as temporary:
    temporary.write_bytes(b"x" * 100_000)
    os._exit(9)  # like kill -9: no cleanup runs
"""


def _parts(folder):
    return sorted(p.name for p in folder.glob(".*.part"))


def test_a_killed_writers_temporary_file_is_removed_by_the_next_write(tmp_path):
    target = tmp_path / "brain.h5"
    subprocess.run([sys.executable, "-c", KILLED_WRITER, str(target)], check=False)
    assert len(_parts(tmp_path)) == 1 and not target.exists()
    with atomic_output(target) as temporary:
        temporary.write_bytes(b"done")
    assert _parts(tmp_path) == [] and target.read_bytes() == b"done"


def test_a_write_in_progress_elsewhere_is_left_alone(tmp_path):
    target = tmp_path / "brain.h5"
    writer = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live = tmp_path / f".brain.h5.{writer.pid}-{'0' * 32}.part"
        live.write_bytes(b"half")
        with atomic_output(target) as temporary:
            temporary.write_bytes(b"done")
        assert live.exists()
    finally:
        writer.kill()
        writer.wait()


def test_old_unowned_parts_go_after_a_day_and_other_files_stay(tmp_path):
    target = tmp_path / "brain.h5"
    old = tmp_path / f".brain.h5.{'a' * 32}.part"
    recent = tmp_path / f".brain.h5.{'b' * 32}.part"
    unrelated = tmp_path / ".brain.h5.notes.part"
    for path in (old, recent, unrelated):
        path.write_bytes(b"")
    past = time.time() - UNOWNED_PART_AGE_S - 60
    os.utime(old, (past, past))
    with atomic_output(target) as temporary:
        temporary.write_bytes(b"done")
    assert not old.exists() and recent.exists() and unrelated.exists()


def test_a_failed_write_leaves_nothing(tmp_path):
    target = tmp_path / "brain.h5"
    with pytest.raises(RuntimeError), atomic_output(target) as temporary:
        temporary.write_bytes(b"half")
        raise RuntimeError("disk full")
    assert list(tmp_path.iterdir()) == []
