"""The cell-type hierarchy the browser shows: subsystem > class > cell type, with counts.

Built once per dataset from the categorical codes (one lexicographic sort, no per-cell Python),
so the FlyWire brain's ~8,000 cell types take a fraction of a second. Each node owns a slice of
one shared row order, so a node's cells are a view, not a copy. No Qt here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from brainview.connectome import Categorical, Connectome
from brainview.experiment import CellSet

LEVELS = ("subsystem", "cell_class", "cell_type")
"""The browser's grouping, outermost first; a column no cell is labelled in is skipped."""

UNLABELLED = "(unlabelled)"
"""Shown for cells with no label in a column."""

NAMES_SEARCHED_PER_NODE = 64
"""A cell-type node also matches a search for its cells' names when it has at most this many."""


@dataclass(eq=False)
class CellNode:
    """One node of the tree: a label in one column, inside its parent's group.

    Parameters
    ----------
    column : str
        The column this level groups by ("" for the root).
    label : str
        The label in that column (:data:`UNLABELLED` for cells with none).
    key : str
        Unique path, e.g. ``"subsystem=steering/cell_class=interneuron/cell_type=AVA"``.
    rows : numpy.ndarray
        The node's cells (row indices).
    children : list of CellNode
        Sub-groups, largest first.
    """

    column: str
    label: str
    key: str
    rows: np.ndarray
    children: list[CellNode] = field(default_factory=list)
    parent: CellNode | None = field(default=None, repr=False)

    @property
    def count(self) -> int:
        """Number of cells in this group."""
        return int(self.rows.shape[0])

    @property
    def is_leaf(self) -> bool:
        """True for the innermost level (cell types)."""
        return not self.children

    def target(self) -> CellSet:
        """This group as a lesion / stimulus target."""
        return CellSet(self.key, self.label, self.rows)

    def walk(self) -> Iterator[CellNode]:
        """This node and all below it, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(eq=False)
class CellTree:
    """The whole hierarchy of one connectome, with lookups by key."""

    root: CellNode
    levels: tuple[str, ...]
    search_text: dict[str, str]
    by_key: dict[str, CellNode]
    leaves: list[CellNode]
    leaf_index: np.ndarray
    node_list: list[CellNode]
    node_position: dict[str, int]
    parent_index: np.ndarray
    depth: np.ndarray
    leaf_node: np.ndarray

    @classmethod
    def build(cls, connectome: Connectome, levels: tuple[str, ...] = LEVELS) -> CellTree:
        """Group ``connectome``'s cells by ``levels`` (columns no cell is labelled in are skipped)."""
        used = tuple(
            level for level in levels
            if isinstance(connectome[level], Categorical) and np.any(connectome[level].codes >= 0)
        )
        name = connectome.meta.get("name", "all cells")
        root = CellNode("", name, "", np.arange(connectome.n, dtype=np.int64))
        if used:
            codes = [connectome[level].codes for level in used]
            order = np.lexsort(codes[::-1]).astype(np.int64)
            sorted_codes = [c[order] for c in codes]
            _split(root, order, sorted_codes, [connectome[level] for level in used], used, 0, 0, connectome.n)
        names = connectome.names
        search_text: dict[str, str] = {}
        by_key: dict[str, CellNode] = {}
        leaves: list[CellNode] = []
        leaf_index = np.zeros(connectome.n, np.int32)
        node_list = [node for child in root.children for node in child.walk()]
        position = {id(node): i for i, node in enumerate(node_list)}
        parent_index = np.array([position.get(id(n.parent), -1) for n in node_list], np.int64)
        depth = np.array([n.key.count("/") for n in node_list], np.int64)
        leaf_node = np.array([position[id(n)] for n in node_list if n.is_leaf], np.int64)
        for node in root.walk():
            by_key[node.key] = node
            text = node.label.lower()
            if node.is_leaf:
                leaf_index[node.rows] = len(leaves)
                leaves.append(node)
                if node.count <= NAMES_SEARCHED_PER_NODE:
                    text += " " + " ".join(str(names[r]).lower() for r in node.rows)
            search_text[node.key] = text
        node_position = {node.key: i for i, node in enumerate(node_list)}
        return cls(root, used, search_text, by_key, leaves, leaf_index, node_list, node_position,
                   parent_index, depth, leaf_node)

    def nodes(self) -> Iterator[CellNode]:
        """Every node below the root, depth first."""
        for child in self.root.children:
            yield from child.walk()

    def find(self, key: str) -> CellNode:
        """The node with ``key``; KeyError if there is none."""
        try:
            return self.by_key[key]
        except KeyError:
            raise KeyError(f"no browser node {key!r}") from None

    def leaf_of(self, row: int) -> CellNode:
        """The innermost node holding cell ``row``."""
        return self.leaves[int(self.leaf_index[row])]

    def ancestors(self, node: CellNode) -> list[CellNode]:
        """The nodes above ``node``, outermost first, without the root."""
        chain = []
        while node.parent is not None and node.parent.key:
            node = node.parent
            chain.append(node)
        return chain[::-1]

    def marked_counts(self, marked: np.ndarray) -> np.ndarray:
        """For each node of :attr:`node_list`, how many of its cells ``marked`` (bool per cell) holds."""
        counts = np.zeros(len(self.node_list), np.int64)
        counts[self.leaf_node] = np.bincount(self.leaf_index, weights=marked, minlength=len(self.leaves))
        for level in range(int(self.depth.max(initial=0)), 0, -1):
            inner = np.flatnonzero(self.depth == level)
            np.add.at(counts, self.parent_index[inner], counts[inner])
        return counts

    def matches(self, node: CellNode, text: str) -> bool:
        """True when ``node``'s label (or a cell name of a small cell type) contains ``text``."""
        return text.lower().strip() in self.search_text[node.key]


def _split(parent, order, sorted_codes, columns, levels, depth, start, stop) -> None:
    codes = sorted_codes[depth][start:stop]
    if codes.size == 0:
        return
    bounds = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1], True])
    children = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        code = int(codes[lo])
        label = UNLABELLED if code < 0 else columns[depth].categories[code]
        key = f"{parent.key}/{levels[depth]}={label}" if parent.key else f"{levels[depth]}={label}"
        child = CellNode(levels[depth], label, key, order[start + lo:start + hi], parent=parent)
        if depth + 1 < len(levels):
            _split(child, order, sorted_codes, columns, levels, depth + 1, start + lo, start + hi)
        children.append(child)
    children.sort(key=lambda node: (node.label == UNLABELLED, -node.count, node.label))
    parent.children = children
