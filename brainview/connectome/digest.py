"""A content hash of a connectome, so that a run file names exactly the network it ran on.

The digest covers what a simulation or an analysis can see: the cell ids, every column (as
labels, so two files that code the same labels differently hash alike), the positions and both
synapse tables. It leaves out ``meta`` (provenance text such as a citation or a file name),
which can change without changing the network.
"""

from __future__ import annotations

import hashlib

import numpy as np

from brainview.connectome.categorical import Categorical
from brainview.connectome.connectome import Connectome
from brainview.connectome.synapses import SynapseCSR

DIGEST_NAME = "sha256"
"""The hash function, recorded beside every digest."""


def connectome_digest(connectome: Connectome) -> str:
    """The hexadecimal sha256 of ``connectome``'s contents (see the module docstring).

    Equal connectomes (:meth:`Connectome.equals`, ignoring ``meta``) have equal digests.
    """
    h = hashlib.sha256()
    _add(h, "n", np.array([connectome.n], np.int64))
    for key in sorted(connectome.columns):
        column = connectome.columns[key]
        if isinstance(column, Categorical):
            _add_categorical(h, key, column)
        else:
            _add(h, f"column:{key}", np.asarray(column))
    _add(h, "position", connectome.position)
    _add_csr(h, "chemical", connectome.chemical)
    if connectome.gap is not None:
        _add_csr(h, "gap", connectome.gap)
    return h.hexdigest()


def _add(h, label: str, array: np.ndarray) -> None:
    """Hash a labelled array with its dtype and shape, so that no two inputs run together."""
    array = np.ascontiguousarray(array)
    h.update(f"{label}|{array.dtype.str}|{array.shape}|".encode())
    h.update(memoryview(array).cast("B"))


def _add_categorical(h, key: str, column: Categorical) -> None:
    """Hash labels in a canonical coding: categories sorted, only the used ones kept."""
    used = np.unique(column.codes[column.codes >= 0])
    labels = [column.categories[i] for i in used]
    order = np.argsort(np.array(labels, dtype=object)) if labels else np.zeros(0, np.int64)
    remap = np.full(len(column.categories) + 1, -1, np.int32)
    remap[used[order]] = np.arange(used.size, dtype=np.int32)
    h.update(f"categories:{key}|".encode())
    h.update("\x1f".join(labels[i] for i in order).encode())
    _add(h, f"codes:{key}", remap[column.codes])


def _add_csr(h, label: str, csr: SynapseCSR) -> None:
    _add(h, f"{label}:indptr", csr.indptr)
    _add(h, f"{label}:indices", csr.indices)
    _add(h, f"{label}:weight", csr.weight)
    if csr.sign is not None:
        _add(h, f"{label}:sign", csr.sign)
