"""Shortest synaptic paths between two selections, and hop-by-hop downstream neighbourhoods.

Paths follow chemical synapses in their direction (pre to post), over connections with at least
``min_count`` synapses, and are counted in hops. :func:`paths_between` finds the fewest hops
from any source cell to any target cell and lists the paths of that length, best first:

1. the most synapses on the weakest link (the path's bottleneck), then
2. the most synapses along the whole path, then
3. the smaller row numbers, cell by cell (so the order is fixed).

The paths are drawn from the layered graph of every shortest path (a cell at hop ``i`` lies
``i`` hops from the nearest source and ``d - i`` from the nearest target) by a best-first
search whose bounds (the best bottleneck and the most synapses any completion can still reach)
make it return exactly the ``limit`` best, without listing every path first.

For drawing, :func:`path_links` and :func:`neighbourhood` give the connections along a path and
between the hops of a neighbourhood as :class:`Links`.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from brainview.errors import ParameterError

if TYPE_CHECKING:
    from brainview.connectome.connectome import Connectome

MAX_EXPANSIONS = 200_000
"""Partial paths the search may take from its queue before it stops (``complete`` is then False)."""


@dataclass(frozen=True)
class Cell:
    """One cell on a path: its row, name, cell type and subsystem (``""`` when it has none)."""

    row: int
    name: str
    cell_type: str
    subsystem: str


@dataclass(frozen=True)
class Path:
    """One path: its cells, source first, and the synapse count of each link (one fewer)."""

    cells: tuple[Cell, ...]
    counts: tuple[float, ...]

    @property
    def bottleneck(self) -> float:
        """Synapses on the weakest link (0 for a path of one cell)."""
        return min(self.counts) if self.counts else 0.0

    @property
    def total(self) -> float:
        """Synapses along the whole path."""
        return float(sum(self.counts))


@dataclass(frozen=True)
class PathsResult:
    """What :func:`paths_between` found.

    ``hops`` is the fewest hops from a source to a target, or None when no target lies within
    ``max_hops``; ``n_paths`` counts every path of that length (``paths`` holds the best
    ``limit`` of them); ``complete`` is False when the search stopped at :data:`MAX_EXPANSIONS`.
    """

    hops: int | None
    paths: tuple[Path, ...]
    n_paths: int
    max_hops: int | None
    min_count: float
    complete: bool = True


def hop_distances(
    connectome: Connectome, rows: Iterable[int], max_hops: int | None = None, min_count: float = 1,
    direction: str = "out",
) -> np.ndarray:
    """Fewest hops from any of ``rows`` to each cell (``direction="out"``) or from each cell to
    any of ``rows`` (``"in"``), over connections with at least ``min_count`` synapses; -1 where
    none lies within ``max_hops`` (None: no limit)."""
    if direction not in ("in", "out"):
        raise ParameterError(f"direction must be 'in' or 'out', was {direction!r}")
    csr = connectome.chemical if direction == "out" else connectome.chemical.transposed
    distance = np.full(connectome.n, -1, np.int64)
    frontier = np.unique(np.asarray(list(rows) if not isinstance(rows, np.ndarray) else rows, np.int64))
    distance[frontier] = 0
    hop = 0
    while frontier.size and (max_hops is None or hop < max_hops):
        hop += 1
        edges = csr.edges_of(frontier)
        reached = np.unique(csr.indices[edges][csr.weight[edges] >= min_count]).astype(np.int64)
        frontier = reached[distance[reached] < 0]
        distance[frontier] = hop
    return distance


def paths_between(
    connectome: Connectome,
    sources_rows: Iterable[int],
    targets_rows: Iterable[int],
    max_hops: int | None = None,
    min_count: float = 1,
    limit: int = 10,
) -> PathsResult:
    """The shortest chemical paths from any source cell to any target cell, best ``limit`` first.

    Parameters
    ----------
    connectome : Connectome
        The cells and their chemical synapses.
    sources_rows, targets_rows : iterable of int
        Rows of the cells the paths start and end at (see :func:`~brainview.connectome.queries.rows_of`).
    max_hops : int or None
        Look no further than this many hops (None: no limit).
    min_count : float
        Follow only connections with at least this many synapses.
    limit : int
        How many paths to return, ranked as the module docstring says.

    Returns
    -------
    PathsResult
        ``hops`` None when no path of at most ``max_hops`` exists; 0 when a cell is in both
        selections (each such cell is then a path of one cell).
    """
    if max_hops is not None and max_hops < 0:
        raise ParameterError(f"max_hops must be at least 0, was {max_hops}")
    if limit < 1:
        raise ParameterError(f"limit must be at least 1, was {limit}")
    sources = np.unique(np.asarray(list(sources_rows), np.int64))
    targets = np.unique(np.asarray(list(targets_rows), np.int64))
    if sources.size == 0 or targets.size == 0:
        raise ParameterError("paths need at least one source and one target cell")
    from_sources = hop_distances(connectome, sources, max_hops, min_count, "out")
    reached = from_sources[targets]
    reached = reached[reached >= 0]
    if reached.size == 0:
        return PathsResult(None, (), 0, max_hops, min_count)
    hops = int(reached.min())
    to_targets = hop_distances(connectome, targets, hops, min_count, "in")
    csr = connectome.chemical
    pre, post, weight = csr.pre.astype(np.int64), csr.indices.astype(np.int64), csr.weight
    on_path = (
        (weight >= min_count) & (from_sources[pre] >= 0) & (to_targets[post] >= 0)
        & (from_sources[pre] + 1 + to_targets[post] == hops)
    )
    pre, post, weight = pre[on_path], post[on_path], weight[on_path].astype(np.float64)
    starts = sources[to_targets[sources] == hops]
    found, n_paths, complete = _best_paths(starts, pre, post, weight, from_sources, hops, limit)
    paths = tuple(_path(connectome, rows, counts) for rows, counts in found)
    return PathsResult(hops, paths, n_paths, max_hops, min_count, complete)


def _best_paths(starts, pre, post, weight, level, hops, limit):
    """Best-first search over the layered graph of shortest paths (edges ``pre -> post``)."""
    out: dict[int, list[tuple[int, float]]] = {}
    for u, v, w in zip(pre.tolist(), post.tolist(), weight.tolist()):
        out.setdefault(u, []).append((v, w))
    # Best bottleneck, most synapses and number of paths from each cell to a target, last layer first.
    best_min: dict[int, float] = {}
    best_sum: dict[int, float] = {}
    n_from: dict[int, int] = {}
    layer_cells = {}
    for u in set(pre.tolist()) | set(post.tolist()) | set(starts.tolist()):
        layer_cells.setdefault(int(level[u]), []).append(u)
    for i in range(hops, -1, -1):
        for u in layer_cells.get(i, []):
            if i == hops:
                best_min[u], best_sum[u], n_from[u] = np.inf, 0.0, 1
                continue
            links = [(v, w) for v, w in out.get(u, []) if v in n_from]
            if links:
                best_min[u] = max(min(w, best_min[v]) for v, w in links)
                best_sum[u] = max(w + best_sum[v] for v, w in links)
                n_from[u] = sum(n_from[v] for v, _ in links)
    n_paths = sum(n_from.get(s, 0) for s in starts.tolist())
    heap = [(-best_min[s], -best_sum[s], (s,), np.inf, 0.0, ()) for s in starts.tolist() if s in n_from]
    heapq.heapify(heap)
    found = []
    expansions = 0
    while heap and len(found) < limit:
        expansions += 1
        if expansions > MAX_EXPANSIONS:
            return found, n_paths, False
        _, _, rows, bottleneck, total, counts = heapq.heappop(heap)
        last = rows[-1]
        if len(rows) == hops + 1:
            found.append((rows, counts))
            continue
        for v, w in out.get(last, []):
            if v not in n_from:
                continue
            b, s = min(bottleneck, w), total + w
            heapq.heappush(heap, (-min(b, best_min[v]), -(s + best_sum[v]), rows + (v,), b, s, counts + (w,)))
    return found, n_paths, True


def _path(connectome: Connectome, rows: tuple[int, ...], counts: tuple[float, ...]) -> Path:
    return Path(tuple(describe(connectome, r) for r in rows), tuple(float(c) for c in counts))


def describe(connectome: Connectome, row: int) -> Cell:
    """The :class:`Cell` at ``row``: name, cell type and subsystem (``""`` for a missing column)."""
    def label(column: str) -> str:
        return connectome[column][row] if column in connectome.columns else ""

    return Cell(int(row), label("name"), label("cell_type"), label("subsystem"))


@dataclass(frozen=True)
class HopCounts:
    """Cells first reached at each hop downstream of a selection, per subsystem.

    ``per_hop[i]`` maps subsystem label (``""``: none) to the number of cells ``i + 1`` hops
    away (never fewer); the seeds themselves are not counted.
    """

    hops: int
    per_hop: tuple[dict[str, int], ...]

    def totals(self) -> dict[str, int]:
        """Cells within ``hops`` hops per subsystem, the seeds left out."""
        total: dict[str, int] = {}
        for counts in self.per_hop:
            for label, n in counts.items():
                total[label] = total.get(label, 0) + n
        return total


def downstream_by_hop(connectome: Connectome, rows: Iterable[int], hops: int, min_count: float = 1) -> HopCounts:
    """:class:`HopCounts` of the cells within ``hops`` synaptic steps downstream of ``rows``."""
    if hops < 0:
        raise ParameterError(f"hops must be at least 0, was {hops}")
    distance = hop_distances(connectome, rows, hops, min_count, "out")
    if "subsystem" in connectome.columns:
        labels = np.asarray(connectome["subsystem"].to_strings(), dtype=object)
    else:
        labels = np.full(connectome.n, "", dtype=object)
    per_hop = []
    for hop in range(1, hops + 1):
        values, counts = np.unique(labels[distance == hop].astype(str), return_counts=True)
        per_hop.append({str(v): int(c) for v, c in zip(values, counts)})
    return HopCounts(hops, tuple(per_hop))


@dataclass(frozen=True)
class Links:
    """Chemical connections to draw: presynaptic and postsynaptic rows, synapse counts and signs."""

    pre: np.ndarray
    post: np.ndarray
    count: np.ndarray
    sign: np.ndarray

    def __len__(self) -> int:
        return int(self.pre.shape[0])

    @classmethod
    def empty(cls) -> Links:
        """No connections."""
        return cls(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32), np.zeros(0, np.int8))

    @classmethod
    def of_connections(cls, chemical, where: np.ndarray) -> Links:
        """The connections ``where`` (indices into the CSR's entries) of a chemical ``SynapseCSR``."""
        return cls(
            chemical.pre[where].astype(np.int64), chemical.indices[where].astype(np.int64),
            chemical.weight[where], chemical.sign[where],
        )

    def strongest(self, limit: int) -> Links:
        """At most ``limit`` connections, those with the most synapses."""
        if len(self) <= limit:
            return self
        keep = np.sort(np.argpartition(-self.count, limit - 1)[:limit])
        return Links(self.pre[keep], self.post[keep], self.count[keep], self.sign[keep])

    def without(self, excluded: np.ndarray) -> Links:
        """Drop connections that touch a cell whose entry in the boolean ``excluded`` is True."""
        keep = ~(excluded[self.pre] | excluded[self.post])
        return Links(self.pre[keep], self.post[keep], self.count[keep], self.sign[keep])


def path_links(connectome: Connectome, path: Path) -> Links:
    """The connections along ``path``, one per link, with their synapse counts and signs."""
    rows = np.array([cell.row for cell in path.cells], np.int64)
    if rows.size < 2:
        return Links.empty()
    csr = connectome.chemical
    pre, post = rows[:-1], rows[1:]
    # A row's targets are sorted: each link is found by a binary search within its row.
    where = np.array([csr.indptr[u] + np.searchsorted(csr.indices[csr.row(int(u))], v) for u, v in zip(pre, post)],
                     np.int64)
    return Links(pre, post, csr.weight[where], csr.sign[where])


@dataclass(frozen=True)
class Neighbourhood:
    """The cells within ``hops`` synaptic steps of some seeds, and the links between the hops.

    ``distance`` holds each cell's fewest hops from the seeds (``direction="out"``, downstream)
    or to them (``"in"``, upstream), -1 beyond ``hops``; ``links`` are the connections from a
    cell at hop ``i`` to one at hop ``i + 1`` (downstream) or from ``i + 1`` to ``i`` (upstream),
    the strongest ``max_links`` of them when there are more (``n_links`` counts them all);
    ``reach`` holds, per cell, the synapses of all its links with the hop before it (0 for the
    seeds and the cells beyond ``hops``).
    """

    direction: str
    hops: int
    distance: np.ndarray
    links: Links
    n_links: int
    reach: np.ndarray

    def rows_at(self, hop: int) -> np.ndarray:
        """The cells first reached at ``hop`` (0: the seeds)."""
        return np.flatnonzero(self.distance == hop)

    @property
    def rows(self) -> np.ndarray:
        """Every cell within :attr:`hops`, the seeds included."""
        return np.flatnonzero(self.distance >= 0)


def neighbourhood(
    connectome: Connectome, rows: Iterable[int], hops: int, min_count: float = 1, direction: str = "out",
    max_links: int = 20_000,
) -> Neighbourhood:
    """The :class:`Neighbourhood` of ``rows``: cells within ``hops`` steps along connections of at
    least ``min_count`` synapses, downstream (``direction="out"``) or upstream (``"in"``)."""
    if hops < 0:
        raise ParameterError(f"hops must be at least 0, was {hops}")
    if max_links < 0:
        raise ParameterError(f"max_links must be at least 0, was {max_links}")
    distance = hop_distances(connectome, rows, hops, min_count, direction)
    csr = connectome.chemical if direction == "out" else connectome.chemical.transposed
    inner = np.flatnonzero((distance >= 0) & (distance < hops))
    edges = csr.edges_of(inner)  # only the inner cells' connections: O(their degree), not O(all)
    near = np.repeat(inner, np.diff(csr.indptr)[inner])
    far = csr.indices[edges].astype(np.int64)
    keep = (csr.weight[edges] >= min_count) & (distance[far] == distance[near] + 1)
    near, far, edges = near[keep], far[keep], edges[keep]
    reach = np.bincount(far, weights=csr.weight[edges], minlength=connectome.n)
    n_links = int(edges.size)
    if n_links > max_links:
        strongest = np.sort(np.argpartition(-csr.weight[edges], max_links - 1)[:max_links]) if max_links else []
        near, far, edges = near[strongest], far[strongest], edges[strongest]
    pre, post = (near, far) if direction == "out" else (far, near)
    links = Links(pre, post, csr.weight[edges], csr.sign[edges])
    return Neighbourhood(direction, hops, distance, links, n_links, reach)
