"""Write a set of files that belong together (a SONATA circuit, a run and its network) all or none.

Each file is written to its own temporary name beside its target
(:func:`~brainview.connectome.io.atomic.atomic_output`); only when every one is complete are
they renamed into place, the first path given last, so that a reader that starts from it (a
circuit config naming the other files) never finds it before the files it names. A failure
before the renames deletes every temporary file, and a folder this write created for them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

from brainview.connectome.io.atomic import atomic_output


@contextmanager
def atomic_outputs(paths: Sequence[str | os.PathLike]) -> Iterator[list[Path]]:
    """Yield temporary paths for ``paths``; rename them all into place on success, else delete them.

    Parameters
    ----------
    paths : sequence of path-like
        The files to write, distinct. The first is renamed last: put the entry point (the file
        that names the others) first.

    Yields
    ------
    list of Path
        One temporary path per target, in the same order, each in its target's folder.
    """
    targets = [Path(p) for p in paths]
    if len({t.resolve() for t in targets}) != len(targets):
        raise ValueError(f"the files to write must be distinct, got {[str(t) for t in targets]}")
    created = _missing_folders(targets)
    try:
        with ExitStack() as stack:
            # Exit callbacks run last-in first-out: the first target is renamed last.
            yield [stack.enter_context(atomic_output(target)) for target in targets]
    except BaseException:
        for folder in created:  # deepest first; only folders this write made, and only if empty
            try:
                folder.rmdir()
            except OSError:
                pass
        raise


def _missing_folders(targets: list[Path]) -> list[Path]:
    """Folders above ``targets`` that do not exist yet, deepest first."""
    missing: set[Path] = set()
    for target in targets:
        folder = target.parent
        while not folder.exists() and folder != folder.parent:
            missing.add(folder)
            folder = folder.parent
    return sorted(missing, key=lambda p: len(p.parts), reverse=True)


@contextmanager
def writing(destination: str | os.PathLike) -> Iterator[None]:
    """Re-raise an OSError of writing ``destination`` as one that names it (not a temporary file).

    The message keeps the system's reason ("No space left on device", "Not a directory") and
    the path it was about when that is another one (a parent that is a file).
    """
    try:
        yield
    except OSError as error:
        if getattr(error, "filename", None) == str(destination):
            raise
        reason = " ".join((error.strerror or str(error) or type(error).__name__).split())[:300]
        other = error.filename
        if other and not str(other).endswith(".part") and Path(other) != Path(destination):
            reason += f" ({other})"
        raise OSError(error.errno, f"cannot write it: {reason}", str(destination)) from None
