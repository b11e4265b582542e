"""Write a file completely or not at all."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_output(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it to ``path``, else delete it.

    The temporary name is unique and lies in the target's folder, so the final rename is atomic
    and a failed or interrupted write never leaves a half-written ``path``. The file is created
    by the caller's writer with the user's usual permissions (unlike ``mkstemp``'s 0600).

    Examples
    --------
    >>> with atomic_output("brain.h5") as temporary:  # doctest: +SKIP
    ...     h5py.File(temporary, "w").close()
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
    try:
        yield temporary
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
