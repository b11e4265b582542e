"""The larval Drosophila connectome of Winding et al. 2023, as its authors' analysis code shares it.

The Winding lab's and NeuroData's repositories (``maggot_models``, ``bgm``) keep the larva as an
edge list, ``maggot<name>_edgelist.csv[.gz]`` (source skeleton id, target skeleton id, synapse
count; read by :mod:`~brainview.connectome.io.edgelist` with the ``<name>_nodes.csv`` beside it;
an edge list of any other name opens with ``reader="larva"``), and one annotation table for every
skeleton, ``meta_data.csv[.gz]``:

``meta_data.csv``
    The skeleton id in the first (unnamed) column, then among many others ``name`` ("KC #0",
    "Rh6PR-9;left"), ``class1`` (the cell class: ``KC``, ``MBON``, ``MBIN``, ``uPN``, ``RGN``,
    ``dSEZ``, ``dVNC``, ``sens``, ...), ``merge_class`` (the finer type: ``KC-1claw``,
    ``MBIN-DAN``, ``RGN-IPC``, ``sens-ORN``, ...), ``simple_group`` (``KCs``, ``MBONs``,
    ``sensories``, ``pre-dVNCs``, ...), ``hemisphere`` (``L``, ``R``, ``C``) and ``lineage``.

The annotations become the standard columns: ``class1`` the cell class, ``merge_class`` the cell
type, ``simple_group`` the super class, ``hemisphere`` the side, ``lineage`` the region (the
hemilineage, the closest the table comes to a place); the shipped ``larva`` subsystem rules then
fill the ``subsystem`` column. Label ``unk`` means unannotated and is kept as the authors wrote
it. Skeletons of the edge list that the table lacks keep what the node table gave them.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from brainview.connectome.categorical import Categorical
from brainview.connectome.connectome import Connectome
from brainview.connectome.io import Progress
from brainview.connectome.io._columns import Field, first_duplicate_row, index_in
from brainview.connectome.io._tables import read_table
from brainview.connectome.io._text_files import delimiter_of, header_line, split_line
from brainview.connectome.io.edgelist import read_edgelist
from brainview.connectome.io.errors import FormatError
from brainview.connectome.subsystems import apply_subsystems, rules_for

SUBSYSTEM_RULES = "larva"
"""The shipped rule set (``assets/subsystems/larva.toml``) a larval connectome is classified with."""

ANNOTATION_STEM = "meta_data"
_SUFFIXES = (".csv.gz", ".csv")
ANNOTATIONS = {  # meta_data column -> connectome column
    "class1": "cell_class", "merge_class": "cell_type", "simple_group": "super_class",
    "hemisphere": "side", "lineage": "region",
}
ANNOTATION_FIELDS = (
    Field("skeleton_id", "int"),
    Field("name", "text"),
    *(Field(column, "text", required=column == "class1") for column in ANNOTATIONS),
)
_SIDES = {"L": "left", "R": "right", "C": "center"}


def find_files(path: Path) -> tuple[Path, Path]:
    """(edge list, annotation table) of a folder or of its edge list file."""
    folder = path if path.is_dir() else path.parent
    if path.is_dir():
        edge_lists = sorted(p for p in folder.iterdir() if p.name.lower().split(".")[0].endswith("_edgelist"))
        if not edge_lists:
            raise FormatError(path, "no <name>_edgelist.csv(.gz) in this folder (the larva's connections)")
        if len(edge_lists) > 1:
            raise FormatError(path, f"several edge lists here ({', '.join(p.name for p in edge_lists)}): open one")
        edges = edge_lists[0]
    else:
        edges = path
    for suffix in _SUFFIXES:
        annotations = folder / f"{ANNOTATION_STEM}{suffix}"
        if annotations.is_file():
            return edges, annotations
    raise FormatError(edges, "expected the annotation table meta_data.csv(.gz) beside it (the larva's cell types)")


def read_larva(path: str | os.PathLike, progress: Progress | None = None) -> Connectome:
    """Read a larval connectome: a folder, or its ``*_edgelist.csv[.gz]``, with ``meta_data.csv``.

    Raises
    ------
    FormatError
        For a missing table or column, a non-numeric id, a skeleton id listed twice in the
        annotation table, or any error of the edge list, naming the file, line and column.
    """
    path = Path(path)
    report = progress or (lambda fraction, message: None)
    edges_path, annotations_path = find_files(path)
    connectome = read_edgelist(edges_path, lambda fraction, message: report(0.7 * fraction, message))
    report(0.75, f"reading {annotations_path.name}")
    connectome = connectome.with_columns(**parse_annotations(read_annotations(annotations_path), connectome))
    connectome.meta.update(
        name=f"Drosophila larva ({edges_path.name.split('.')[0]})",
        species="Drosophila melanogaster (first-instar larva)",
        source=f"Winding et al. 2023 larval connectome: {edges_path.name} with {annotations_path.name}",
        citation="Winding M et al. (2023) The connectome of an insect brain. Science 379:eadd9330",
    )
    report(0.95, "applying the larval subsystem rules")
    connectome = apply_subsystems(connectome, rules_for(SUBSYSTEM_RULES))
    report(1.0, "done")
    return connectome


def read_annotations(path: Path):
    """The annotation table, its unnamed first column read as ``skeleton_id``."""
    line = header_line(path)
    header = split_line(line, delimiter_of(path, line), path)
    if not header or header[0].strip():
        first = header[0] if header else ""
        raise FormatError(path, f"expected the skeleton ids in an unnamed first column, found {first!r}", line=1)
    names = ["skeleton_id", *(h or f"column_{k + 1}" for k, h in enumerate(header[1:], 1))]
    return read_table(path, ANNOTATION_FIELDS, names=names, has_header=True)


def parse_annotations(table, connectome: Connectome) -> dict[str, Categorical]:
    """The standard columns of ``connectome``'s cells from the annotation ``table``; cells the
    table lacks keep what the edge list's node table gave them."""
    ids = connectome.ids
    skeletons = table["skeleton_id"]
    repeat = first_duplicate_row(skeletons)
    if repeat is not None:
        raise table.error(f"skeleton id {skeletons[repeat]} appears twice", repeat, "skeleton_id")
    rows = index_in(skeletons, ids)  # -1 where the table lacks a skeleton
    found = rows >= 0
    columns = {}
    for source, target in (("name", "name"), *ANNOTATIONS.items()):
        if source not in table:
            continue
        labels = connectome.strings(target).astype(object)
        values = table[source]
        # Code -1 (missing) picks the "" appended last.
        labels[found] = np.asarray(values.categories + ("",), dtype=object)[values.codes[rows[found]]]
        if target == "side":  # the node table's sides are already words
            labels = np.array([_SIDES.get(v, v) for v in labels], dtype=object)
        columns[target] = Categorical.from_values(labels)
    if "name" in columns:  # names repeat ("KC #0" is not unique across skeleton ids): keep them apart
        names = np.full(ids.size, "", dtype=object)
        names[found] = columns["name"].to_strings()[found]
        names = np.where(names != "", names + " " + ids.astype(str), ids.astype(str))
        columns["name"] = Categorical.from_values(names.astype(object))
    return columns
