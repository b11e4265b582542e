"""Triangle meshes for outlines (a brain's or a body's surface), from OBJ, PLY or STL files.

One module per format, each with a pure ``parse_*`` (text or bytes in, :class:`Mesh` out, errors
naming the line) beside thin ``read_*`` / ``write_*`` functions that do the file I/O;
:mod:`~brainview.connectome.meshes.inside` tests and samples points inside a closed mesh.
Meshes are data, without Qt or OpenGL, so that readers can place cells in them (the FlyWire
neuropils, :mod:`brainview.connectome.neuropils`); ``brainview.render`` draws them.
"""

from __future__ import annotations

import os
from pathlib import Path

from brainview.connectome.io.errors import FormatError
from brainview.errors import MissingInputError
from brainview.connectome.meshes.mesh import Mesh
from brainview.connectome.meshes.obj import parse_obj, read_obj, write_obj
from brainview.connectome.meshes.ply import parse_ply, read_ply, write_ply
from brainview.connectome.meshes.stl import parse_stl, read_stl, write_stl

READERS = {".obj": read_obj, ".ply": read_ply, ".stl": read_stl}
"""Reader per file suffix."""


def read_mesh(path: str | os.PathLike) -> Mesh:
    """Read an OBJ, PLY or STL mesh, chosen by the file's suffix.

    Raises
    ------
    MissingInputError
        If ``path`` does not exist (a ``FileNotFoundError``).
    FormatError
        If the suffix is not one of .obj, .ply, .stl, or the file is not valid.
    """
    path = Path(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise FormatError(path, f"unknown mesh format {path.suffix!r}; brainview reads {', '.join(READERS)}")
    if not path.is_file():
        raise MissingInputError(f"{path}: no such file")
    try:
        return reader(path)
    except FormatError:
        raise
    except ValueError as error:  # a Mesh refusing what the file held (non-finite vertices...)
        raise FormatError(path, str(error)) from None


__all__ = [
    "Mesh", "READERS", "parse_obj", "parse_ply", "parse_stl", "read_mesh",
    "read_obj", "read_ply", "read_stl", "write_obj", "write_ply", "write_stl",
]
