"""Experiment files: an :class:`~brainview.experiment.Experiment` as versioned, human-readable TOML.

Layout (schema ``brainview-experiment``, version :data:`SCHEMA_VERSION`)::

    schema = "brainview-experiment"
    schema_version = 1
    brainview_version = "0.1.0"

    [dataset]              source = "embedded" or "file"; path (for a file); name; digest; digest_name
    [model]                name, dt_ms, seed; [model.params] overrides, e.g. w_syn_mV = 1.4;
                           [model.plasticity] the rule of a plastic run (brainview.experiment.plasticity_table)
    [[lesions]]            key, label, mode ("silence" / "ablate")    (+ ids, see below)
    [[stimuli]]            key, label, rate_Hz, on                     (+ ids)
    [[groups]]             key, label: traced population rates         (+ ids)
    [recording]            probe_ids: cells whose voltage is traced
    [view]                 color_by, selected_id, hidden_ids, [view.camera], [view.colours]
    [[log]]                step, kind ("lesion" / "stimulus"), key, label, and the entry then in
                           force: mode, or rate_Hz and on; "lifted" = true when there was none

Cells are named by their set's key (see :mod:`brainview.experiment.cells`); a set whose key
does not say its cells carries ``ids``, the cells' source ids. Paths of dataset files are
written absolute; on open, a missing dataset is also looked for beside the experiment file.
The file is written atomically: a failed save leaves the previous file as it was.
"""

from __future__ import annotations

import math
import os
import tomllib
from pathlib import Path

import numpy as np
import tomli_w

from brainview.connectome import Connectome
from brainview.connectome.io.atomic import atomic_output
from brainview.connectome.io.errors import FormatError
from brainview.errors import BrainviewError
from brainview.experiment.cells import cells_from_key, resolvable
from brainview.experiment.plasticity_table import parse_plasticity, plasticity_table
from brainview.experiment.model import (
    CellSet, DatasetRef, Experiment, LesionEntry, LogRecord, StimulusEntry, ViewState,
)

SCHEMA = "brainview-experiment"
SCHEMA_VERSION = 1


class DatasetNotFoundError(FormatError):
    """The experiment's dataset is not where the file says (nor beside the file)."""

    def __init__(self, path: str | os.PathLike, dataset: DatasetRef) -> None:
        self.dataset = dataset
        super().__init__(path, f"its dataset {dataset.path} is missing; choose where it is now")


class DatasetChangedError(FormatError):
    """The file at the experiment's dataset path holds another network than the one it ran on."""

    def __init__(self, path: str | os.PathLike, dataset: DatasetRef, found: Path, digest: str) -> None:
        self.dataset, self.found, self.digest = dataset, found, digest
        super().__init__(
            path,
            f"{found} is not the dataset this experiment was made on (its contents changed: "
            f"{dataset.digest_name} {digest[:12]}..., expected {dataset.digest[:12]}...); choose the original",
        )


# -- writing ---------------------------------------------------------------------------------------
def generate_experiment(experiment: Experiment) -> dict:
    """The TOML document of ``experiment``, as a dict of plain values."""
    from brainview import __version__

    connectome = experiment.connectome
    dataset = experiment.dataset
    document: dict = {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "brainview_version": __version__,
        "dataset": {
            "source": "embedded" if dataset.path is None else "file",
            **({"path": dataset.path} if dataset.path is not None else {}),
            "name": dataset.name,
            "digest": dataset.digest,
            "digest_name": dataset.digest_name,
        },
        "model": {"name": experiment.model, "dt_ms": experiment.dt_ms, "seed": experiment.seed,
                  "params": dict(experiment.params),
                  **({"plasticity": plasticity_table(experiment.plasticity, experiment.plasticity_by)}
                     if experiment.plasticity is not None else {})},
        "lesions": [_cells(connectome, e.cells) | {"mode": e.mode.value} for e in experiment.lesions.values()],
        "stimuli": [
            _cells(connectome, e.cells) | {"rate_Hz": e.rate_Hz, "on": e.on} for e in experiment.stimuli.values()
        ],
        "groups": [_cells(connectome, cells) for cells in experiment.groups.values()],
        "recording": {"probe_ids": _ids(connectome, experiment.probes)},
        "view": _view(connectome, experiment),
        "log": [_log(connectome, record) for record in experiment.log],
    }
    return document


def write_experiment(experiment: Experiment, path: str | os.PathLike) -> Path:
    """Write ``experiment`` to ``path`` (a .toml file), atomically; returns the path."""
    path = Path(path)
    text = tomli_w.dumps(generate_experiment(experiment))
    with atomic_output(path) as temporary:
        temporary.write_text(text, encoding="utf-8")
    return path


def _ids(connectome: Connectome, rows) -> list[int]:
    return [int(i) for i in connectome.ids[np.asarray(rows, dtype=np.int64)]]


def _cells(connectome: Connectome, cells: CellSet) -> dict:
    entry = {"key": cells.key, "label": cells.label}
    # A subsystem group depends on the rules in force (the user's own, edited in the app): its
    # cells are written too, so that the file reopens on the same cells whatever rules apply then.
    if not resolvable(cells.key) or cells.key.startswith(("subsystem=", "subsystem:")):
        entry["ids"] = _ids(connectome, cells.rows)
    return entry


def _view(connectome: Connectome, experiment: Experiment) -> dict:
    view = experiment.view
    table: dict = {"hidden_ids": _ids(connectome, view.hidden), "camera": dict(view.camera),
                   "colours": dict(view.colours)}
    if view.color_by is not None:
        table["color_by"] = view.color_by
    if view.selected >= 0:
        table["selected_id"] = int(connectome.ids[view.selected])
    return table


def _log(connectome: Connectome, record: LogRecord) -> dict:
    entry = record.entry
    table = {"step": record.step, "kind": record.kind}
    if entry is None:
        return table | {"key": record.key, "label": "", "lifted": True}
    table |= _cells(connectome, entry.cells)
    if isinstance(entry, LesionEntry):
        return table | {"mode": entry.mode.value}
    return table | {"rate_Hz": entry.rate_Hz, "on": entry.on}


# -- reading ---------------------------------------------------------------------------------------
def read_experiment_header(path: str | os.PathLike) -> tuple[dict, DatasetRef]:
    """The parsed document and its dataset reference, checked for schema and version only.

    Raises
    ------
    FormatError
        If the file is missing, not UTF-8 TOML, not a brainview experiment, or of a newer version.
    """
    path = Path(path)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FormatError(path, "no such experiment file") from None
    except (UnicodeDecodeError, IsADirectoryError, PermissionError) as error:
        raise FormatError(path, f"cannot be read as an experiment file: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise FormatError(path, f"not valid TOML: {error}") from None
    if document.get("schema") != SCHEMA:
        found = document.get("schema")
        raise FormatError(path, f"not a brainview experiment (schema is {found!r}, expected {SCHEMA!r})")
    version = document.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise FormatError(path, f"schema_version must be a whole number, was {version!r}")
    if version > SCHEMA_VERSION:
        raise FormatError(
            path, f"schema_version {version} is newer than this brainview reads ({SCHEMA_VERSION}); upgrade brainview"
        )
    table = _table(path, document, "dataset")
    source = _get(path, table, "source", str, "dataset")
    if source not in ("embedded", "file"):
        raise FormatError(path, f"dataset source must be 'embedded' or 'file', was {source!r}", column="dataset")
    dataset = DatasetRef(
        _get(path, table, "path", str, "dataset") if source == "file" else None,
        _get(path, table, "digest", str, "dataset"),
        str(table.get("name", "")),
        str(table.get("digest_name", "sha256")),
    )
    return document, dataset


def locate_dataset(path: str | os.PathLike, dataset: DatasetRef) -> Path:
    """Where the dataset of the experiment file ``path`` is now.

    The recorded path, else a file of the same name beside the experiment file, else
    :class:`DatasetNotFoundError`.
    """
    from brainview.resources import default_dataset_path

    if dataset.path is None:
        return default_dataset_path()
    recorded = Path(dataset.path)
    if recorded.exists():
        return recorded
    beside = Path(path).resolve().parent / recorded.name
    if beside.exists():
        return beside
    raise DatasetNotFoundError(path, dataset)


def read_experiment(
    path: str | os.PathLike, dataset_path: str | os.PathLike | None = None, progress=None
) -> Experiment:
    """Open an experiment file, its dataset checked by digest.

    Parameters
    ----------
    path : path-like
        The .toml file.
    dataset_path : path-like, optional
        Where the dataset is, when it is no longer at the recorded path (the user chose it).
    progress : callable, optional
        ``progress(fraction, message)`` while the dataset is read.

    Raises
    ------
    DatasetNotFoundError, DatasetChangedError
        When the dataset is missing or holds another network (both FormatErrors, with the
        expected :class:`DatasetRef` attached, so the caller can ask the user where it is).
    FormatError
        For any other problem of the file, naming it.
    """
    import brainview
    from brainview.connectome.digest import connectome_digest

    path = Path(path)
    document, dataset = read_experiment_header(path)
    source = Path(dataset_path) if dataset_path is not None else locate_dataset(path, dataset)
    connectome = brainview.load(source, progress=progress)
    digest = connectome_digest(connectome)
    if digest != dataset.digest:
        raise DatasetChangedError(path, dataset, source, digest)
    if dataset.path is not None:
        dataset = DatasetRef(str(source.resolve()), dataset.digest, dataset.name, dataset.digest_name)
    return parse_experiment(document, connectome, dataset, path)


def parse_experiment(
    document: dict, connectome: Connectome, dataset: DatasetRef, path: str | os.PathLike
) -> Experiment:
    """The experiment a document describes, on ``connectome`` (already checked to be its dataset)."""
    try:
        return _parse(document, connectome, dataset, Path(path))
    except FormatError:
        raise
    except BrainviewError as error:  # a key that selects nothing, a bad rate or mode...
        raise FormatError(path, str(error)) from None


def _parse(document: dict, connectome: Connectome, dataset: DatasetRef, path: Path) -> Experiment:
    model = _table(path, document, "model")
    params = _table(path, model, "params", required=False)
    for name, value in params.items():
        _number(path, value, f"model.params.{name}")
    experiment = Experiment(
        connectome, dataset,
        params={name: float(value) for name, value in params.items()},
        dt_ms=_number(path, model.get("dt_ms", 0.1), "model.dt_ms"),
        seed=_get(path, model, "seed", int, "model") if "seed" in model else 0,
        model=str(model.get("name", "shiu")),
    )
    if "plasticity" in model:
        experiment.plasticity, experiment.plasticity_by = parse_plasticity(
            model["plasticity"], lambda problem, key: FormatError(path, problem, column="model.plasticity"))
    for table in _tables(path, document, "lesions"):
        cells = _cell_set(path, connectome, table, "lesions")
        experiment.lesions[cells.key] = LesionEntry(cells, _get(path, table, "mode", str, "lesions"))
    for table in _tables(path, document, "stimuli"):
        cells = _cell_set(path, connectome, table, "stimuli")
        rate = _number(path, table.get("rate_Hz"), "stimuli.rate_Hz")
        experiment.stimuli[cells.key] = StimulusEntry(cells, rate, bool(table.get("on", True)))
    for table in _tables(path, document, "groups"):
        cells = _cell_set(path, connectome, table, "groups")
        experiment.groups[cells.key] = cells
    recording = _table(path, document, "recording", required=False)
    experiment.probes = [int(r) for r in _rows(path, connectome, recording.get("probe_ids", []), "recording.probe_ids")]
    view = _table(path, document, "view", required=False)
    selected = view.get("selected_id")
    experiment.view = ViewState(
        color_by=view.get("color_by"),
        selected=int(_rows(path, connectome, [selected], "view.selected_id")[0]) if selected is not None else -1,
        camera=dict(_table(path, view, "camera", required=False)),
        colours={str(k): str(v) for k, v in _table(path, view, "colours", required=False).items()},
        hidden=_rows(path, connectome, view.get("hidden_ids", []), "view.hidden_ids"),
    )
    for table in _tables(path, document, "log"):
        step = _get(path, table, "step", int, "log")
        kind = _get(path, table, "kind", str, "log")
        if kind not in ("lesion", "stimulus") or step < 0:
            raise FormatError(
                path, f"a log entry needs kind 'lesion' or 'stimulus' and a step >= 0, got {kind!r} at {step}",
                column="log",
            )
        if table.get("lifted"):
            experiment.log.append(LogRecord(step, kind, _get(path, table, "key", str, "log"), None))
            continue
        cells = _cell_set(path, connectome, table, "log")
        if kind == "lesion":
            entry = LesionEntry(cells, _get(path, table, "mode", str, "log"))
        else:
            entry = StimulusEntry(cells, _number(path, table.get("rate_Hz"), "log.rate_Hz"), bool(table.get("on", True)))
        experiment.log.append(LogRecord(step, kind, cells.key, entry))
    return experiment


def _table(path: Path, parent: dict, name: str, required: bool = True) -> dict:
    value = parent.get(name)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise FormatError(path, f"[{name}] must be a table", column=name)
    return value


def _tables(path: Path, parent: dict, name: str) -> list[dict]:
    value = parent.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise FormatError(path, f"[[{name}]] must be an array of tables", column=name)
    return value


def _get(path: Path, table: dict, key: str, kind: type, where: str):
    value = table.get(key)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise FormatError(path, f"{where}.{key} must be a {kind.__name__}, was {value!r}", column=where)
    return value


def _number(path: Path, value: object, where: str) -> float:
    try:
        number = float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else math.nan
    except OverflowError:  # an integer beyond float's range
        number = math.nan
    if not math.isfinite(number):
        raise FormatError(path, f"{where} must be a finite number, was {value!r}", column=where.split(".")[0])
    return number


def _rows(path: Path, connectome: Connectome, ids: object, where: str) -> np.ndarray:
    if not isinstance(ids, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) and -(2**63) <= i < 2**63 for i in ids
    ):
        raise FormatError(path, f"{where} must be a list of cell ids", column=where.split(".")[0])
    rows = connectome.index_of_ids(np.array(ids, dtype=np.int64)) if ids else np.zeros(0, np.int64)
    if np.any(rows < 0):
        missing = [i for i, r in zip(ids, rows) if r < 0][:3]
        raise FormatError(path, f"{where} names cells the dataset lacks (ids {missing})", column=where.split(".")[0])
    return rows


def _cell_set(path: Path, connectome: Connectome, table: dict, where: str) -> CellSet:
    key = _get(path, table, "key", str, where)
    label = str(table.get("label", key))
    if "ids" in table:
        return CellSet(key, label, _rows(path, connectome, table["ids"], f"{where}.ids"))
    return cells_from_key(connectome, key, label)
