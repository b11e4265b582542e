"""Files shipped with brainview: shaders, embedded datasets, subsystem rules and lessons.

In a wheel, ``shaders/`` and ``assets/`` are installed inside the package; in a source checkout
they sit at the repository root. Both places are named explicitly, nothing is searched.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from brainview.errors import ParameterError

DEFAULT_DATASET = "celegans_hermaphrodite.h5"


def resource(kind: str, name: str) -> Path:
    """Path of the shipped file ``kind/name`` (``kind`` is "shaders" or "assets")."""
    if kind not in ("shaders", "assets"):
        raise ParameterError(f"unknown resource kind {kind!r}")
    packaged = Path(str(files("brainview"))) / kind / name
    if packaged.is_file():
        return packaged
    source = Path(__file__).resolve().parent.parent / kind / name
    if source.is_file():
        return source
    raise FileNotFoundError(f"brainview resource {kind}/{name} is missing from this installation")


def default_dataset_path() -> Path:
    """The embedded C. elegans connectome."""
    return resource("assets", DEFAULT_DATASET)


def subsystem_rules_path(dataset: str) -> Path:
    """The subsystem rule file ``assets/subsystems/<dataset>.toml``."""
    return resource("assets", f"subsystems/{dataset}.toml")


def subsystem_rule_names() -> tuple[str, ...]:
    """The shipped subsystem rule sets, by name (the file stems of ``assets/subsystems``)."""
    names: set[str] = set()
    for root in (Path(str(files("brainview"))) / "assets", Path(__file__).resolve().parent.parent / "assets"):
        folder = root / "subsystems"
        if folder.is_dir():
            names.update(path.stem for path in folder.glob("*.toml"))
    return tuple(sorted(names))


def lesson_paths() -> tuple[Path, ...]:
    """The shipped lesson files (``assets/lessons/*.toml``), sorted by name: the Lesson menu's order."""
    for root in (Path(str(files("brainview"))) / "assets", Path(__file__).resolve().parent.parent / "assets"):
        folder = root / "lessons"
        if folder.is_dir():
            return tuple(sorted(folder.glob("*.toml")))
    return ()
