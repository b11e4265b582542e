"""The brainview-run reader and ``brainview info RUN.h5`` against mutated run files.

A small valid run file (two trials, stimuli, lesions, a probe, rate groups, and the cells'
names, types, classes and subsystems) is mutated as bytes (bits flipped, runs overwritten,
truncated) and through h5py (values, dtypes and shapes changed, datasets deleted or replaced,
links and external storage, attributes replaced). :func:`read_run` must return a record that
:func:`summarise_run` can summarise as JSON, or raise a one-line FormatError naming the file;
``brainview info`` on it must exit with 0 or 1, never report an internal error.

``BRAINVIEW_FUZZ_EXAMPLES`` sets the examples per test (default 100).
"""

from __future__ import annotations

import json
import os
import tempfile
from functools import lru_cache
from pathlib import Path

import h5py
import numpy as np
from file_mutations import byte_edits, mutate_bytes, rewrite_dataset, truncations
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from brainview.cli import main
from brainview.connectome import Connectome, SynapseCSR
from brainview.connectome.io.errors import FormatError
from brainview.experiment.run_summary import summarise_run
from brainview.sim import LesionMode
from brainview.sim.protocol import LesionSpec, Protocol, StimulusSpec, run_protocol
from brainview.sim.runfile import LABELS, SCHEMA, DatasetInfo, read_run, write_run

EXAMPLES = int(os.environ.get("BRAINVIEW_FUZZ_EXAMPLES", "100"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
DATASETS = tuple(spec.path for spec in SCHEMA) + tuple(f"cells/{key}" for key in LABELS)
HOSTILE = (np.nan, np.inf, -1, -2, 0, 1, 5, 12, 127, 2**31, 2**32 + 3, 2**63 - 1, -(2**63), 0.5, 1e39)
DTYPES = ("i1", "i4", "i8", "u8", "f4", "f8", "?", ">i8", "S4")


@lru_cache(maxsize=1)
def valid_file() -> bytes:
    n = 12
    rng = np.random.default_rng(1)
    pre, post = rng.integers(0, n, 60), rng.integers(0, n, 60)
    chemical = SynapseCSR.from_edges(pre, post, rng.integers(5, 30, 60).astype(float), n, np.ones(60, np.int8))
    columns = {"id": np.arange(n) + 100, "name": [f"N{k}" for k in range(n)],
               "cell_type": [f"T{k // 3}" for k in range(n)], "cell_class": ["a", "b", None] * 4,
               "subsystem": ["steering"] * 6 + [""] * 6}
    c = Connectome(columns, rng.uniform(-9, 9, (n, 3)), chemical, None, {"name": "fuzz"})
    protocol = Protocol(20.0, stimuli=(StimulusSpec("N0,N1,N2", value=400.0),),
                        lesions=(LesionSpec("type:T1", LesionMode.SILENCE, 10.0),), probes=("N3",),
                        rates_by="cell_type", rate_bin_ms=5.0)
    result = run_protocol(c, protocol, seed=3, trials=2, workers=1)
    with tempfile.TemporaryDirectory() as folder:
        return write_run(Path(folder) / "run.h5", result, DatasetInfo.of(c, "net.h5")).read_bytes()


def check(path: Path) -> None:
    try:
        record = read_run(path)
    except FormatError as error:
        assert error.path == str(path) and "\n" not in str(error) and len(str(error)) < 1000, str(error)
        event(f"FormatError: {error.problem.split(':')[0][:50]}")
    else:
        json.dumps(summarise_run(record))
        event("read")
    errors = []
    from brainview import cli
    from brainview.cli import _common as common

    class Collect:
        def write(self, text):
            errors.append(text)

        def flush(self):
            pass

        def isatty(self):
            return False

    saved = cli.sys.stderr, common.sys.stderr
    cli.sys.stderr = common.sys.stderr = Collect()
    try:
        code = main(["info", str(path), "--json"])
    finally:
        cli.sys.stderr, common.sys.stderr = saved
    assert code in (0, 1) and "internal error" not in "".join(errors), "".join(errors)


@FUZZ
@given(edits=byte_edits, truncate=truncations)
def test_byte_mutations(edits, truncate, capsys):
    data = mutate_bytes(valid_file(), edits, truncate)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "run.h5"
        path.write_bytes(data)
        check(path)
    capsys.readouterr()


def apply(f: h5py.File, folder: Path, kind: str, name: str, pick: float, value, dtype: str) -> None:
    if name not in f or not isinstance(f[name], h5py.Dataset):
        return
    values = f[name][()]
    if kind == "value" and values.size and values.dtype.kind in "iuf":
        wide = values.astype(np.float64 if isinstance(value, float) or values.dtype.kind == "f" else
                             (np.uint64 if value >= 2**63 else np.int64)).reshape(-1)
        with np.errstate(all="ignore"):
            wide[int(pick * wide.size)] = value
        rewrite_dataset(f, name, wide.reshape(values.shape))
    elif kind == "dtype" and values.dtype.kind in "iuf":
        with np.errstate(all="ignore"):
            rewrite_dataset(f, name, values.astype("S4") if dtype == "S4" else np.nan_to_num(values).astype(dtype))
    elif kind == "shape":
        rewrite_dataset(f, name, [values[:-1], values[:0], values.reshape(-1)[:, None]][int(pick * 3)])
    elif kind == "delete":
        del f[name]
    elif kind == "external" and values.dtype.kind in "iuf" and values.size:
        (folder / "x.bin").write_bytes(values.tobytes())
        outside = [(str(folder / "x.bin"), 0, values.nbytes)]
        rewrite_dataset(f, name, None, shape=values.shape, dtype=values.dtype, external=outside)
    elif kind == "link":
        del f[name]
        f[name] = h5py.SoftLink("/" + DATASETS[int(pick * len(DATASETS))])
    elif kind == "categories" and "categories" in f[name].attrs:
        f[name].attrs["categories"] = [np.array([1, 2]), "x", np.array(["a"], dtype=object)][int(pick * 3)]
    elif kind == "config":
        keys = list(f["config"].attrs)
        f["config"].attrs[keys[int(pick * len(keys))]] = [value, str(value), np.array([1, 2])][int(pick * 7) % 3]


mutations = st.lists(st.tuples(
    st.sampled_from(["value", "value", "dtype", "shape", "delete", "external", "link", "categories", "config"]),
    st.sampled_from(DATASETS), st.floats(0, 1, exclude_max=True), st.sampled_from(HOSTILE), st.sampled_from(DTYPES),
), min_size=1, max_size=3)


@FUZZ
@given(changes=mutations)
def test_structured_mutations(changes, capsys):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "run.h5"
        path.write_bytes(valid_file())
        with h5py.File(path, "a") as f:
            for change in changes:
                try:
                    apply(f, Path(folder), *change)
                except (TypeError, ValueError, KeyError, IndexError, RuntimeError, OSError):
                    event("a mutation h5py could not apply")
        check(path)
    capsys.readouterr()


def test_the_unmutated_file_reads_with_its_labels():
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "run.h5"
        path.write_bytes(valid_file())
        record = read_run(path)
    assert list(record.cells["name"].to_strings()) == [f"N{k}" for k in range(12)]
    assert list(record.cells["cell_class"].to_strings()[:3]) == ["a", "b", ""]
