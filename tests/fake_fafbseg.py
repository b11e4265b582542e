"""A stand-in for an installed fafbseg (GPL-3, never needed by the tests) and a small Codex folder.

:func:`install` writes a package folder shaped like fafbseg's installed data (an empty
``fafbseg/__init__.py`` and ``fafbseg/data/JFRC2NP.surf.fw.zip`` of binary PLY boxes in
nanometres, with the macOS resource forks the real archive carries) and puts it on ``sys.path``.
:func:`codex_folder` writes a Codex download without coordinates whose groups name those boxes.
"""

from __future__ import annotations

import importlib
import zipfile
from pathlib import Path

import numpy as np

from brainview.connectome.meshes import Mesh
from brainview.connectome.meshes.ply import generate_ply

BOXES_UM = {
    "AL_L": ((100.0, 200.0, 100.0), (140.0, 240.0, 130.0)),
    "AL_R": ((300.0, 200.0, 100.0), (340.0, 240.0, 130.0)),
    "GNG": ((200.0, 300.0, 100.0), (240.0, 330.0, 160.0)),
}
"""Neuropil name to the (low, high) corners of its box, in micrometres."""

_QUADS = [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)]


def box(low, high, name: str) -> Mesh:
    """A closed box mesh between two corners."""
    corners = np.array([[x, y, z] for x in (low[0], high[0]) for y in (low[1], high[1]) for z in (low[2], high[2])])
    faces = [(a, b, c) for a, b, c, d in _QUADS] + [(a, c, d) for a, b, c, d in _QUADS]
    return Mesh(corners, faces, name)


def install(monkeypatch, root: Path) -> Path:
    """A fake fafbseg under ``root``, importable for the rest of the test; returns the archive."""
    data = root / "fafbseg" / "data"
    data.mkdir(parents=True)
    (root / "fafbseg" / "__init__.py").write_text("")
    archive = data / "JFRC2NP.surf.fw.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for name, (low, high) in BOXES_UM.items():
            nanometres = box(np.array(low) * 1000, np.array(high) * 1000, name)
            zipped.writestr(f"{name}.ply", generate_ply(nanometres))
            zipped.writestr(f"__MACOSX/._{name}.ply", b"\x00\x05\x16\x07 not a mesh")
    monkeypatch.syspath_prepend(str(root))
    importlib.invalidate_caches()
    return archive


NEURONS = """root_id,group,nt_type
11,AL.LH,ACH
12,AL,ACH
13,GNG,GABA
14,GNG.SAD,ACH
15,NO_CONS,ACH
16,LH.SLP,GLUT
17,,ACH
"""
CLASSIFICATION = """root_id,super_class,cell_type,side
11,central,ORN_DA1,left
12,central,ORN_DA1,right
13,central,MN9,center
14,central,MN9,left
15,central,,left
16,central,LHLN,left
17,central,,right
"""
CONNECTIONS = """pre_root_id,post_root_id,neuropil,syn_count,nt_type
11,12,AL_L,10,ACH
12,13,GNG,12,ACH
11,15,AL_L,6,ACH
16,13,GNG,8,GLUT
13,14,GNG,9,GABA
"""
PLACED = {11: "AL_L", 12: "AL_R", 13: "GNG", 14: "GNG"}
"""Root id to the neuropil box it must be placed in; ids 15, 16 and 17 have no box."""


def codex_folder(path: Path) -> Path:
    """A Codex download without ``coordinates`` at ``path``."""
    path.mkdir(parents=True, exist_ok=True)
    for name, text in (("neurons", NEURONS), ("classification", CLASSIFICATION), ("connections", CONNECTIONS)):
        (path / f"{name}.csv").write_text(text)
    return path
