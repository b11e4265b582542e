"""Mutations of valid files that the readers' property-based tests share.

``byte_edits`` draws a few edits of a file's bytes (bit flips, overwrites, zeroed runs, and huge
little-endian sizes or addresses, the values a binary format's header is most fragile to);
:func:`mutate_bytes` applies them and an optional truncation. :func:`rewrite_dataset` replaces
one HDF5 dataset, keeping its attributes, for structured mutations.
"""

from __future__ import annotations

import h5py
import numpy as np
from hypothesis import strategies as st

byte_edits = st.lists(
    st.tuples(
        st.sampled_from(["flip", "overwrite", "hostile", "zero"]),
        st.floats(0, 1, allow_nan=False, exclude_max=True),
        st.binary(min_size=1, max_size=16),
        st.integers(0, 7),
    ),
    min_size=1,
    max_size=8,
)
"""Edits as (kind, where as a fraction of the file, payload, bit or byte shift)."""

truncations = st.none() | st.floats(0, 1, exclude_max=True)
"""Where to cut the file, as a fraction of its length (None: keep it whole)."""


def mutate_bytes(data: bytes, edits, truncate: float | None = None) -> bytes:
    """``data`` with ``edits`` (drawn from :data:`byte_edits`) applied, then cut at ``truncate``."""
    out = bytearray(data)
    for kind, where, payload, bit in edits:
        at = int(where * len(out))
        if kind == "flip":
            out[at] ^= 1 << bit
        elif kind == "overwrite":
            out[at : at + len(payload)] = payload
        elif kind == "zero":
            out[at : at + len(payload)] = bytes(len(payload))
        else:  # a huge size or address, little-endian
            out[at : at + 8] = (0xFFFFFFFFFFFFFFFF >> (bit * 8)).to_bytes(8, "little")
        del out[len(data) :]
    if truncate is not None:
        del out[max(1, int(truncate * len(out))) :]
    return bytes(out)


def rewrite_dataset(f: h5py.File, name: str, data=None, **options) -> None:
    """Replace dataset ``name`` of the open file ``f`` by ``data`` (or what ``options`` create),
    keeping its attributes."""
    attrs = {k: f[name].attrs[k] for k in f[name].attrs} if name in f else {}
    if name in f:
        del f[name]
    dataset = f.create_dataset(name, data=data, **options)
    for key, value in attrs.items():
        if isinstance(value, np.ndarray) and value.dtype == object:
            dataset.attrs.create(key, value, dtype=h5py.string_dtype())
        else:
            dataset.attrs[key] = value
