"""The low-level storage that :mod:`~brainview.connectome.io.hdf5` reads itself, not through HDF5.

:func:`read_chunks` reads a chunked dataset's stored chunks as raw bytes and undoes the only
filters brainview writes (:data:`ALLOWED_FILTERS`) itself, so that no filter plugin is ever
loaded and no chunk inflates beyond its declared size. :func:`check_global_heaps` walks the
global heaps (where variable-length strings live) before HDF5 does, since HDF5 2.0.0 loops
forever on a damaged one.
"""

from __future__ import annotations

import math
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from h5py import h5z

from brainview.connectome.io.errors import FormatError

if TYPE_CHECKING:
    from brainview.connectome.io.hdf5 import SafeDataset

GZIP, SHUFFLE = h5z.FILTER_DEFLATE, h5z.FILTER_SHUFFLE
ALLOWED_FILTERS = {GZIP: "gzip", SHUFFLE: "shuffle"}
"""The filters brainview writes, and the only ones it reads (by HDF5 filter id)."""


# -- chunks ----------------------------------------------------------------------------------
def read_chunks(dataset: SafeDataset, out: np.ndarray) -> None:
    """Every chunk of a checked chunked ``dataset``, decompressed here, into ``out`` (its shape).

    The chunk index must list each chunk of the grid once, each within the file, before any is
    read; each then inflates to exactly its declared size (:func:`_unfilter`).
    """
    chunks: list = []
    dataset.id.chunk_iter(chunks.append)
    if len(chunks) != math.prod(dataset.grid):
        raise dataset.file.fail("its chunk index does not list every chunk", column=dataset.name)
    seen = set()
    for info in chunks:
        offset = tuple(int(o) for o in info.chunk_offset)
        if (len(offset) != len(dataset.shape) or offset in seen
                or any(o % c or not 0 <= o < max(s, 1) for o, c, s in zip(offset, dataset.chunk, dataset.shape))):
            raise dataset.file.fail(f"a chunk at {offset} is not on the dataset's chunk grid", column=dataset.name)
        if info.byte_offset is None or info.byte_offset + info.size > dataset.file.size or info.size <= 0:
            raise dataset.file.fail(f"the chunk at {offset} lies beyond the end of the file", column=dataset.name)
        seen.add(offset)
    for info in chunks:
        offset = tuple(int(o) for o in info.chunk_offset)
        mask, data = dataset.id.read_direct_chunk(offset)
        values = _unfilter(dataset, data, mask, offset)
        region = tuple(slice(o, min(o + c, s)) for o, c, s in zip(offset, dataset.chunk, dataset.shape))
        part = tuple(slice(0, r.stop - r.start) for r in region)
        out[region] = values.reshape(dataset.chunk)[part]


def _unfilter(dataset: SafeDataset, data: bytes, mask: int, offset: tuple) -> np.ndarray:
    """One stored chunk undone through the filter pipeline, as an array of ``storage`` items."""
    size = dataset.chunk_bytes
    for index in reversed(range(len(dataset.filters))):
        if mask & (1 << index):
            continue  # this filter was skipped when the chunk was written
        code = dataset.filters[index][0]
        if code == GZIP:
            data = _inflate(data, size)
        elif code == SHUFFLE:
            data = _unshuffle(data, dataset.storage.itemsize)
    if len(data) != size:
        raise dataset.file.fail(f"the chunk at {offset} holds {len(data)} bytes, expected {size}", column=dataset.name)
    return np.frombuffer(data, dtype=dataset.storage)


def _inflate(data: bytes, size: int) -> bytes:
    """A zlib stream decompressed to exactly ``size`` bytes, never more."""
    try:
        stream = zlib.decompressobj()
        out = stream.decompress(data, size)
        if len(out) == size and not stream.eof and stream.decompress(stream.unconsumed_tail, 1):
            raise ValueError(f"a compressed chunk expands to more than its {size} bytes")
    except zlib.error as error:
        raise ValueError(f"a compressed chunk is corrupt ({error})") from None
    if not stream.eof:
        raise ValueError("a compressed chunk is truncated")
    return out


def _unshuffle(data: bytes | np.ndarray, itemsize: int) -> bytes | np.ndarray:
    """Undo HDF5's shuffle filter: byte planes back to items (a trailing remainder stays put)."""
    if itemsize <= 1 or len(data) < itemsize:
        return data
    count = len(data) // itemsize
    planes = np.frombuffer(data, np.uint8, count * itemsize).reshape(itemsize, count)
    out = np.empty(len(data), np.uint8)
    out[: count * itemsize].reshape(count, itemsize)[...] = planes.T
    out[count * itemsize :] = np.frombuffer(data, np.uint8)[count * itemsize :]
    return out


# -- global heaps ----------------------------------------------------------------------------
_HEAP = b"GCOL\x01"  # a global heap collection: signature and version


def check_global_heaps(path: Path, size: int, sizeof_size: int) -> None:
    """Refuse the file if HDF5 would loop forever (or run off the end) parsing one of its global heaps.

    Variable-length strings (category labels, column names, metadata) live in global heap
    collections. HDF5 2.0.0 parses a collection object by object and never stops when an
    object's size is 0 (found by the fuzz test: the reading thread spins forever, holding the
    GIL). Any collection HDF5 could be pointed at starts with the signature, so every
    occurrence in the file is walked here first as HDF5 would walk it: one pass over the file
    in 4 MiB blocks (a few tens of milliseconds per 100 MB).
    """
    block = 1 << 22
    budget = [size // 16 + 65_536]  # objects; a valid file's heaps do not overlap, so hold fewer
    with open(path, "rb") as handle:
        start = 0
        while start < size:
            handle.seek(start)
            data = handle.read(block + len(_HEAP) - 1)
            at = data.find(_HEAP)
            while 0 <= at < block:
                if not _heap_walks(handle, start + at, size, sizeof_size, budget):
                    raise FormatError(path, f"a damaged global heap (variable-length data) at byte {start + at}")
                at = data.find(_HEAP, at + 1)
            start += block


def _heap_walks(handle, at: int, size: int, sizeof_size: int, budget: list[int]) -> bool:
    """False when HDF5's walk over the objects of the collection at ``at`` would not end properly."""
    header = object_header = 8 + sizeof_size
    handle.seek(at)
    head = handle.read(header)
    end = at + int.from_bytes(head[8:header], "little")
    if len(head) < header or not at + header <= end <= size:
        return True  # HDF5 refuses such a collection itself
    window_start, window = 0, b""
    position = at + header
    while position + object_header <= end:
        if not window_start <= position <= window_start + len(window) - object_header:
            handle.seek(position)
            window_start, window = position, handle.read(1 << 16)
        local = position - window_start
        index = int.from_bytes(window[local : local + 2], "little")
        length = int.from_bytes(window[local + 8 : local + object_header], "little")
        need = object_header + -(-length // 8) * 8 if index else length
        budget[0] -= 1
        if need < object_header or need > end - position or budget[0] < 0:
            return False
        position += need
    return True
