"""The native reader against mutated files: a valid connectome or a FormatError, nothing else.

A small valid file (written by :func:`write_native`: chemical synapses, gap junctions, a
categorical column with missing values, float, integer and boolean extra columns) is mutated
two ways:

* as bytes: bits flipped, runs overwritten with random or hostile bytes, the file truncated;
* through h5py: datasets given other dtypes, shapes, layouts and filters, values set to NaN,
  infinities, huge, negative or fractional numbers, datasets and attributes deleted or replaced
  (by groups, scalars, arrays, strings), links added (soft, external, hard), external storage,
  chunks replaced by compressed streams that inflate past their size;

and loaded with :func:`brainview.load`. The load must either return a connectome for which
:func:`invariants.assert_valid_connectome` holds, or raise
:class:`~brainview.connectome.io.FormatError` whose ``path`` is the file and whose message is
one line of readable length. Any other exception (or a crash) fails.

``BRAINVIEW_FUZZ_EXAMPLES`` sets the examples per test (default 100); run once with a few
thousand after changing the reader.
"""

from __future__ import annotations

import os
import tempfile
import zlib
from functools import lru_cache
from pathlib import Path

import h5py
import numpy as np
from file_mutations import byte_edits, mutate_bytes, rewrite_dataset, truncations
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from invariants import assert_valid_connectome

import brainview
from brainview.connectome import Categorical, Connectome, SynapseCSR
from brainview.connectome.io import FormatError, write_native

EXAMPLES = int(os.environ.get("BRAINVIEW_FUZZ_EXAMPLES", "100"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
MAX_MESSAGE = 1000

DATASETS = (
    "neurons/id", "neurons/position", "neurons/radius", "neurons/name", "neurons/cell_type", "neurons/lineage",
    "neurons/score", "neurons/layer", "neurons/flag",
    "synapses/chemical/indptr", "synapses/chemical/indices", "synapses/chemical/count", "synapses/chemical/sign",
    "synapses/gap/indptr", "synapses/gap/indices", "synapses/gap/weight",
)
GROUPS = ("neurons", "synapses", "synapses/chemical", "synapses/gap")
ATTRIBUTES = (("/", "format"), ("/", "format_version"), ("/", "name"), ("neurons", "columns"),
              ("neurons/cell_type", "categories"), ("neurons/name", "categories"))
HOSTILE = (np.nan, np.inf, -np.inf, -1, -2, -128, 0, 1, 2, 5, 7, 127, 128, 255, 256, 257, 0.5, -0.5, 1e39, 1e300,
           2**24 + 1, 2**31 - 1, 2**31, 2**32 + 7, 2**53 + 1, 2**63 - 1, 2**63, 2**64 - 1, -(2**63))
DTYPES = ("i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8", "?", ">i8", ">f4", "S4")


@lru_cache(maxsize=1)
def valid_file() -> bytes:
    """The bytes of a small valid native file."""
    n = 9
    pre, post = np.repeat(np.arange(n), 2), (np.repeat(np.arange(n), 2) * 3 + np.tile([1, 2], n)) % n
    chemical = SynapseCSR.from_edges(pre, post, np.tile([1.0, 2.0], n), n, np.where(pre % 4 == 0, -1, 1))
    i, j = np.array([1, 2, 0]), np.array([4, 2, 8])
    gap = SynapseCSR.from_edges(np.r_[i, j[i != j]], np.r_[j, i[i != j]], np.r_[0.5, 1.5, 2.0, 0.5, 2.0], n)
    columns = {
        "id": np.arange(n, dtype=np.int64) * 10 + 1000, "name": [f"N{k}" for k in range(n)],
        "cell_type": [f"T{k // 2}" for k in range(n)],
        "lineage": Categorical.from_values(["AB", None, "C", "AB", "", "MS", "C", None, "AB"]),
        "radius": np.linspace(0.5, 2, n), "score": np.linspace(-1, 1, n), "layer": np.arange(n, dtype=np.int16) - 2,
        "flag": np.arange(n) % 3 == 0,
    }
    position = np.random.default_rng(3).uniform(-50, 50, (n, 3))
    c = Connectome(columns, position, chemical, gap, {"name": "fuzz", "species": "test worm"})
    with tempfile.TemporaryDirectory() as folder:
        return write_native(c, Path(folder) / "valid.h5").read_bytes()


def check_load(path: Path) -> None:
    """Load ``path``: a valid connectome or a one-line FormatError naming it."""
    try:
        connectome = brainview.load(path)
    except FormatError as error:
        assert error.path == str(path), f"the error names {error.path!r}, not the file"
        message = str(error)
        assert "\n" not in message and len(message) < MAX_MESSAGE, f"a message of several lines: {message!r}"
        event(f"FormatError: {(error.problem.split(':')[0])[:60]}")
        return
    assert_valid_connectome(connectome)
    event("loaded")


# -- byte-level mutations ----------------------------------------------------------------------
@FUZZ
@given(edits=byte_edits, truncate=truncations)
def test_byte_mutations_load_validly_or_raise_format_error(edits, truncate):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mutated.h5"
        path.write_bytes(mutate_bytes(valid_file(), edits, truncate))
        check_load(path)


# -- structured mutations through h5py ---------------------------------------------------------
def _as(values: np.ndarray, dtype: str) -> np.ndarray:
    with np.errstate(all="ignore"):
        if dtype == "S4":
            return values.astype("S4")
        return values.astype(dtype) if values.dtype.kind != "f" or dtype[-2] in "f" else np.nan_to_num(values).astype(dtype)


def apply(f: h5py.File, folder: Path, mutation: tuple) -> None:
    """Apply one structured mutation to the open file ``f``."""
    kind, name, pick, value, dtype = mutation
    if kind in ("value", "dtype", "shape", "layout", "bomb", "scalar", "external", "hardlink") and not isinstance(
        f.get(name), h5py.Dataset
    ):
        return
    if kind in ("group", "link") and name not in f:
        return
    if kind == "value":
        values = f[name][()]
        if values.size == 0 or values.dtype.kind not in "iufb":
            return
        if isinstance(value, float) or values.dtype.kind == "f":
            wide = np.float64
        elif value >= 2**63:
            wide = np.uint64 if values.min() >= 0 else np.float64
        else:
            wide = np.int64
        flat = values.astype(wide).reshape(-1)
        with np.errstate(all="ignore"):
            flat[int(pick * flat.size)] = value
        rewrite_dataset(f, name, flat.reshape(values.shape))
    elif kind == "dtype":
        rewrite_dataset(f, name, _as(f[name][()], dtype))
    elif kind == "shape":
        values = f[name][()]
        choice = int(pick * 5)
        shaped = [values[:-1], np.concatenate([values, values[:1]]) if values.size else values, values.reshape(-1),
                  values.T.copy() if values.ndim == 2 else values.reshape(1, -1), values[:0]][choice]
        rewrite_dataset(f, name, shaped)
    elif kind == "layout":
        values = f[name][()]
        options = [{"compression": "lzf"}, {"fletcher32": True}, {"chunks": True}, {}, {"chunks": (1,) * values.ndim},
                   {"compression": "gzip", "shuffle": False, "chunks": (2,) * values.ndim}][int(pick * 6)]
        if values.size == 0 and options:
            return
        rewrite_dataset(f, name, values, **options)
    elif kind == "bomb":
        dataset = f[name]
        if dataset.chunks is None:
            return
        stream = zlib.compress(bytes(int(1 + pick * (2 << 20))), 9)  # up to 2 MiB of zeros
        dataset.id.write_direct_chunk((0,) * dataset.ndim, stream, 0)
    elif kind == "delete":
        if name in f:
            del f[name]
    elif kind == "group":
        del f[name]
        f.create_group(name)
    elif kind == "scalar":
        rewrite_dataset(f, name, np.float64(value) if not isinstance(value, int) or abs(value) < 2**63 else 1.0)
    elif kind == "external":
        values = f[name][()]
        if values.dtype.kind not in "iuf" or values.size == 0:
            return
        outside = folder / "outside.bin"
        outside.write_bytes(values.tobytes())
        rewrite_dataset(f, name, None, shape=values.shape, dtype=values.dtype, external=[(str(outside), 0, values.nbytes)])
    elif kind == "link":
        del f[name]
        other = [DATASETS[int(pick * len(DATASETS))], "/" + name][int(pick * 7) % 2]
        f[name] = [h5py.SoftLink(other if other.startswith("/") else "/" + other),
                   h5py.ExternalLink(str(folder / "other.h5"), "/" + name)][int(pick * 3) % 2]
    elif kind == "hardlink":
        other = DATASETS[int(pick * len(DATASETS))]
        if isinstance(f.get(other), h5py.Dataset) and name != other:
            del f[name]
            f[name] = f[other]
    elif kind == "attribute":
        owner, key = ATTRIBUTES[int(pick * len(ATTRIBUTES))]
        if owner not in f:
            return
        attrs = f[owner].attrs
        replacement = [None, value, str(value), np.array([value, value]), np.array([], dtype="f8"),
                       np.array(["id", "name", "id"], dtype=object), b"\xff\xfe"][int(pick * 7)]
        if replacement is None:
            if key in attrs:
                del attrs[key]
        elif isinstance(replacement, np.ndarray) and replacement.dtype == object:
            attrs.create(key, replacement, dtype=h5py.string_dtype())
        else:
            attrs[key] = replacement


mutations = st.lists(
    st.tuples(
        st.sampled_from(["value", "value", "value", "dtype", "shape", "layout", "bomb", "delete", "group", "scalar",
                         "external", "link", "hardlink", "attribute", "attribute"]),
        st.sampled_from(DATASETS + GROUPS),
        st.floats(0, 1, allow_nan=False, exclude_max=True),
        st.sampled_from(HOSTILE),
        st.sampled_from(DTYPES),
    ),
    min_size=1,
    max_size=3,
)


@FUZZ
@given(changes=mutations, edits=st.none() | byte_edits)
def test_structured_mutations_load_validly_or_raise_format_error(changes, edits):
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        path = folder / "mutated.h5"
        path.write_bytes(valid_file())
        (folder / "other.h5").write_bytes(valid_file())
        with h5py.File(path, "a") as f:
            for change in changes:
                try:
                    apply(f, folder, change)
                except (TypeError, ValueError, KeyError, IndexError, RuntimeError, OSError):
                    event("a mutation h5py could not apply (the file keeps what was done)")
        if edits is not None:
            path.write_bytes(mutate_bytes(path.read_bytes(), edits, None))
        check_load(path)


def test_the_unmutated_file_loads():
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "valid.h5"
        path.write_bytes(valid_file())
        connectome = brainview.load(path)
    assert_valid_connectome(connectome)
    assert connectome.n == 9 and connectome.gap is not None and connectome["flag"].dtype == bool
