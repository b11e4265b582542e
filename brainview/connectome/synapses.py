"""Synapse tables in compressed sparse row (CSR) form.

Row ``i`` of a :class:`SynapseCSR` lists the targets of neuron ``i`` in
``indices[indptr[i]:indptr[i + 1]]`` (sorted, no duplicates) with one weight per entry. For
chemical synapses the weight is the synapse count and ``sign`` says excitatory (+1) or
inhibitory (-1); gap junctions use the same class without a sign, stored symmetrically.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np


@dataclass(frozen=True, eq=False)
class SynapseCSR:
    """Directed, weighted connections between ``n`` cells, by presynaptic cell.

    Parameters
    ----------
    indptr : numpy.ndarray
        int64, length ``n + 1``; row ``i`` spans ``indptr[i]:indptr[i + 1]``.
    indices : numpy.ndarray
        int32 postsynaptic cell index per connection, sorted within each row.
    weight : numpy.ndarray
        float32 per connection: synapse count (chemical) or conductance weight (gap).
    sign : numpy.ndarray or None
        int8 +1 / -1 per connection (chemical synapses), or None (gap junctions).
    """

    indptr: np.ndarray
    indices: np.ndarray
    weight: np.ndarray
    sign: np.ndarray | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "indptr", np.ascontiguousarray(self.indptr, dtype=np.int64))
        object.__setattr__(self, "indices", np.ascontiguousarray(self.indices, dtype=np.int32))
        object.__setattr__(self, "weight", np.ascontiguousarray(self.weight, dtype=np.float32))
        if self.sign is not None:
            object.__setattr__(self, "sign", np.ascontiguousarray(self.sign, dtype=np.int8))
        self._validate()

    def _validate(self) -> None:
        n_edges = self.indices.shape[0]
        if self.indptr.ndim != 1 or self.indptr.shape[0] < 1:
            raise ValueError("indptr must be a 1-D array of length n + 1")
        if self.indptr[0] != 0 or self.indptr[-1] != n_edges or np.any(np.diff(self.indptr) < 0):
            raise ValueError(
                f"indptr must rise from 0 to the number of connections ({n_edges}), "
                f"got {self.indptr[0]} .. {self.indptr[-1]}"
            )
        if self.weight.shape[0] != n_edges:
            raise ValueError(f"weight has {self.weight.shape[0]} entries, expected {n_edges}")
        if self.sign is not None and self.sign.shape[0] != n_edges:
            raise ValueError(f"sign has {self.sign.shape[0]} entries, expected {n_edges}")
        if n_edges and (self.indices.min() < 0 or self.indices.max() >= self.n):
            raise ValueError(f"connection targets must lie in [0, {self.n - 1}]")

    # -- construction -------------------------------------------------------------------
    @classmethod
    def empty(cls, n: int, signed: bool = True) -> SynapseCSR:
        """No connections between ``n`` cells."""
        return cls(
            np.zeros(n + 1, np.int64),
            np.zeros(0, np.int32),
            np.zeros(0, np.float32),
            np.zeros(0, np.int8) if signed else None,
        )

    @classmethod
    def from_edges(
        cls,
        pre: np.ndarray,
        post: np.ndarray,
        weight: np.ndarray,
        n: int,
        sign: np.ndarray | None = None,
    ) -> SynapseCSR:
        """Build from an edge list, summing the weights of repeated (pre, post) pairs.

        Repeated pairs are how Codex lists a connection that spans several neuropils. A pair
        whose entries disagree on the sign keeps the sign of the larger summed weight.
        """
        pre = np.asarray(pre, dtype=np.int64)
        post = np.asarray(post, dtype=np.int64)
        weight = np.asarray(weight, dtype=np.float32)
        if not (pre.shape == post.shape == weight.shape):
            raise ValueError("pre, post and weight must have the same length")
        if pre.size and (min(pre.min(), post.min()) < 0 or max(pre.max(), post.max()) >= n):
            raise ValueError(f"edge endpoints must lie in [0, {n - 1}]")
        # Weights are summed in float32: exact for synapse counts below 2**24 per pair, and it
        # halves the memory of a 16-million-row FlyWire table.
        signed = None if sign is None else weight * np.asarray(sign, dtype=np.float32)
        key = pre * n + post
        if key.size and not np.all(key[1:] >= key[:-1]):  # sources are often sorted already
            order = np.argsort(key, kind="stable")
            key, weight = key[order], weight[order]
            signed = None if signed is None else signed[order]
            del order
        boundary = np.ones(key.size, dtype=bool)
        np.not_equal(key[1:], key[:-1], out=boundary[1:])
        starts = np.flatnonzero(boundary)
        del boundary
        summed = np.add.reduceat(weight, starts) if key.size else np.zeros(0, np.float32)
        signs = None
        if signed is not None:
            pair_signed = np.add.reduceat(signed, starts) if key.size else np.zeros(0, np.float32)
            signs = np.where(pair_signed < 0, -1, 1).astype(np.int8)
        unique_key = key[starts]
        del key
        rows = unique_key // n
        indptr = np.zeros(n + 1, np.int64)
        np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
        return cls(indptr, (unique_key - rows * n).astype(np.int32), summed, signs)

    # -- shape --------------------------------------------------------------------------
    @property
    def n(self) -> int:
        """Number of cells (rows)."""
        return int(self.indptr.shape[0] - 1)

    @property
    def n_connections(self) -> int:
        """Number of connected (pre, post) pairs."""
        return int(self.indices.shape[0])

    @property
    def n_pairs(self) -> int:
        """Number of unordered cell pairs of a symmetric table (gap junctions); self-pairs count once."""
        self_pairs = int(np.count_nonzero(self.pre == self.indices))
        return (self.n_connections - self_pairs) // 2 + self_pairs

    @property
    def total_weight(self) -> float:
        """Sum of all weights: the synapse count for chemical synapses."""
        return float(self.weight.sum(dtype=np.float64))

    @cached_property
    def pre(self) -> np.ndarray:
        """int32 presynaptic index of every connection (the expanded row index)."""
        return np.repeat(np.arange(self.n, dtype=np.int32), np.diff(self.indptr))

    def row(self, i: int) -> slice:
        """The slice of connection arrays that belongs to cell ``i``."""
        return slice(int(self.indptr[i]), int(self.indptr[i + 1]))

    def out_degree(self) -> np.ndarray:
        """Number of targets of each cell."""
        return np.diff(self.indptr)

    def in_degree(self) -> np.ndarray:
        """Number of sources of each cell."""
        return np.bincount(self.indices, minlength=self.n)

    @cached_property
    def transposed(self) -> SynapseCSR:
        """The same connections indexed by postsynaptic cell (for upstream queries)."""
        return SynapseCSR.from_edges(self.indices, self.pre, self.weight, self.n, self.sign)

    def take(self, rows: np.ndarray) -> SynapseCSR:
        """The connections among the cells ``rows``, renumbered 0..len(rows)-1."""
        rows = np.asarray(rows, dtype=np.int64)
        new_index = np.full(self.n, -1, np.int64)
        new_index[rows] = np.arange(rows.size)
        keep = (new_index[self.pre] >= 0) & (new_index[self.indices] >= 0)
        return SynapseCSR.from_edges(
            new_index[self.pre[keep]],
            new_index[self.indices[keep]],
            self.weight[keep],
            rows.size,
            None if self.sign is None else self.sign[keep],
        )

    def is_symmetric(self) -> bool:
        """True when every connection i -> j has a j -> i twin of equal weight."""
        other = self.transposed
        return bool(
            np.array_equal(self.indptr, other.indptr)
            and np.array_equal(self.indices, other.indices)
            and np.allclose(self.weight, other.weight)
        )

    def symmetrized(self) -> SynapseCSR:
        """Union of i -> j and j -> i with the larger weight (for undirected gap junctions)."""
        pre = np.concatenate([self.pre, self.indices])
        post = np.concatenate([self.indices, self.pre])
        weight = np.concatenate([self.weight, self.weight])
        key = pre.astype(np.int64) * self.n + post
        order = np.lexsort((-weight, key))
        first = np.r_[True, key[order][1:] != key[order][:-1]] if key.size else np.zeros(0, bool)
        chosen = order[first]
        return SynapseCSR.from_edges(pre[chosen], post[chosen], weight[chosen], self.n, None)
