"""Reading brainview's HDF5 files safely, whoever made them.

Every brainview HDF5 reader (the connectome file, the run file) opens files through
:func:`open_hdf5` and reads through :class:`SafeFile`, which guarantee:

* Nothing outside the file is touched. A file with an external link, a soft link or a
  user-defined link anywhere in it is refused (brainview's formats use plain hard links only),
  and so is a dataset with external raw storage or a virtual layout; neither is opened as far as
  reading its extent (which, for a virtual dataset, opens its source files).
* No filter plugin is ever loaded and no HDF5 filter runs on the file's data: only the filters
  brainview writes (gzip and shuffle) are accepted, and chunks are decompressed by brainview
  (:mod:`~brainview.connectome.io._hdf5_storage`), each to at most its own declared size, so a
  chunk cannot inflate into more memory than its share of the dataset.
* Declared sizes are backed by stored data: every chunk of a chunked dataset, and all of a
  contiguous one, must be present in the file, so unallocated datasets cannot expand from a fill
  value. Callers compare every dataset's shape with the others' before reading any of them.
* Numbers are converted only when the conversion is exact
  (:func:`~brainview.connectome.arrays.exact_cast`).
* Every failure, whatever HDF5 or h5py raise for it, is a
  :class:`~brainview.connectome.io.FormatError` naming the file (:meth:`SafeFile.errors`).

Files are opened read-only with the default (sec2) driver and h5py's default locking.
"""

from __future__ import annotations

import math
import os
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import h5py
import numpy as np
from h5py import h5a, h5d, h5l, h5o, h5s, h5t

from brainview.connectome.arrays import BLOCK, exact_cast
from brainview.connectome.io._hdf5_storage import (
    ALLOWED_FILTERS,
    SHUFFLE,
    check_global_heaps,
    read_chunks,
)
from brainview.connectome.io.errors import FormatError

_LINK_KINDS = {h5l.TYPE_SOFT: "a soft link", h5l.TYPE_EXTERNAL: "an external link"}
_LAYOUTS = {h5d.COMPACT: "compact", h5d.CONTIGUOUS: "contiguous", h5d.CHUNKED: "chunked", h5d.VIRTUAL: "virtual"}
_MIN_VLEN_BYTES = 12
"""Fewest bytes HDF5 stores per variable-length element (length + heap address + index)."""

_CONVERTED = (OSError, RuntimeError, KeyError, ValueError, TypeError, OverflowError, NotImplementedError, zlib.error)
"""What h5py, HDF5 and numpy raise for unreadable or malformed content."""


@contextmanager
def open_hdf5(path: str | os.PathLike) -> Iterator[SafeFile]:
    """Open ``path`` read-only and check every link in it; yields a :class:`SafeFile`.

    Raises FormatError if the file is empty, not HDF5 (or truncated), or holds any link other
    than a hard link.
    """
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        raise FormatError(path, "the file is empty")
    try:
        f = h5py.File(path, "r")
    except _CONVERTED as error:
        raise FormatError(path, f"not a readable HDF5 file (truncated or foreign?): {_one_line(error)}") from None
    try:
        safe = SafeFile(path, f, size)
        with safe.errors():
            check_global_heaps(path, size, f.id.get_create_plist().get_sizes()[1])
            safe._check_links()
        yield safe
    finally:
        try:
            f.close()
        except _CONVERTED:  # closing a damaged file can fail; the reader's own error matters more
            pass


class SafeFile:
    """An open HDF5 file read only through checked paths; see the module docstring."""

    def __init__(self, path: Path, file: h5py.File, size: int) -> None:
        self.path = path
        self.file = file
        self.size = size

    # -- errors -----------------------------------------------------------------------
    @contextmanager
    def errors(self, column: str | None = None) -> Iterator[None]:
        """Turn whatever reading raises into a FormatError naming the file (and ``column``)."""
        try:
            yield
        except FormatError:
            raise
        except MemoryError:
            raise FormatError(self.path, "the file declares more data than fits in memory", column=column) from None
        except _CONVERTED as error:
            raise FormatError(self.path, f"unreadable contents: {_one_line(error)}", column=column) from None

    def fail(self, problem: str, column: str | None = None) -> FormatError:
        """A FormatError about this file, to raise."""
        return FormatError(self.path, problem, column=column)

    # -- structure --------------------------------------------------------------------
    def _check_links(self) -> None:
        found: list[tuple[str, int]] = []

        def visit(name: bytes, info) -> int | None:
            if info.type != h5l.TYPE_HARD:
                found.append((name.decode(errors="replace"), info.type))
                return 1  # stop at the first
            return None

        self.file.id.links.visit(visit, info=True)
        if found:
            name, kind = found[0]
            what = _LINK_KINDS.get(kind, "a user-defined link")
            raise self.fail(f"/{name} is {what}; brainview files hold no links to other places", column=name)

    def _hard(self, name: str) -> h5o.ObjectID | None:
        """The object at ``name`` reached through hard links only, or None if there is none."""
        node = self.file.id
        parts = name.strip("/").split("/")
        for depth, part in enumerate(parts):
            if not part or part in (".", ".."):
                raise self.fail(f"bad object name /{name}", column=name)
            key = part.encode()
            if not isinstance(node, h5py.h5g.GroupID) or not node.links.exists(key):
                return None
            if node.links.get_info(key).type != h5l.TYPE_HARD:
                raise self.fail(f"/{'/'.join(parts[: depth + 1])} is a link, not an object stored in the file",
                                column=name)
            node = h5o.open(node, key)
        return node

    def has(self, name: str) -> bool:
        """True when an object (group or dataset) is stored at ``name``."""
        return self._hard(name) is not None

    def group(self, name: str) -> h5py.Group:
        """The group at ``name``; FormatError if missing or not a group."""
        node = self._hard(name)
        if node is None:
            raise self.fail(f"missing group /{name}", column=name)
        if not isinstance(node, h5py.h5g.GroupID):
            raise self.fail(f"/{name} should be a group", column=name)
        return h5py.Group(node)

    def members(self, name: str) -> list[str]:
        """Names of the objects in the group ``name`` (links only listed, not followed)."""
        return [n.decode() for n in _link_names(self.group(name).id)]

    def dataset(self, name: str, doc: str = "", strings: bool = False) -> SafeDataset:
        """The dataset at ``name``, with its storage checked; FormatError if missing or unsafe.

        Numeric datasets only, or with ``strings`` variable-length strings only.
        """
        node = self._hard(name)
        if node is None:
            raise self.fail(f"missing dataset /{name}" + (f" ({doc})" if doc else ""), column=name)
        if not isinstance(node, h5d.DatasetID):
            raise self.fail(f"/{name} should be a dataset, not a {_kind_of(node)}", column=name)
        return SafeDataset(self, name, node, strings)

    # -- attributes -------------------------------------------------------------------
    def attribute_names(self, name: str = "/") -> list[str]:
        """Names of the attributes of the object at ``name``."""
        return list(h5py.AttributeManager(SimpleNamespace(id=self._node(name))).keys())

    def _node(self, name: str) -> h5o.ObjectID:
        node = self.file.id if name.strip("/") == "" else self._hard(name)
        if node is None:
            raise self.fail(f"missing /{name}", column=name)
        return node

    def attribute(self, name: str, key: str, kind: str, default: object = None):
        """The attribute ``key`` of the object at ``name``, checked before it is read.

        ``kind`` is "str" (a scalar string), "strs" (a 1-D array of strings), "number" (a
        scalar int or float), "int" (a scalar integer) or "scalar" (a string or a number).
        Returns ``default`` when the attribute is absent; strings come back as ``str``.
        """
        node = self._node(name)
        where = name.strip("/") or None
        if not h5a.exists(node, key.encode()):
            return default
        attr = h5a.open(node, key.encode())
        shape, dtype = attr.shape, attr.dtype
        text = h5py.check_string_dtype(dtype) is not None
        number = dtype.kind in "iuf" and not dtype.fields and h5py.check_enum_dtype(dtype) is None
        if shape is None or (kind != "strs" and shape != ()) or (kind == "strs" and len(shape) != 1):
            wanted = "a 1-D array of strings" if kind == "strs" else "a single value"
            raise self.fail(f"attribute {key!r} should be {wanted}, got shape {shape}", column=where)
        wanted_ok = {
            "str": text, "strs": text, "number": number, "int": number and dtype.kind in "iu",
            "scalar": text or number,
        }[kind]
        if not wanted_ok:
            wanted = {"str": "a string", "strs": "strings", "number": "a number", "int": "an integer",
                      "scalar": "a string or a number"}[kind]
            raise self.fail(f"attribute {key!r} should be {wanted}, got {_describe(dtype)}", column=where)
        count = math.prod(shape)
        try:
            stored = attr.get_storage_size()
        except RuntimeError:  # h5py reports a size of 0 (an empty attribute) as an error
            stored = 0
        per_item = _MIN_VLEN_BYTES if h5py.check_vlen_dtype(dtype) is not None else dtype.itemsize
        if count * per_item > max(stored, 0) or stored > self.size:
            raise self.fail(f"attribute {key!r} declares more data than the file holds", column=where)
        value = h5py.AttributeManager(SimpleNamespace(id=node))[key]
        if text:
            return _text(value) if kind != "strs" else [_text(v) for v in np.asarray(value, dtype=object)]
        return value.item() if isinstance(value, np.generic) else value


class SafeDataset:
    """A dataset whose layout, filters, type and allocation have been checked (not yet read)."""

    def __init__(self, file: SafeFile, name: str, dsid: h5d.DatasetID, strings: bool = False) -> None:
        self.file, self.name, self.id = file, name, dsid
        fail = file.fail
        dcpl = dsid.get_create_plist()
        self.layout = dcpl.get_layout()
        if self.layout not in (h5d.COMPACT, h5d.CONTIGUOUS, h5d.CHUNKED):
            # Checked before the extent is read: reading a virtual dataset's opens its sources.
            raise fail(f"a {_LAYOUTS.get(self.layout, 'foreign')} dataset; brainview reads only data stored in the file",
                       column=name)
        if dcpl.get_external_count():
            raise fail("its data is stored in other files (external storage); brainview reads only data stored "
                       "in the file", column=name)
        self.filters = [dcpl.get_filter(i)[:3] for i in range(dcpl.get_nfilters())]
        for code, _flags, _values in self.filters:
            if code not in ALLOWED_FILTERS:
                raise fail(f"compressed with HDF5 filter {code}, which brainview does not read "
                           f"(only {', '.join(ALLOWED_FILTERS.values())})", column=name)
        if self.filters and self.layout != h5d.CHUNKED:
            raise fail("filters on an unchunked dataset", column=name)
        space = dsid.get_space()
        if space.get_simple_extent_type() != h5s.SIMPLE:
            raise fail("a scalar or empty dataspace where an array belongs", column=name)
        self.shape = tuple(int(s) for s in space.shape)
        self.dtype = dsid.dtype
        self.size = math.prod(self.shape)
        if strings:
            info = h5py.check_string_dtype(self.dtype)
            if info is None or info.length is not None:
                raise fail(f"stored as {_describe(self.dtype)}, expected variable-length strings", column=name)
            if self.filters:
                raise fail("compressed strings; brainview writes its strings uncompressed", column=name)
            self.storage, self.nbytes = None, self.size * _MIN_VLEN_BYTES  # the least it can take
        else:
            self.storage = _storage_dtype(self.dtype)
            if self.storage is None or not dsid.get_type().equal(h5t.py_create(self.dtype)):
                raise fail(f"stored as {_describe(self.dtype)}, which brainview does not read here", column=name)
            self.nbytes = self.size * self.storage.itemsize
        for code, _flags, values in self.filters:
            if code == SHUFFLE and self.storage is not None and tuple(values[:1]) != (self.storage.itemsize,):
                raise fail(f"shuffle filter set for {values[:1]}-byte items, the data has {self.storage.itemsize}",
                           column=name)
        self._check_allocated(dcpl)

    def _check_allocated(self, dcpl) -> None:
        def fail(problem: str) -> FormatError:
            return self.file.fail(problem, column=self.name)

        if self.layout != h5d.CHUNKED:
            stored = self.id.get_storage_size()
            # numbers take exactly their size; strings at least their heap references' size
            exact = stored == self.nbytes if self.storage is not None else self.nbytes <= stored <= self.file.size
            if not exact:
                raise fail(f"declares {self.nbytes} bytes of data but stores {stored}")
            offset = self.id.get_offset()
            if self.layout == h5d.CONTIGUOUS and self.nbytes and (offset is None or offset + stored > self.file.size):
                raise fail("its data lies beyond the end of the file")
            return
        self.chunk = tuple(int(c) for c in dcpl.get_chunk())
        if len(self.chunk) != len(self.shape) or min(self.chunk, default=1) < 1:
            raise fail(f"chunk shape {self.chunk} does not fit the dataset shape {self.shape}")
        self.chunk_bytes = math.prod(self.chunk) * (self.storage.itemsize if self.storage else _MIN_VLEN_BYTES)
        if self.chunk_bytes > max(self.nbytes, BLOCK):
            raise fail(f"chunks of {self.chunk_bytes} bytes for {self.nbytes} bytes of data")
        self.grid = tuple(-(-s // c) for s, c in zip(self.shape, self.chunk))
        expected = math.prod(self.grid)
        stored = self.id.get_num_chunks()
        if stored != expected:
            raise fail(f"{stored} of its {expected} chunks are stored; brainview files store every chunk")

    # -- reading ----------------------------------------------------------------------
    def read(self) -> np.ndarray:
        """All of the data, in native byte order (bool datasets come back as bool)."""
        if self.storage is None:
            raise self.file.fail("strings where numbers belong", column=self.name)
        with self.file.errors(column=self.name):
            out = np.empty(self.shape, dtype=self.storage.newbyteorder("="))
            if self.size:
                if self.layout == h5d.CHUNKED:
                    read_chunks(self, out)
                else:
                    self._read_plain(out)
        if self.dtype.kind == "b":
            if out.size and (out.min() < 0 or out.max() > 1):
                raise self.file.fail("boolean values other than 0 and 1", column=self.name)
            out = out.view(np.bool_)
        return out

    def read_as(self, dtype) -> np.ndarray:
        """All of the data as ``dtype``; FormatError unless every value converts exactly."""
        values = self.read()
        if values.dtype.kind == "b":
            raise self.file.fail(f"stored as booleans, expected {np.dtype(dtype)}", column=self.name)
        try:
            return exact_cast(values, dtype)
        except ValueError as error:
            raise self.file.fail(f"stored as {values.dtype}: {error}", column=self.name) from None

    def _read_plain(self, out: np.ndarray) -> None:
        """Contiguous or compact data, read as stored (no HDF5 conversion) straight into ``out``."""
        self.id.read(h5s.ALL, h5s.ALL, out, self.id.get_type())
        if out.dtype != self.storage:  # stored in the other byte order: swap in place
            out.byteswap(inplace=True)

    def read_strings(self) -> list[str]:
        """A 1-D dataset of variable-length strings, read in blocks; at most the file's size of text."""
        if self.storage is not None or len(self.shape) != 1:
            raise self.file.fail(f"should be a 1-D array of strings, got {_describe(self.dtype)}", column=self.name)
        strings: list[str] = []
        total = 0
        with self.file.errors(column=self.name):
            dataset = h5py.Dataset(self.id)
            # Small blocks: references can repeat one long heap string, so a block costs up to
            # its length times that string before the running total can stop it.
            for start in range(0, self.size, 16):
                for value in dataset[start : start + 16]:
                    text = _text(value)
                    total += len(text)
                    if total > self.file.size:
                        raise self.file.fail("its strings add up to more text than the file holds", column=self.name)
                    strings.append(text)
        return strings


# -- helpers ---------------------------------------------------------------------------------
def _storage_dtype(dtype: np.dtype) -> np.dtype | None:
    """The numpy type of the raw items of a numeric dataset; None for any other type."""
    if dtype.fields or dtype.subdtype or h5py.check_enum_dtype(dtype) is not None:
        return None
    if dtype.kind == "b":  # h5py's FALSE/TRUE enumeration of int8
        return np.dtype(np.int8) if dtype.itemsize == 1 else None
    if dtype.kind in "iuf" and dtype.itemsize in (1, 2, 4, 8):
        return dtype
    return None


def _describe(dtype: np.dtype) -> str:
    if h5py.check_string_dtype(dtype) is not None:
        return "strings"
    if h5py.check_vlen_dtype(dtype) is not None:
        return "variable-length sequences"
    if h5py.check_enum_dtype(dtype) is not None:
        return "an enumeration"
    if h5py.check_ref_dtype(dtype) is not None:
        return "object references"
    if dtype.fields:
        return "a compound type"
    if dtype.subdtype:
        return "an array type"
    return str(dtype)


def _text(value: object) -> str:
    if isinstance(value, bytes | np.bytes_):
        return bytes(value).decode("utf-8")
    if isinstance(value, str):
        value.encode("utf-8")  # no lone surrogates
        return value
    raise TypeError(f"expected a string, got {type(value).__name__}")


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) < 300 else text[:297] + "..."


def _link_names(gid) -> list[bytes]:
    names: list[bytes] = []
    gid.links.iterate(names.append)
    return names


def _kind_of(node) -> str:
    if isinstance(node, h5py.h5g.GroupID):
        return "group"
    if isinstance(node, h5t.TypeID):
        return "named datatype"
    return "object"
