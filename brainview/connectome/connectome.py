"""The :class:`Connectome`: cells with their columns, chemical synapses and gap junctions."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from brainview.connectome import frames, queries
from brainview.connectome.arrays import exact_integers, finite_floats, frozen
from brainview.connectome.categorical import Categorical
from brainview.connectome.synapses import SynapseCSR
from brainview.errors import InvalidConnectomeError, UnknownNameError

if TYPE_CHECKING:
    import pandas as pd

STRING_COLUMNS = (
    "name", "kind", "cell_type", "cell_class", "super_class", "region", "side", "nt", "subsystem",
)
"""Categorical columns every connectome has (missing values where a source has none)."""

NUMERIC_COLUMNS = {"id": np.int64, "radius": np.float32}
"""Numeric columns every connectome has, with their dtypes."""

Column = Categorical | np.ndarray


@dataclass(eq=False)
class Connectome:
    """N cells (neurons, muscles, glands...) and the synapses between them.

    Parameters
    ----------
    columns : mapping of str to Categorical or numpy.ndarray
        Per-cell columns of length N. ``id`` (int64, the source's own ID) is required; the
        standard string columns of :data:`STRING_COLUMNS` are added as all-missing when
        absent, ``radius`` (micrometres) defaults to 1. Extra columns are kept as given.
    position : numpy.ndarray
        (N, 3) float32 soma positions in micrometres; NaN rows are positions the source lacks
        (readers fill them with :func:`~brainview.connectome.layout.complete_positions`, and
        the renderer places any left). Infinite values are refused.
    chemical : SynapseCSR
        Chemical synapses by presynaptic cell, with synapse counts and signs.
    gap : SynapseCSR or None
        Gap junctions, symmetric, with conductance weights; None when the source has none.
    meta : dict
        Free-form strings: name, species, version, source, citation, license, units,
        coordinate frame, and ``positions`` ("measured" or "layout:<method>").
    """

    columns: dict[str, Column]
    position: np.ndarray
    chemical: SynapseCSR
    gap: SynapseCSR | None = None
    meta: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if "id" not in self.columns:
            raise InvalidConnectomeError("a connectome needs an 'id' column")
        n = len(self.columns["id"])
        columns: dict[str, Column] = {}
        for key, value in self.columns.items():
            if not isinstance(value, Categorical):
                value = np.asarray(value)
                if value.dtype == object or value.dtype.kind in "US":
                    value = Categorical.from_values(value)
                elif value.ndim != 1:
                    raise InvalidConnectomeError(f"column {key!r} must be 1-D, got shape {value.shape}")
            if len(value) != n:
                raise InvalidConnectomeError(f"column {key!r} has {len(value)} rows, expected {n}")
            columns[key] = value
        columns["id"] = exact_integers(columns["id"], np.int64, "cell ids")
        for key in STRING_COLUMNS:
            columns.setdefault(key, Categorical.filled(n))
        columns.setdefault("radius", np.ones(n, np.float32))
        # NaN marks a radius the source does not give; the renderer draws those at 1 um.
        columns["radius"] = np.asarray(columns["radius"], dtype=np.float32)
        for key, value in columns.items():
            if not isinstance(value, Categorical):
                columns[key] = frozen(value)
        self.columns = columns
        position = np.asarray(self.position)
        if position.shape != (n, 3):
            raise InvalidConnectomeError(f"positions must have shape ({n}, 3), got {position.shape}")
        self.position = frozen(finite_floats(position, np.float32, "positions (micrometres)", missing_ok=True))
        if self.chemical.n != n:
            raise InvalidConnectomeError(f"chemical synapses cover {self.chemical.n} cells, expected {n}")
        if self.chemical.sign is None:
            raise InvalidConnectomeError("chemical synapses need a sign per connection")
        if self.gap is not None:
            if self.gap.n != n:
                raise InvalidConnectomeError(f"gap junctions cover {self.gap.n} cells, expected {n}")
            if not self.gap.is_symmetric():
                raise InvalidConnectomeError("gap junctions must be symmetric: each i -> j needs a j -> i of equal weight")
        if np.unique(columns["id"]).size != n:
            raise InvalidConnectomeError("cell ids must be unique")
        self.meta = {str(k): str(v) for k, v in self.meta.items()}

    # -- size ---------------------------------------------------------------------------
    @property
    def n(self) -> int:
        """Number of cells."""
        return int(self.columns["id"].shape[0])

    def __len__(self) -> int:
        return self.n

    def __repr__(self) -> str:
        name = self.meta.get("name", "connectome")
        gap = f", {self.gap.n_pairs} gap junction pairs" if self.gap is not None else ""
        return (
            f"<Connectome {name!r}: {self.n} cells, {self.chemical.n_connections} connections, "
            f"{self.chemical.total_weight:.0f} synapses{gap}>"
        )

    # -- columns ------------------------------------------------------------------------
    def __getitem__(self, key: str) -> Column:
        return self.columns[key]

    @property
    def ids(self) -> np.ndarray:
        """int64 source ids, one per cell."""
        return self.columns["id"]

    @property
    def names(self) -> np.ndarray:
        """Cell names as an object array of str ("" where a source has none)."""
        return self.columns["name"].to_strings()

    def strings(self, key: str) -> np.ndarray:
        """Any column as an object array of str, for display."""
        column = self.columns[key]
        return column.to_strings() if isinstance(column, Categorical) else column.astype(str)

    @property
    def positions_measured(self) -> bool:
        """False when positions were computed by a layout, not measured."""
        return not self.meta.get("positions", "measured").startswith("layout")

    def index_of_ids(self, ids: np.ndarray) -> np.ndarray:
        """Row index of each source id; -1 where an id is not in this connectome."""
        ids = np.asarray(ids, dtype=np.int64)
        order = self._id_order
        sorted_ids = self.ids[order]
        where = np.searchsorted(sorted_ids, ids).clip(0, max(self.n - 1, 0))
        found = sorted_ids[where] == ids if self.n else np.zeros(ids.shape, bool)
        return np.where(found, order[where], -1)

    @property
    def _id_order(self) -> np.ndarray:
        if "_id_order" not in self.__dict__:
            self.__dict__["_id_order"] = np.argsort(self.ids, kind="stable")
        return self.__dict__["_id_order"]

    def index_of(self, name: str) -> int:
        """Row index of the cell called ``name``; :class:`UnknownNameError` (a KeyError) naming close matches if none."""
        hits = np.flatnonzero(self.columns["name"].mask(name))
        if hits.size == 0:
            close = difflib.get_close_matches(name, self.columns["name"].categories, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise UnknownNameError(f"no cell named {name!r}{hint}")
        return int(hits[0])

    def with_columns(self, **columns: Column) -> Connectome:
        """A copy sharing arrays, with some columns replaced or added."""
        merged = dict(self.columns)
        merged.update(columns)
        return Connectome(merged, self.position, self.chemical, self.gap, dict(self.meta))

    def subset(self, rows: queries.Selection) -> Connectome:
        """The cells ``rows`` (a mask, row indices or a selector string) and the synapses among them."""
        rows = queries.rows_of(self, rows)
        columns: dict[str, Column] = {
            key: value.take(rows) if isinstance(value, Categorical) else value[rows]
            for key, value in self.columns.items()
        }
        gap = None if self.gap is None else self.gap.take(rows)
        return Connectome(columns, self.position[rows], self.chemical.take(rows), gap, dict(self.meta))

    # -- queries (see brainview.connectome.queries) ---------------------------------------
    def select(self, **criteria) -> np.ndarray:
        """Rows matching every column criterion; see :func:`queries.select`."""
        return queries.select(self, **criteria)

    def downstream(self, rows, min_count: float = 1) -> np.ndarray:
        """Cells receiving synapses from ``rows``; see :func:`queries.downstream`."""
        return queries.downstream(self, rows, min_count)

    def upstream(self, rows, min_count: float = 1) -> np.ndarray:
        """Cells sending synapses to ``rows``; see :func:`queries.upstream`."""
        return queries.upstream(self, rows, min_count)

    def neighbourhood(self, rows, hops: int = 1, direction: str = "both") -> np.ndarray:
        """Cells within ``hops`` steps of ``rows``; see :func:`queries.neighbourhood`."""
        return queries.neighbourhood(self, rows, hops, direction)

    def shortest_path(self, source: int, target: int, min_count: float = 1) -> list[int]:
        """Fewest-hop path between two rows; see :func:`queries.shortest_path`."""
        return queries.shortest_path(self, source, target, min_count)

    def group_matrix(self, by: str, rows: np.ndarray | None = None) -> queries.GroupMatrix:
        """Synapse counts between groups; see :func:`queries.group_matrix`."""
        return queries.group_matrix(self, by, rows)

    # -- tables and graphs (see brainview.connectome.frames and .from_frames) ---------------
    @classmethod
    def from_dataframes(
        cls,
        cells: pd.DataFrame | None,
        edges: pd.DataFrame | None = None,
        gap: pd.DataFrame | None = None,
        meta: dict[str, str] | None = None,
        inhibitory: Iterable[str] | None = None,
    ) -> Connectome:
        """A connectome from pandas tables of cells and connections.

        Accepts the column names of neuprint-python's ``fetch_adjacencies`` and navis
        (``bodyId``, ``type``, ``instance``; ``bodyId_pre``, ``bodyId_post``, ``weight``), of
        FlyWire (``root_id``; ``pre_root_id``, ``post_root_id``, ``syn_count``) and of
        :meth:`to_pandas` / :meth:`edges_to_pandas`; see
        :func:`~brainview.connectome.from_frames.connectome_from_dataframes`.

        Examples
        --------
        >>> neurons, conns = neuprint.fetch_adjacencies(NC(type="DNa02"), None)  # doctest: +SKIP
        >>> Connectome.from_dataframes(neurons, conns)                          # doctest: +SKIP
        """
        from brainview.connectome.from_frames import connectome_from_dataframes  # it imports this module

        return connectome_from_dataframes(cells, edges, gap, meta, inhibitory)

    def to_pandas(self) -> pd.DataFrame:
        """The cell table: one row per cell; see :func:`~brainview.connectome.frames.cell_table`."""
        return frames.cell_table(self)

    def edges_to_pandas(self, kind: str = "chemical") -> pd.DataFrame:
        """The edge table (``"chemical"`` or ``"gap"``); see :func:`~brainview.connectome.frames.edge_table`."""
        return frames.edge_table(self, kind)

    def to_networkx(self, rows: queries.Selection = None, kind: str = "chemical"):
        """A selection as a networkx graph (at most 50,000 cells); see :func:`.frames.to_networkx`."""
        return frames.to_networkx(self, rows, kind)

    def equals(self, other: Connectome) -> bool:
        """True when both hold the same cells, columns, positions, synapses and metadata."""
        if set(self.columns) != set(other.columns) or self.meta != other.meta:
            return False
        for key, value in self.columns.items():
            theirs = other.columns[key]
            if isinstance(value, Categorical):
                same = value.equals(theirs)
            else:  # NaN marks a missing number: two missing values are the same
                floats = isinstance(theirs, np.ndarray) and value.dtype.kind == theirs.dtype.kind == "f"
                same = np.array_equal(value, theirs, equal_nan=floats)
            if not same:
                return False
        return (
            np.array_equal(self.position, other.position, equal_nan=True)
            and _same_csr(self.chemical, other.chemical)
            and (self.gap is None) == (other.gap is None)
            and (self.gap is None or _same_csr(self.gap, other.gap))
        )


def _same_csr(a: SynapseCSR, b: SynapseCSR) -> bool:
    same_sign = (a.sign is None and b.sign is None) or (
        a.sign is not None and b.sign is not None and np.array_equal(a.sign, b.sign)
    )
    return (
        np.array_equal(a.indptr, b.indptr)
        and np.array_equal(a.indices, b.indices)
        and np.array_equal(a.weight, b.weight)
        and same_sign
    )
