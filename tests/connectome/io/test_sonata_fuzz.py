"""The SONATA reader against mutated circuits: a valid connectome or a FormatError, nothing else.

Two valid circuits (one written by brainview, one laid out as BMTK writes them: two node
populations, attribute groups, ``@library`` codes, types tables, a gap junction population)
are mutated one file at a time:

* nodes and edges files as bytes (bits flipped, runs overwritten, truncated) and through h5py
  (datasets given other values, dtypes and shapes, deleted, replaced by groups or scalars,
  stored externally, linked; attributes replaced);
* types tables and the circuit config as text (characters replaced, inserted, lines dropped),
  and the config as JSON (values replaced by other JSON, keys deleted, paths pointed elsewhere);

and loaded with :func:`brainview.load`. The load must return a connectome for which
:func:`invariants.assert_valid_connectome` holds, or raise a one-line FormatError; when the
mutated file is not the config, the error names a file of the circuit.

``BRAINVIEW_FUZZ_EXAMPLES`` sets the examples per test (default 100).
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
from functools import lru_cache
from pathlib import Path

import h5py
import numpy as np
from file_mutations import byte_edits, mutate_bytes
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from invariants import assert_valid_connectome
from sonata_fixtures import write_bmtk_circuit

import brainview
from brainview.connectome import Connectome, SynapseCSR
from brainview.connectome.io import FormatError
from brainview.connectome.io.sonata_writer import write_sonata

EXAMPLES = int(os.environ.get("BRAINVIEW_FUZZ_EXAMPLES", "100"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
MAX_MESSAGE = 1000
HOSTILE = (np.nan, np.inf, -np.inf, -1, 0, 1, 2, 7, 255, 2**31, 2**32 + 7, 2**63 - 1, 2**64 - 1, -(2**63), 0.5, 1e39)
DTYPES = ("i1", "u1", "i4", "u4", "i8", "u8", "f4", "f8", "?", ">i8", "S4")
JSON_VALUES = (None, 0, -1, 1.5, "", "x", "$UNDEFINED/nodes.h5", "/nonexistent/nodes.h5", "network/v1_nodes.h5",
               "network/v1_node_types.csv", [], {}, [{}], [{"nodes_file": 3}], {"a": {"type": 1}}, [[[[[]]]]], True)


def _circuit_bytes(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@lru_cache(maxsize=1)
def circuits() -> dict[str, dict[str, bytes]]:
    """The files of the two valid circuits, by circuit and relative path."""
    rng = np.random.default_rng(2)
    n = 9
    pre, post = rng.integers(0, n, 30), rng.integers(0, n, 30)
    chemical = SynapseCSR.from_edges(pre, post, rng.integers(1, 5, 30).astype(float), n, np.where(pre % 4 == 0, -1, 1))
    gap = SynapseCSR.from_edges(np.array([1, 3]), np.array([3, 1]), np.array([0.5, 0.5]), n)
    columns = {"id": np.arange(n) * 10 + 1000, "name": [f"N{k}" for k in range(n)],
               "cell_type": [f"T{k // 2}" for k in range(n)], "subsystem": ["steering", "", None] * 3,
               "score": np.linspace(0, 1, n), "nt": ["ACh"] * (n - 1) + ["GABA"]}
    worm = Connectome(columns, rng.uniform(-50, 50, (n, 3)), chemical, gap, {"name": "fuzz"})
    out = {}
    with tempfile.TemporaryDirectory() as folder:
        write_sonata(worm, Path(folder) / "brainview")
        out["brainview"] = _circuit_bytes(Path(folder) / "brainview")
        write_bmtk_circuit(Path(folder) / "bmtk")
        out["bmtk"] = _circuit_bytes(Path(folder) / "bmtk")
    return out


def materialise(folder: Path, name: str) -> Path:
    """Write circuit ``name`` into ``folder``; returns its config."""
    for relative, data in circuits()[name].items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_bytes(data)
    return folder / "circuit_config.json"


def check_load(config: Path, mutated: Path, files: list[Path]) -> None:
    try:
        connectome = brainview.load(config)
    except FormatError as error:
        message = str(error)
        assert "\n" not in message and len(message) < MAX_MESSAGE, f"a message of several lines: {message!r}"
        if mutated != config:
            assert error.path in {str(f) for f in files}, f"the error names {error.path!r}"
        event(f"FormatError: {error.problem.split(':')[0][:50]}")
        return
    assert_valid_connectome(connectome)
    event("loaded")


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


# -- byte mutations of any file ------------------------------------------------------------------
@FUZZ
@given(name=st.sampled_from(["brainview", "bmtk"]), pick=st.floats(0, 1, exclude_max=True), edits=byte_edits,
       truncate=st.none() | st.floats(0, 1, exclude_max=True))
def test_byte_mutations_load_validly_or_raise_format_error(name, pick, edits, truncate):
    with tempfile.TemporaryDirectory() as folder:
        config = materialise(Path(folder), name)
        files = _files(Path(folder))
        target = files[int(pick * len(files))]
        target.write_bytes(mutate_bytes(target.read_bytes(), edits, truncate))
        check_load(config, target, files)


# -- structured mutations of the HDF5 files ------------------------------------------------------
def _datasets(f: h5py.File) -> list[str]:
    names: list[str] = []
    f.visititems(lambda name, obj: names.append(name) if isinstance(obj, h5py.Dataset) else None)
    return names


def _rewrite(f: h5py.File, name: str, data, **options) -> None:
    attrs = dict(f[name].attrs) if name in f else {}
    if name in f:
        del f[name]
    dataset = f.create_dataset(name, data=data, **options)
    for key, value in attrs.items():
        dataset.attrs[key] = value


def apply(f: h5py.File, folder: Path, mutation: tuple) -> None:
    kind, pick, value, dtype = mutation
    names = _datasets(f)
    if not names:
        return
    name = names[int(pick * len(names))]
    values = f[name][()]
    if kind == "value" and values.size and values.dtype.kind in "iuf":
        wide = values.astype(np.float64 if isinstance(value, float) or values.dtype.kind == "f" else
                             (np.uint64 if value >= 2**63 else np.int64)).reshape(-1)
        with np.errstate(all="ignore"):
            wide[int(pick * 7919) % wide.size] = value
        _rewrite(f, name, wide.reshape(values.shape))
    elif kind == "dtype" and values.dtype.kind in "iufb":
        with np.errstate(all="ignore"):
            _rewrite(f, name, values.astype("S4") if dtype == "S4" else np.nan_to_num(values).astype(dtype))
    elif kind == "shape":
        choice = int(pick * 4099) % 4
        shaped = [values[:-1], np.concatenate([values, values[:1]]), values.reshape(1, -1), values[:0]][choice]
        _rewrite(f, name, shaped)
    elif kind == "delete":
        del f[name]
    elif kind == "group":
        del f[name]
        f.create_group(name)
    elif kind == "scalar":
        _rewrite(f, name, 1.0)
    elif kind == "external" and values.dtype.kind in "iuf" and values.size:
        outside = folder / "outside.bin"
        outside.write_bytes(values.tobytes())
        _rewrite(f, name, None, shape=values.shape, dtype=values.dtype, external=[(str(outside), 0, values.nbytes)])
    elif kind == "link":
        del f[name]
        f[name] = h5py.SoftLink("/" + names[int(pick * 31) % len(names)]) if int(pick * 13) % 2 else \
            h5py.ExternalLink(str(folder / "elsewhere.h5"), "/" + name)
    elif kind == "attribute":
        owner = f[name]
        key = next(iter(owner.attrs), "node_population")
        owner.attrs[key] = [value, str(value), np.array([1, 2]), b"\xff\xfe"][int(pick * 17) % 4]
    elif kind == "filter" and values.size:
        _rewrite(f, name, values, **[{"compression": "lzf"}, {"fletcher32": True}, {"chunks": True}][int(pick * 3)])


mutations = st.lists(st.tuples(
    st.sampled_from(["value", "value", "dtype", "shape", "delete", "group", "scalar", "external", "link",
                     "attribute", "filter"]),
    st.floats(0, 1, exclude_max=True), st.sampled_from(HOSTILE), st.sampled_from(DTYPES)), min_size=1, max_size=3)


@FUZZ
@given(name=st.sampled_from(["brainview", "bmtk"]), pick=st.floats(0, 1, exclude_max=True), changes=mutations)
def test_structured_mutations_load_validly_or_raise_format_error(name, pick, changes):
    with tempfile.TemporaryDirectory() as folder:
        config = materialise(Path(folder), name)
        files = _files(Path(folder))
        h5_files = [p for p in files if p.suffix == ".h5"]
        target = h5_files[int(pick * len(h5_files))]
        with h5py.File(target, "a") as f:
            for change in changes:
                try:
                    apply(f, Path(folder), change)
                except (TypeError, ValueError, KeyError, IndexError, RuntimeError, OSError):
                    event("a mutation h5py could not apply")
        check_load(config, target, files)


# -- text mutations of the types tables and the config -------------------------------------------
text_edits = st.lists(st.tuples(st.sampled_from(["replace", "insert", "delete", "drop_line", "quote"]),
                                st.floats(0, 1, exclude_max=True),
                                st.text(alphabet=' "\n\t,x0-9.e\\$/{}[]:', min_size=1, max_size=6)),
                      min_size=1, max_size=5)


def mutate_text(text: str, edits) -> str:
    for kind, where, payload in edits:
        at = int(where * max(len(text), 1))
        if kind == "replace":
            text = text[:at] + payload + text[at + len(payload):]
        elif kind == "insert":
            text = text[:at] + payload + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + len(payload):]
        elif kind == "drop_line":
            lines = text.split("\n")
            del lines[int(where * len(lines))]
            text = "\n".join(lines)
        else:
            text = text[:at] + '"' + text[at:]
    return text


@FUZZ
@given(name=st.sampled_from(["brainview", "bmtk"]), pick=st.floats(0, 1, exclude_max=True), edits=text_edits)
def test_text_mutations_load_validly_or_raise_format_error(name, pick, edits):
    with tempfile.TemporaryDirectory() as folder:
        config = materialise(Path(folder), name)
        files = _files(Path(folder))
        texts = [p for p in files if p.suffix in (".csv", ".json")]
        target = texts[int(pick * len(texts))]
        target.write_text(mutate_text(target.read_text(), edits))
        check_load(config, target, files)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


@FUZZ
@given(name=st.sampled_from(["brainview", "bmtk"]),
       changes=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.sampled_from(JSON_VALUES), st.booleans()),
                        min_size=1, max_size=3))
def test_config_mutations_load_validly_or_raise_format_error(name, changes):
    with tempfile.TemporaryDirectory() as folder:
        config = materialise(Path(folder), name)
        document = json.loads(config.read_text())
        for where, value, delete in changes:
            paths = [p for p in _paths(document) if p]
            if not paths:
                break
            path = paths[int(where * len(paths))]
            parent = document
            for key in path[:-1]:
                parent = parent[key]
            if delete:
                del parent[path[-1]]
            else:
                parent[path[-1]] = copy.deepcopy(value)
        config.write_text(json.dumps(document))
        check_load(config, config, _files(Path(folder)))


def test_the_unmutated_circuits_load():
    for name in ("brainview", "bmtk"):
        with tempfile.TemporaryDirectory() as folder:
            assert_valid_connectome(brainview.load(materialise(Path(folder), name)))
