"""Wavefront OBJ meshes (text).

Only geometry is read: ``v x y z [w]`` vertex lines and ``f`` faces whose corners are
``i``, ``i/t``, ``i//n`` or ``i/t/n`` (1-based; negative indices count back from the latest
vertex). Polygons are split into triangle fans. Normals, texture coordinates, groups, materials
and lines are ignored. Lines are numbered from 1 in error messages.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from brainview.connectome.io.errors import FormatError
from brainview.connectome.meshes.mesh import Mesh, fan_triangles


def parse_obj(text: str, source: str | os.PathLike = "<obj>") -> Mesh:
    """Parse the text of an OBJ file; ``source`` names it in errors."""
    vertices: list[tuple[float, float, float]] = []
    faces: list[tuple[int, int, int]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        keyword, *fields = line.split()
        if keyword == "v":
            if len(fields) < 3:
                raise FormatError(source, f"a vertex needs x, y and z, got {len(fields)} numbers", line=number)
            try:
                vertices.append((float(fields[0]), float(fields[1]), float(fields[2])))
            except ValueError:
                raise FormatError(source, f"vertex coordinates must be numbers, got {' '.join(fields[:3])!r}",
                                  line=number) from None
        elif keyword == "f":
            if len(fields) < 3:
                raise FormatError(source, f"a face needs at least 3 corners, got {len(fields)}", line=number)
            corners = [_corner(field, len(vertices), source, number) for field in fields]
            faces.extend(fan_triangles(corners))
    if not vertices:
        raise FormatError(source, "no vertices (lines starting with 'v')")
    return Mesh(np.array(vertices, np.float32), np.array(faces, np.int64).reshape(-1, 3), Path(str(source)).name)


def _corner(field: str, n_vertices: int, source, number: int) -> int:
    text = field.split("/", 1)[0]
    try:
        index = int(text)
    except ValueError:
        raise FormatError(source, f"a face corner must start with a vertex number, got {field!r}", line=number) from None
    resolved = index - 1 if index > 0 else n_vertices + index
    if index == 0 or not 0 <= resolved < n_vertices:
        raise FormatError(
            source, f"face corner {index} refers to a vertex that does not exist (only {n_vertices} so far)",
            line=number,
        )
    return resolved


def read_obj(path: str | os.PathLike) -> Mesh:
    """Read an OBJ file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise FormatError(path, "not a text file (OBJ is text)") from None
    return parse_obj(text, path)


def generate_obj(mesh: Mesh) -> str:
    """The OBJ text of ``mesh``."""
    lines = [f"# {mesh.name or 'mesh'} written by brainview"]
    lines += [f"v {x:.6g} {y:.6g} {z:.6g}" for x, y, z in mesh.vertices]
    lines += [f"f {a + 1} {b + 1} {c + 1}" for a, b, c in mesh.faces]
    return "\n".join(lines) + "\n"


def write_obj(mesh: Mesh, path: str | os.PathLike) -> Path:
    """Write ``mesh`` as an OBJ file; returns the path."""
    path = Path(path)
    path.write_text(generate_obj(mesh), encoding="utf-8")
    return path
