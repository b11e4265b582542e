"""The FlyWire neuropil meshes of an installed ``fafbseg``, and cells placed inside them.

The PyPI package fafbseg (GPL-3) ships the 78 FlyWire neuropil surfaces (the JFRC2 template's
neuropils mapped into FAFB14 space) as one zip archive of binary PLY files, one per neuropil
named like the neuropil (``AL_L.ply``, ``GNG.ply``), vertices in nanometres::

    <site-packages>/fafbseg/data/JFRC2NP.surf.fw.zip

brainview reads that archive where the package is installed, at run time; nothing of it is
copied into brainview. The package is located with ``importlib.util.find_spec``, which does not
import it (importing fafbseg pulls in navis and a CAVE client, which brainview does not need).

Codex ``neurons`` tables name a neuron's neuropils in its ``group`` column, strongest first and
without a side (``ME.LO``); :func:`main_neuropil` picks the first one and the side of the
neuron's soma (``classification.side``: ``left`` gives ``ME_L``). Unpaired neuropils (GNG,
PB, EB...) have no side. :func:`place_in_neuropils` puts each cell without a position at a
uniform random point inside its main neuropil's mesh (seeded): a placement, not a measurement.

What a placed connectome records (:func:`complete_fly_positions`, called by the Codex reader):

- ``meta["positions"]``: ``"placed: inside their main neuropil's mesh (fafbseg <version>), not
  measured"`` (or ``"measured"`` when some cells had coordinates); ``meta["positions_meshes"]``
  the meshes' source; ``meta["positions_placed"]`` how many cells went into a mesh;
- the column ``position_source``, per cell: ``"<neuropil> mesh"``, ``"partners"`` (no mesh fits;
  placed at the mean of its synaptic partners), :data:`STRANDED_SOURCE` (neither) or
  ``"measured"``; the native format keeps it like any column;
- without fafbseg, ``meta["positions_note"]`` says how to install it, and the positions are
  those of :mod:`brainview.connectome.layout`.
"""

from __future__ import annotations

import importlib.util
import os
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from brainview.connectome.categorical import MISSING, Categorical
from brainview.connectome.io.errors import FormatError
from brainview.connectome.layout import complete_positions
from brainview.connectome.meshes import Mesh, parse_ply
from brainview.connectome.meshes.inside import MeshInterior
from brainview.connectome.synapses import SynapseCSR

ARCHIVE = Path("data") / "JFRC2NP.surf.fw.zip"
"""Where fafbseg keeps its neuropil meshes, inside its package folder."""

INSTALL_HINT = "pip install fafbseg"
"""How a user gets the neuropil meshes (the package is GPL-3, so brainview does not ship them)."""

NM_TO_UM = 0.001

SIDES = {"left": "_L", "right": "_R", "l": "_L", "r": "_R"}
"""Soma side (``classification.side``) to the suffix of paired neuropils."""

PLACED_SOURCE = "{} mesh"
"""``position_source`` label of a cell placed inside the mesh of neuropil ``{}``."""

PARTNERS_SOURCE = "partners"
"""``position_source`` label of a cell placed among its synaptic partners."""

STRANDED_SOURCE = "around the others (no neuropil mesh, no partners)"
"""``position_source`` label of a cell with neither a mesh nor a partner: it goes on a sphere."""

MEASURED_SOURCE = "measured"
"""``position_source`` label of a cell whose position the source gave (as the worm's column has it)."""


@dataclass(frozen=True)
class NeuropilMeshes:
    """The neuropil surfaces of one fafbseg installation, in micrometres.

    Parameters
    ----------
    meshes : dict of str to Mesh
        One mesh per neuropil name (``AL_L``, ``GNG``...), sorted by name.
    source : str
        Where they came from, for messages and metadata ("fafbseg 3.2.3").
    path : pathlib.Path
        The archive read.
    """

    meshes: dict[str, Mesh]
    source: str
    path: Path


def find_neuropil_archive() -> Path | None:
    """The neuropil archive of the installed fafbseg, or None when fafbseg is not installed."""
    try:
        spec = importlib.util.find_spec("fafbseg")
    except (ImportError, ValueError):  # a broken installation counts as none
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        archive = Path(folder) / ARCHIVE
        if archive.is_file():
            return archive
    return None


def load_neuropil_meshes() -> NeuropilMeshes | None:
    """The installed fafbseg's neuropil meshes, read once per archive; None without fafbseg.

    Raises
    ------
    FormatError
        If the archive is there but is not a zip of PLY meshes (naming the archive and member).
    """
    archive = find_neuropil_archive()
    if archive is None:
        return None
    stat = archive.stat()
    return _read_archive(archive.resolve(), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=2)
def _read_archive(path: Path, _mtime_ns: int, _size: int) -> NeuropilMeshes:
    """Cached by path, modification time and size, so a reinstalled package is read again."""
    return read_neuropil_archive(path)


def read_neuropil_archive(path: str | os.PathLike) -> NeuropilMeshes:
    """Read a zip of ``<neuropil>.ply`` meshes in nanometres (fafbseg's layout) into micrometres."""
    path = Path(path)
    meshes: dict[str, Mesh] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for member in sorted(archive.namelist()):
                name = member.rsplit("/", 1)[-1]
                # macOS archivers add "__MACOSX/._AL_L.ply" resource forks beside each file.
                if not name.lower().endswith(".ply") or name.startswith(".") or member.startswith("__MACOSX"):
                    continue
                mesh = parse_ply(archive.read(member), f"{path}:{member}")
                meshes[name[:-4]] = Mesh(mesh.vertices * np.float32(NM_TO_UM), mesh.faces, name[:-4])
    except (zipfile.BadZipFile, OSError) as error:
        raise FormatError(path, f"not a readable zip of neuropil meshes ({error})") from None
    if not meshes:
        raise FormatError(path, "no .ply neuropil meshes in this archive")
    return NeuropilMeshes(dict(sorted(meshes.items())), f"fafbseg {_version(path)}", path)


def _version(archive: Path) -> str:
    """The version of the fafbseg whose archive this is, from its dist-info (without importing it)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("fafbseg")
    except PackageNotFoundError:  # on sys.path without being installed (a source checkout)
        return f"at {archive.parent.parent.name}"


def main_neuropil(group: str, side: str, names) -> str | None:
    """The mesh name of a neuron's main neuropil, or None when no mesh fits.

    Parameters
    ----------
    group : str
        The Codex ``group``: neuropils joined by ".", strongest first (``"ME.LO"``).
    side : str
        The soma side: ``left``, ``right`` or ``center`` (or empty).
    names : container of str
        The mesh names available.
    """
    first = group.split(".", 1)[0].strip()
    if not first:
        return None
    paired = first + SIDES.get(side.strip().lower(), "")
    if paired in names:
        return paired
    return first if first in names else None


def place_in_neuropils(
    position: np.ndarray | None,
    region: Categorical,
    side: Categorical,
    neuropils: NeuropilMeshes,
    seed: int = 0,
) -> tuple[np.ndarray, Categorical]:
    """Put every cell without a position inside the mesh of its main neuropil.

    Parameters
    ----------
    position : numpy.ndarray or None
        (N, 3) micrometres in the FlyWire frame with NaN rows to fill, or None when no cell
        has a position.
    region, side : Categorical
        The Codex ``group`` and soma ``side`` of each cell.
    neuropils : NeuropilMeshes
        The meshes to place into.
    seed : int
        Seed of the random points; the same seed places every cell at the same point.

    Returns
    -------
    (numpy.ndarray, Categorical)
        (N, 3) float64 positions, still NaN where no mesh fits the cell (no group, an unknown
        neuropil), and each cell's ``position_source``: ``"<neuropil> mesh"`` where placed here,
        missing where it was measured or is still unplaced.
    """
    n = len(region)
    position = np.full((n, 3), np.nan) if position is None else np.array(position, np.float64).reshape(n, 3)
    missing = ~np.isfinite(position).all(axis=1)
    names = neuropils.meshes
    # One look-up per distinct (group, side) pair, not per cell: 139k cells have about 2k pairs.
    # Codes shifted by one so that a missing label (-1) becomes 0.
    stride = len(side.categories) + 1
    pair_codes = (region.codes.astype(np.int64) + 1) * stride + (side.codes.astype(np.int64) + 1)
    pairs, inverse = np.unique(pair_codes, return_inverse=True)
    labels = []
    for code in pairs:
        region_code, side_code = divmod(int(code), stride)
        group = "" if region_code == 0 else region.categories[region_code - 1]
        soma_side = "" if side_code == 0 else side.categories[side_code - 1]
        labels.append(main_neuropil(group, soma_side, names))
    chosen = np.array([label or "" for label in labels], dtype=object)[inverse]
    chosen[~missing] = ""
    rng = np.random.default_rng(seed)
    for name in sorted(set(chosen) - {""}):
        rows = np.flatnonzero(chosen == name)
        position[rows] = _interior(names[name]).sample(rows.size, rng)
    labels = {name: PLACED_SOURCE.format(name) for name in set(chosen) - {""}}
    return position, Categorical.from_values([labels.get(name, "") for name in chosen])


def complete_fly_positions(
    position: np.ndarray | None,
    region: Categorical,
    side: Categorical,
    chemical: SynapseCSR,
    meta: dict[str, str],
    seed: int = 0,
) -> tuple[np.ndarray, Categorical | None]:
    """Positions for every cell of a FlyWire dataset, recorded in ``meta``.

    With fafbseg installed, cells without a position go inside their main neuropil's mesh
    (:func:`place_in_neuropils`) and those no mesh fits among their synaptic partners; ``meta``
    then says ``positions = "placed: ..."``, ``positions_meshes`` the meshes' source and
    ``positions_placed`` how many cells went into meshes. Without fafbseg (or when every cell
    has a position) this is :func:`~brainview.connectome.layout.complete_positions`, and
    ``meta["positions_note"]`` says how to get the meshes when positions were missing.

    Returns
    -------
    (numpy.ndarray, Categorical or None)
        (N, 3) float32 micrometres, and the ``position_source`` column (``"<neuropil> mesh"``,
        ``"partners"``, :data:`STRANDED_SOURCE` or ``"measured"``), or None when nothing was
        placed in a mesh.
    """
    has_missing = position is None or not np.isfinite(np.asarray(position, np.float64)).all()
    neuropils = load_neuropil_meshes() if has_missing and len(region) else None
    if neuropils is None:
        if has_missing:
            meta["positions_note"] = (
                f"no neuropil meshes: install fafbseg ({INSTALL_HINT}) to place cells without a position "
                "inside their main neuropil")
        return complete_positions(position, chemical, None, meta, seed), None
    measured = position is not None and bool(np.isfinite(np.asarray(position, np.float64)).all(axis=1).any())
    placed, source = place_in_neuropils(position, region, side, neuropils, seed)
    in_mesh = source.codes != MISSING
    if not in_mesh.any():
        meta["positions_note"] = f"no cell's main neuropil (the Codex group) names one of the {neuropils.source} meshes"
        return complete_positions(position, chemical, None, meta, seed), None
    unplaced = ~np.isfinite(placed).all(axis=1)
    given = "measured" if measured else f"placed: inside their main neuropil's mesh ({neuropils.source}), not measured"
    filled = complete_positions(placed, chemical, None, meta, seed, given=given)
    meta["positions_meshes"] = f"{neuropils.source}, {len(neuropils.meshes)} FlyWire neuropil meshes"
    meta["positions_placed"] = str(int(in_mesh.sum()))
    connected = (chemical.out_degree() + chemical.in_degree()) > 0
    others = np.where(connected, PARTNERS_SOURCE, STRANDED_SOURCE)
    labels = np.where(in_mesh, source.to_strings(), np.where(unplaced, others, MEASURED_SOURCE))
    return filled, Categorical.from_values(labels)


@lru_cache(maxsize=128)
def _interior(mesh: Mesh) -> MeshInterior:
    return MeshInterior(mesh)
