"""Write a file completely or not at all, and clean up after writers that were killed."""

from __future__ import annotations

import os
import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

UNOWNED_PART_AGE_S = 24 * 3600
"""A temporary file that names no process (from an older brainview) is removed after this long."""


@contextmanager
def atomic_output(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it to ``path``, else delete it.

    The temporary name is unique and lies in the target's folder, so the final rename is atomic
    and a failed or interrupted write never leaves a half-written ``path``. The file is created
    by the caller's writer with the user's usual permissions (unlike ``mkstemp``'s 0600).

    The name holds the writing process's id: a writer killed before it could clean up (kill -9,
    a power cut) leaves its temporary file behind, and the next write of the same ``path``
    removes it once that process is gone (:func:`remove_stale_parts`).

    Examples
    --------
    >>> with atomic_output("brain.h5") as temporary:  # doctest: +SKIP
    ...     h5py.File(temporary, "w").close()
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_parts(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex}.part")
    try:
        yield temporary
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def remove_stale_parts(path: str | os.PathLike) -> list[Path]:
    """Delete the temporary files of writes of ``path`` whose process no longer runs.

    Returns the files removed. Files of live processes (a write still going on) are kept.
    """
    path = Path(path)
    pattern = re.compile(rf"^\.{re.escape(path.name)}\.(?:(\d+)-)?[0-9a-f]{{32}}\.part$")
    removed = []
    for candidate in path.parent.glob(f".{path.name}.*.part"):
        match = pattern.match(candidate.name)
        if match is None:
            continue
        pid = match.group(1)
        try:
            stale = not _process_runs(int(pid)) if pid else time.time() - candidate.stat().st_mtime > UNOWNED_PART_AGE_S
            if stale:
                candidate.unlink()
                removed.append(candidate)
        except FileNotFoundError:  # another writer cleaned it up first
            continue
    return removed


def _process_runs(pid: int) -> bool:
    if pid == os.getpid() or os.name == "nt":  # Windows' os.kill(pid, 0) would send Ctrl+C
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it runs, as another user
        return True
    return True
