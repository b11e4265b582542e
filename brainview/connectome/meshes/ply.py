"""Stanford PLY meshes: ASCII, binary little-endian or binary big-endian.

A text header (``ply``, ``format ...``, ``element <name> <count>`` each followed by its
``property <type> <name>`` or ``property list <count type> <item type> <name>`` lines,
``end_header``) is followed by the elements in header order. brainview reads ``x y z`` of the
``vertex`` element and ``vertex_indices`` (or ``vertex_index``) of the ``face`` element;
polygons are split into triangle fans; other elements and properties are skipped. Header
lines are numbered from 1 in errors; body errors name the element.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from brainview.connectome.io.errors import FormatError
from brainview.connectome.meshes.mesh import Mesh, fan_triangles

_TYPES = {
    "char": "i1", "int8": "i1", "uchar": "u1", "uint8": "u1", "short": "i2", "int16": "i2",
    "ushort": "u2", "uint16": "u2", "int": "i4", "int32": "i4", "uint": "u4", "uint32": "u4",
    "float": "f4", "float32": "f4", "double": "f8", "float64": "f8",
}
_FORMATS = {"ascii": "", "binary_little_endian": "<", "binary_big_endian": ">"}
_FACE_LISTS = ("vertex_indices", "vertex_index")


@dataclass
class _Element:
    name: str
    count: int
    properties: list[tuple[str, str, str | None]] = field(default_factory=list)  # name, type, list count type

    @property
    def scalar_only(self) -> bool:
        return all(count_type is None for _, _, count_type in self.properties)


def parse_ply(data: bytes, source: str | os.PathLike = "<ply>") -> Mesh:
    """Parse the bytes of a PLY file; ``source`` names it in errors."""
    end = data.find(b"end_header")
    if not data.startswith(b"ply") or end < 0:
        raise FormatError(source, "not a PLY file (must start with 'ply' and have an 'end_header' line)", line=1)
    body_start = data.index(b"\n", end) + 1 if b"\n" in data[end:] else len(data)
    fmt, elements = _parse_header(data[:end].decode("ascii", "replace").splitlines(), source)
    body = data[body_start:]
    if fmt == "":
        values = _read_ascii(body, elements, source)
    else:
        values = _read_binary(body, elements, fmt, source)
    if "vertex" not in values:
        raise FormatError(source, "no 'vertex' element")
    vertex = values["vertex"]
    missing = [axis for axis in "xyz" if axis not in vertex]
    if missing:
        raise FormatError(source, f"the vertex element lacks {', '.join(missing)}", column="vertex")
    vertices = np.column_stack([np.asarray(vertex[a], np.float64) for a in "xyz"])
    faces = values.get("face", {})
    polygons = next((faces[key] for key in _FACE_LISTS if key in faces), [])
    triangles = _triangulate(polygons, vertices.shape[0], source)
    return Mesh(vertices, triangles, Path(str(source)).name)


def _parse_header(lines: list[str], source) -> tuple[str, list[_Element]]:
    fmt = None
    elements: list[_Element] = []
    for number, line in enumerate(lines, start=1):
        words = line.split()
        if not words or words[0] in ("ply", "comment", "obj_info"):
            continue
        if words[0] == "format":
            if len(words) < 2 or words[1] not in _FORMATS:
                raise FormatError(source, f"unknown format {' '.join(words[1:])!r}; "
                                  f"expected one of {', '.join(_FORMATS)}", line=number)
            fmt = _FORMATS[words[1]]
        elif words[0] == "element":
            try:
                elements.append(_Element(words[1], int(words[2])))
            except (IndexError, ValueError):
                raise FormatError(source, f"an element line is 'element <name> <count>', got {line!r}", line=number) from None
        elif words[0] == "property":
            if not elements:
                raise FormatError(source, "a property before any element", line=number)
            if len(words) == 5 and words[1] == "list" and words[2] in _TYPES and words[3] in _TYPES:
                elements[-1].properties.append((words[4], _TYPES[words[3]], _TYPES[words[2]]))
            elif len(words) == 3 and words[1] in _TYPES:
                elements[-1].properties.append((words[2], _TYPES[words[1]], None))
            else:
                raise FormatError(source, f"cannot read property line {line!r}", line=number)
        else:
            raise FormatError(source, f"unexpected header line {line!r}", line=number)
    if fmt is None:
        raise FormatError(source, "the header has no 'format' line")
    return fmt, elements


def _read_ascii(body: bytes, elements: list[_Element], source) -> dict[str, dict[str, list]]:
    lines = body.decode("ascii", "replace").splitlines()
    position = 0
    values: dict[str, dict[str, list]] = {}
    for element in elements:
        columns: dict[str, list] = {name: [] for name, _, _ in element.properties}
        for index in range(element.count):
            while position < len(lines) and not lines[position].strip():
                position += 1
            if position >= len(lines):
                raise FormatError(source, f"the file ends in {element.name} {index} of {element.count}",
                                  column=element.name)
            words = lines[position].split()
            position += 1
            cursor = 0
            try:
                for name, _, count_type in element.properties:
                    if count_type is None:
                        columns[name].append(float(words[cursor]))
                        cursor += 1
                    else:
                        count = int(words[cursor])
                        columns[name].append([int(float(w)) for w in words[cursor + 1:cursor + 1 + count]])
                        cursor += 1 + count
            except (IndexError, ValueError):
                raise FormatError(source, f"{element.name} {index}: cannot read {lines[position - 1]!r}",
                                  column=element.name) from None
        values[element.name] = columns
    return values


def _read_binary(body: bytes, elements: list[_Element], order: str, source) -> dict[str, dict[str, list]]:
    offset = 0
    values: dict[str, dict] = {}
    for element in elements:
        if element.scalar_only:
            dtype = np.dtype([(name, order + kind) for name, kind, _ in element.properties])
            if offset + dtype.itemsize * element.count > len(body):
                raise FormatError(source, f"the file ends inside the {element.name} element", column=element.name)
            table = np.frombuffer(body, dtype, count=element.count, offset=offset)
            values[element.name] = {name: table[name] for name in table.dtype.names}
            offset += dtype.itemsize * element.count
        elif (triangles := _binary_triangles(body, element, order, offset)) is not None:
            values[element.name] = {element.properties[0][0]: triangles}
            offset += triangles.nbytes + element.count * np.dtype(element.properties[0][2]).itemsize
        else:
            values[element.name], offset = _read_binary_lists(body, element, order, offset, source)
    return values


def _binary_triangles(body: bytes, element: _Element, order: str, offset: int) -> np.ndarray | None:
    """Fast path for the usual face element, a single list that is always 3 long; else None."""
    if len(element.properties) != 1:
        return None
    _, kind, count_type = element.properties[0]
    dtype = np.dtype([("n", order + count_type), ("v", order + kind, 3)])
    if offset + dtype.itemsize * element.count > len(body):
        return None
    table = np.frombuffer(body, dtype, count=element.count, offset=offset)
    if not np.all(table["n"] == 3):
        return None
    return np.ascontiguousarray(table["v"])


def _read_binary_lists(body: bytes, element: _Element, order: str, offset: int, source):
    """An element with list properties: one record at a time (sizes vary per record)."""
    columns: dict[str, list] = {name: [] for name, _, _ in element.properties}
    try:
        for _ in range(element.count):
            for name, kind, count_type in element.properties:
                if count_type is None:
                    item = np.dtype(order + kind)
                    columns[name].append(np.frombuffer(body, item, 1, offset)[0])
                    offset += item.itemsize
                else:
                    count_dtype, item = np.dtype(order + count_type), np.dtype(order + kind)
                    count = int(np.frombuffer(body, count_dtype, 1, offset)[0])
                    offset += count_dtype.itemsize
                    columns[name].append(np.frombuffer(body, item, count, offset).tolist())
                    offset += item.itemsize * count
    except ValueError:
        raise FormatError(source, f"the file ends inside the {element.name} element", column=element.name) from None
    return columns, offset


def _triangulate(polygons, n_vertices: int, source) -> np.ndarray:
    triangles: list[tuple[int, int, int]] = []
    for index, polygon in enumerate(polygons):
        if np.ndim(polygon) != 1:  # a scalar property where a list of corners belongs
            raise FormatError(source, f"face {index} is not a list of vertex indices", column="face")
        corners = [int(v) for v in polygon]
        if len(corners) < 3:
            raise FormatError(source, f"face {index} has {len(corners)} corners; a face needs 3", column="face")
        if min(corners) < 0 or max(corners) >= n_vertices:
            raise FormatError(source, f"face {index} refers to a vertex outside 0..{n_vertices - 1}", column="face")
        triangles.extend(fan_triangles(corners))
    return np.array(triangles, np.int64).reshape(-1, 3)


def read_ply(path: str | os.PathLike) -> Mesh:
    """Read a PLY file (ASCII or binary)."""
    path = Path(path)
    return parse_ply(path.read_bytes(), path)


def generate_ply(mesh: Mesh, binary: bool = True) -> bytes:
    """The PLY bytes of ``mesh``: binary little-endian (default) or ASCII."""
    header = "\n".join([
        "ply", f"format {'binary_little_endian' if binary else 'ascii'} 1.0", "comment written by brainview",
        f"element vertex {len(mesh.vertices)}", "property float x", "property float y", "property float z",
        f"element face {len(mesh.faces)}", "property list uchar int vertex_indices", "end_header",
    ]) + "\n"
    if binary:
        faces = np.zeros(len(mesh.faces), [("n", "u1"), ("v", "<i4", 3)])
        faces["n"] = 3
        faces["v"] = mesh.faces
        return header.encode("ascii") + mesh.vertices.astype("<f4").tobytes() + faces.tobytes()
    rows = [f"{x:.6g} {y:.6g} {z:.6g}" for x, y, z in mesh.vertices]
    rows += [f"3 {a} {b} {c}" for a, b, c in mesh.faces]
    return (header + "\n".join(rows) + "\n").encode("ascii")


def write_ply(mesh: Mesh, path: str | os.PathLike, binary: bool = True) -> Path:
    """Write ``mesh`` as a PLY file; returns the path."""
    path = Path(path)
    path.write_bytes(generate_ply(mesh, binary))
    return path
