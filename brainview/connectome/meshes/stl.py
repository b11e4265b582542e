"""STL meshes, binary or ASCII.

Binary STL: an 80-byte header, a little-endian uint32 triangle count, then 50 bytes per
triangle (normal, three vertices as float32, a uint16 attribute). ASCII STL: ``solid`` ...
``facet normal`` / ``outer loop`` / three ``vertex x y z`` / ``endloop`` / ``endfacet`` ...
``endsolid``. A file is binary when its size matches its triangle count (some binary files
also begin with the word "solid"). Corners that share a position become one vertex.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np

from brainview.connectome.io.errors import FormatError
from brainview.connectome.meshes.mesh import Mesh

_RECORD = np.dtype([("normal", "<f4", 3), ("corners", "<f4", (3, 3)), ("attribute", "<u2")])


def parse_stl(data: bytes, source: str | os.PathLike = "<stl>") -> Mesh:
    """Parse the bytes of an STL file; ``source`` names it in errors."""
    name = Path(str(source)).name
    if len(data) >= 84:
        (count,) = struct.unpack_from("<I", data, 80)
        if len(data) == 84 + 50 * count:
            records = np.frombuffer(data, _RECORD, count=count, offset=84)
            return _welded(records["corners"].reshape(-1, 3), name)
    if not data.lstrip()[:5].lower() == b"solid":
        raise FormatError(source, "neither a binary STL (size does not match the triangle count) nor ASCII ('solid')")
    return _parse_ascii(data, source, name)


def _parse_ascii(data: bytes, source, name: str) -> Mesh:
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise FormatError(source, "an ASCII STL must be plain ASCII text") from None
    corners: list[tuple[float, float, float]] = []
    in_loop = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        words = raw.split()
        if not words:
            continue
        keyword = words[0].lower()
        if keyword == "outer":
            in_loop = 0
        elif keyword == "vertex":
            try:
                corners.append((float(words[1]), float(words[2]), float(words[3])))
            except (IndexError, ValueError):
                raise FormatError(source, f"'vertex' needs three numbers, got {' '.join(words[1:])!r}", line=number) from None
            in_loop += 1
        elif keyword == "endloop" and in_loop != 3:
            raise FormatError(source, f"a facet needs 3 vertices, this one has {in_loop}", line=number)
    if not corners:
        raise FormatError(source, "no facets found")
    with np.errstate(over="ignore"):  # a coordinate beyond float32 becomes inf, which Mesh refuses
        return _welded(np.array(corners, np.float32), name)


def _welded(corners: np.ndarray, name: str) -> Mesh:
    """One vertex per distinct corner position (STL repeats shared corners)."""
    vertices, inverse = np.unique(corners, axis=0, return_inverse=True)
    return Mesh(vertices, inverse.reshape(-1, 3), name)


def read_stl(path: str | os.PathLike) -> Mesh:
    """Read a binary or ASCII STL file."""
    path = Path(path)
    return parse_stl(path.read_bytes(), path)


def generate_stl(mesh: Mesh, binary: bool = True) -> bytes:
    """The STL bytes of ``mesh`` (normals from the corner order)."""
    corners = mesh.vertices[mesh.faces.astype(np.int64)]
    normals = np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])
    length = np.linalg.norm(normals, axis=1, keepdims=True)
    normals = np.divide(normals, length, out=np.zeros_like(normals), where=length > 0)
    if binary:
        records = np.zeros(len(corners), _RECORD)
        records["normal"] = normals
        records["corners"] = corners
        header = (mesh.name or "brainview mesh").encode("ascii", "replace")[:80].ljust(80, b" ")
        return header + struct.pack("<I", len(corners)) + records.tobytes()
    lines = [f"solid {mesh.name or 'mesh'}"]
    for normal, triangle in zip(normals, corners):
        lines.append("  facet normal {:.6g} {:.6g} {:.6g}".format(*normal))
        lines.append("    outer loop")
        lines += ["      vertex {:.6g} {:.6g} {:.6g}".format(*corner) for corner in triangle]
        lines.append("    endloop")
        lines.append("  endfacet")
    lines.append(f"endsolid {mesh.name or 'mesh'}")
    return ("\n".join(lines) + "\n").encode("ascii")


def write_stl(mesh: Mesh, path: str | os.PathLike, binary: bool = True) -> Path:
    """Write ``mesh`` as a binary (default) or ASCII STL file; returns the path."""
    path = Path(path)
    path.write_bytes(generate_stl(mesh, binary))
    return path
