"""Comparison files: an experiment file (schema ``brainview-experiment``) with a ``[design]``.

The window's File > Save experiment writes stimuli, lesions and traced groups; such a file runs
as a comparison of its stimuli alone (the control) against its stimuli with its lesions, read
out at its traced groups. A file written by hand (or by :func:`write_comparison`) can say more::

    schema = "brainview-experiment"
    schema_version = 1

    [dataset]
    source = "embedded"            # or "file", with path = "brain.h5" (relative to this file)
                                   # digest = "..." (optional: checked when given)
    [model]
    dt_ms = 0.1
    seed = 0
    params = { w_syn_mV = 1.4 }

    [design]
    trials = 20
    duration_ms = 1000.0
    readout_from_ms = 0.0          # optional: count readout spikes from here on

    [[stimuli]]                    # selector or key, rate_Hz, and optionally start_ms, stop_ms
    selector = "ALML,ALMR,AVM"
    rate_Hz = 150.0

    [[readouts]]                   # selector or key, optional label
    selector = "type:AVA,AVD"
    label = "backward command"

    [[conditions]]
    name = "AVA/AVD silenced"
    lesions = [{ selector = "type:AVA,AVD", mode = "silence", time_ms = 0.0 }]

A cell set is a ``selector`` or a ``key`` (:mod:`brainview.experiment.cells`), with ``ids``
when the key does not say its cells. Unknown keys, wrong types and selectors that match nothing
are errors naming the file and the line.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import tomli_w

from brainview.comparison.design import CONTROL, Comparison, Condition, Drive, Lesion
from brainview.connectome.io.atomic import atomic_output
from brainview.connectome.io.errors import FormatError
from brainview.connectome.io.toml_text import TomlDocument
from brainview.errors import BrainviewError
from brainview.experiment.cells import cells_from_key, cells_from_selector, resolvable
from brainview.experiment.files import SCHEMA, SCHEMA_VERSION, DatasetChangedError, DatasetNotFoundError
from brainview.experiment.model import CellSet, DatasetRef
from brainview.experiment.plasticity_table import parse_plasticity, plasticity_table

_CELLS = {"key", "selector", "label", "ids"}
_KEYS = {
    "": {"schema", "schema_version", "brainview_version", "dataset", "model", "design", "stimuli", "readouts",
         "conditions", "lesions", "groups", "recording", "view", "log"},
    "dataset": {"source", "path", "name", "digest", "digest_name"},
    "model": {"name", "dt_ms", "seed", "params", "plasticity"},
    "design": {"trials", "duration_ms", "readout_from_ms"},
    "stimuli": _CELLS | {"rate_Hz", "on", "start_ms", "stop_ms"},
    "readouts": _CELLS,
    "groups": _CELLS,
    "conditions": {"name", "lesions"},
    "lesions": _CELLS | {"mode", "time_ms"},
}


def read_comparison(
    path: str | os.PathLike, dataset_path: str | os.PathLike | None = None, progress=None, rules=None
) -> Comparison:
    """The comparison an experiment file describes, on its dataset (checked by digest when it has one).

    ``rules`` classifies the dataset's cells with other subsystem rules (as ``brainview.load``
    takes them), for selectors such as ``subsystem:steering`` in the file.

    Raises
    ------
    FormatError
        For any problem of the file (naming it and, where it can, the line), including a
        selector that matches nothing; DatasetNotFoundError or DatasetChangedError when the
        dataset is missing or is another network.
    """
    import brainview
    from brainview.connectome.digest import connectome_digest
    from brainview.resources import default_dataset_path

    path = Path(path)
    reader = TomlDocument.read(path, _KEYS, "experiment file")
    document = reader.document
    reader.check_keys(document, "")
    reader.check_schema(SCHEMA, SCHEMA_VERSION, "brainview experiment")
    table = reader.table(document, "dataset", required=True)
    source = table.get("source", "embedded")
    if source not in ("embedded", "file"):
        raise reader.fail(f"dataset.source must be 'embedded' or 'file', was {source!r}", "dataset", key="source")
    digest = table.get("digest")
    if source == "file":
        recorded = table.get("path")
        if not isinstance(recorded, str) or not recorded:
            raise reader.fail("a dataset with source = 'file' needs its path", "dataset", key="path")
        ref = DatasetRef(recorded, str(digest or ""), str(table.get("name", "")))
        location = Path(dataset_path) if dataset_path is not None else _locate(path, Path(recorded), ref)
    else:
        location = Path(dataset_path) if dataset_path is not None else default_dataset_path()
    connectome = brainview.load(location, progress=progress, rules=rules)
    found = connectome_digest(connectome)
    ref = DatasetRef(None if source == "embedded" else str(location.resolve()), found,
                     str(table.get("name", connectome.meta.get("name", location.stem))))
    if digest is not None and digest != found:
        raise DatasetChangedError(path, DatasetRef(ref.path, str(digest), ref.name), location, found)
    try:
        return _comparison(reader, document, connectome, ref)
    except FormatError:
        raise
    except BrainviewError as error:  # a rate, time or parameter the design cannot run with
        raise FormatError(path, str(error)) from None


def _locate(path: Path, recorded: Path, ref: DatasetRef) -> Path:
    candidates = [recorded] if recorded.is_absolute() else [path.resolve().parent / recorded]
    candidates.append(path.resolve().parent / recorded.name)
    for candidate in candidates:
        if candidate.exists():
            return candidate
    raise DatasetNotFoundError(path, ref)


def _comparison(reader: TomlDocument, document: dict, connectome, dataset: DatasetRef) -> Comparison:
    model = reader.table(document, "model")
    if model.get("name", "shiu") != "shiu":
        raise reader.fail(f"model {model.get('name')!r} is not available; this brainview runs 'shiu'", "model", key="name")
    params = model.get("params", {})
    if not isinstance(params, dict):
        raise reader.fail("model.params must be a table of numbers", "model", key="params")
    design = reader.table(document, "design")

    def cells(table: dict, where: str, index: int) -> CellSet:
        reader.check_keys(table, where, index)
        table_name = where.partition(".")[0]
        if ("key" in table) == ("selector" in table):
            raise reader.fail(f"each entry of [[{where}]] needs either a selector or a key", table_name, index)
        field = "selector" if "selector" in table else "key"
        text = table[field]
        if not isinstance(text, str):
            raise reader.fail(f"{where}.{field} must be a string, was {text!r}", table_name, index, field)
        try:
            if field == "selector":
                found = cells_from_selector(connectome, text)
                return CellSet(found.key, str(table.get("label", found.label)), found.rows)
            label = str(table.get("label", text))
            if "ids" in table or not resolvable(text):
                ids = table.get("ids")
                if not isinstance(ids, list) or not ids or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
                    raise reader.fail(f"{where}.ids must be a list of cell ids for key {text!r}", table_name, index, "ids")
                rows = connectome.index_of_ids(np.array(ids, np.int64))
                if np.any(rows < 0):
                    raise reader.fail(f"{where}.ids names cells the dataset lacks", table_name, index, "ids")
                return CellSet(text, label, rows)
            return cells_from_key(connectome, text, label)
        except FormatError:
            raise
        except (BrainviewError, OverflowError) as error:
            raise reader.fail(f"{where}.{field} {text!r}: {error}", table_name, index, field) from None

    def lesion(table: dict, where: str, index: int) -> Lesion:
        entry = cells(table, where, index)
        mode = table.get("mode", "silence")
        if mode not in ("silence", "ablate"):
            raise reader.fail(f"{where}.mode must be 'silence' or 'ablate', was {mode!r}", where.partition(".")[0], index, "mode")
        return Lesion(entry, mode, reader.number(table, "time_ms", 0.0, where, index))

    stimuli = []
    for index, table in enumerate(reader.tables(document, "stimuli")):
        drive = cells(table, "stimuli", index)
        if not table.get("on", True):
            continue
        stop = reader.number(table, "stop_ms", None, "stimuli", index) if "stop_ms" in table else None
        stimuli.append(Drive(drive, reader.number(table, "rate_Hz", 150.0, "stimuli", index),
                             reader.number(table, "start_ms", 0.0, "stimuli", index), stop))
    readout_tables = "readouts" if "readouts" in document else "groups"
    readouts = [cells(t, readout_tables, i) for i, t in enumerate(reader.tables(document, readout_tables))]
    top_lesions = [lesion(t, "lesions", i) for i, t in enumerate(reader.tables(document, "lesions"))]
    conditions = []
    for index, table in enumerate(reader.tables(document, "conditions")):
        reader.check_keys(table, "conditions", index)
        name = table.get("name")
        if not isinstance(name, str) or not name.strip():
            raise reader.fail("each [[conditions]] needs a name", "conditions", index, "name")
        entries = reader.tables(table, "lesions", "conditions")
        if not entries:
            raise reader.fail(f"condition {name!r} lists no lesions", "conditions", index, "name")
        conditions.append(Condition(name, tuple(lesion(t, "conditions.lesions", index) for t in entries)))
    if conditions and top_lesions:
        raise reader.fail("give the lesions either in [[conditions]] or as [[lesions]] (one condition), not both",
                          "lesions")
    if top_lesions:
        conditions = [Condition(" + ".join(l.text for l in top_lesions), tuple(top_lesions))]
    return Comparison(
        connectome, dataset, tuple(stimuli), tuple(readouts), tuple(conditions),
        trials=reader.whole(design, "trials", 10, "design"),
        duration_ms=reader.number(design, "duration_ms", 1000.0, "design"),
        dt_ms=reader.number(model, "dt_ms", 0.1, "model"),
        seed=reader.whole(model, "seed", 0, "model"),
        params={str(k): reader.number(params, k, None, "model.params") for k in params},
        readout_from_ms=reader.number(design, "readout_from_ms", 0.0, "design"),
        plasticity=None if "plasticity" not in model else parse_plasticity(
            model["plasticity"], lambda problem, key: reader.fail(problem, "model", key=key or "plasticity"))[0],
    )


def generate_comparison(comparison: Comparison) -> dict:
    """The TOML document of ``comparison`` (cell sets by key, with ids where the key needs them)."""
    from brainview import __version__

    def cells(entry: CellSet) -> dict:
        out = {"key": entry.key, "label": entry.label}
        if not _found_by_key(comparison.connectome, entry):
            out["ids"] = [int(i) for i in comparison.connectome.ids[entry.rows]]
        return out

    dataset = comparison.dataset
    stimuli = []
    for drive in comparison.stimuli:
        stimuli.append(cells(drive.cells) | {"rate_Hz": drive.rate_Hz, "start_ms": drive.start_ms}
                       | ({"stop_ms": drive.stop_ms} if drive.stop_ms is not None else {}))
    return {
        "schema": SCHEMA, "schema_version": SCHEMA_VERSION, "brainview_version": __version__,
        "dataset": {"source": "embedded" if dataset.path is None else "file", "name": dataset.name,
                    "digest": dataset.digest} | ({"path": dataset.path} if dataset.path is not None else {}),
        "model": {"name": "shiu", "dt_ms": comparison.dt_ms, "seed": int(comparison.seed),
                  **({"plasticity": plasticity_table(comparison.plasticity, "cell_type")}
                     if comparison.plasticity is not None else {}),
                  "params": dict(comparison.params)},
        "design": {"trials": int(comparison.trials), "duration_ms": comparison.duration_ms,
                   "readout_from_ms": comparison.readout_from_ms},
        "stimuli": stimuli,
        "readouts": [cells(r) for r in comparison.readouts],
        "conditions": [
            {"name": c.name, "lesions": [cells(l.cells) | {"mode": l.mode.value, "time_ms": l.time_ms} for l in c.lesions]}
            for c in comparison.conditions if c.name != CONTROL
        ],
    }


def _found_by_key(connectome, entry: CellSet) -> bool:
    """True when the key alone finds exactly ``entry``'s cells again (else the file lists their ids)."""
    if not resolvable(entry.key):
        return False
    try:
        return np.array_equal(cells_from_key(connectome, entry.key, entry.label).rows, entry.rows)
    except BrainviewError:
        return False


def write_comparison(path: str | os.PathLike, comparison: Comparison) -> Path:
    """Write ``comparison`` as an experiment file, atomically; returns the path."""
    path = Path(path)
    with atomic_output(path) as temporary:
        temporary.write_text(tomli_w.dumps(generate_comparison(comparison)), encoding="utf-8")
    return path
