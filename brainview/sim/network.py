"""The kernels' view of a connectome's synapses, shared read-only between simulations.

:func:`network_arrays` builds it from a :class:`~brainview.connectome.Connectome`;
:func:`checked_network` checks one built elsewhere before the kernels, which index without
bounds checks, may use it.
"""

from __future__ import annotations

import numpy as np

from brainview.connectome import Connectome
from brainview.connectome.arrays import frozen
from brainview.connectome.synapses import check_rows
from brainview.errors import InvalidConnectomeError, ParameterError
from brainview.sim.kernels import Network

_NETWORK_DTYPES = (np.int64, np.int32, np.float32, np.int64, np.int32, np.float64, np.int32)
"""dtype of each array field of :class:`~brainview.sim.kernels.Network`, in order."""


def packed_events(targets: np.ndarray, signed_count: np.ndarray, n: int) -> tuple[np.ndarray, int]:
    """Each connection's target and signed synapse count in one int32, when both fit.

    A busy step reads the connections of every spiking cell from main memory; one 4-byte word
    per connection instead of two halves that traffic. The count takes the high bits (its sign
    kept by an arithmetic shift), the target the low ``target_bits``. Returns an empty array
    when a count is not a whole number or too large for the bits left.
    """
    target_bits = max(int(n - 1).bit_length(), 1)
    fits = signed_count.size == 0 or np.max(np.abs(signed_count)) < 2 ** (31 - target_bits)
    if target_bits > 30 or not (_whole_numbers(signed_count) and fits):
        return np.zeros(0, np.int32), target_bits
    packed = (signed_count.astype(np.int64) << target_bits) | targets.astype(np.int64)
    return packed.astype(np.int32), target_bits


def _whole_numbers(counts: np.ndarray) -> bool:
    """True when every signed synapse count is a whole number (so sums of them are exact)."""
    return bool(np.all(counts == np.round(counts)))


def network_arrays(connectome: Connectome) -> Network:
    """The kernels' view of a connectome's synapses (shared read-only between simulations)."""
    chemical = connectome.chemical
    signed = (chemical.weight * chemical.sign).astype(np.float32)
    if connectome.gap is None:
        gap_indptr, partners, weight = np.zeros(connectome.n + 1, np.int64), np.zeros(0, np.int32), np.zeros(0)
    else:
        gap = connectome.gap
        gap_indptr, partners, weight = gap.indptr, gap.indices, gap.weight.astype(np.float64)
    packed, target_bits = packed_events(chemical.indices, signed, connectome.n)
    arrays = (chemical.indptr, chemical.indices, signed, gap_indptr, partners, weight, packed)
    return Network(*(frozen(a) for a in arrays), target_bits)


def checked_network(network: Network, n: int) -> Network:
    """``network`` after checking everything the kernels index, with every array made read-only.

    The kernels run without bounds checks, so a network from elsewhere (shared between
    simulations, or built by hand) must have the dtypes of :class:`Network`, CSR rows over
    exactly ``n`` cells with sorted, unique targets in range, and finite weights.

    Raises
    ------
    ParameterError
        Naming what does not match.
    """
    if not isinstance(network, Network):
        raise ParameterError(f"network must be a brainview.sim.kernels.Network, was {type(network).__name__}")
    for name, array, dtype in zip(Network._fields, network[:-1], _NETWORK_DTYPES):
        if not isinstance(array, np.ndarray) or array.dtype != dtype or array.ndim != 1:
            raise ParameterError(f"network.{name} must be a 1-D {np.dtype(dtype)} array")
    for what, indptr, indices, weight in (
        ("chemical synapses", network.indptr, network.targets, network.signed_count),
        ("gap junctions", network.gap_indptr, network.gap_partners, network.gap_weight),
    ):
        if indptr.shape[0] != n + 1:
            raise ParameterError(f"the network's {what} cover {indptr.shape[0] - 1} cells; the connectome has {n}")
        try:
            check_rows(indptr, indices)
        except InvalidConnectomeError as error:
            raise ParameterError(f"the network's {what} are invalid: {error}") from None
        if weight.shape != indices.shape or not np.all(np.isfinite(weight)):
            raise ParameterError(f"the network's {what} need one finite weight per connection")
    packed, target_bits = packed_events(network.targets, network.signed_count, n)
    if network.packed.size and (network.target_bits != target_bits or not np.array_equal(network.packed, packed)):
        raise ParameterError("network.packed does not match network.targets and network.signed_count")
    return Network(*(frozen(array) for array in network[:-2]), frozen(network.packed), target_bits)


def input_sum_dtype(network: Network) -> np.dtype:
    """The dtype in which a step sums the signed synapse counts reaching each cell.

    float32 (half the cache) when every sum is exact in it: whole counts whose absolute values
    into any one cell total under 2**24; float64 otherwise.
    """
    n = network.indptr.shape[0] - 1
    counts = network.signed_count
    if not _whole_numbers(counts):
        return np.dtype(np.float64)
    incoming = np.bincount(network.targets, weights=np.abs(counts), minlength=n)
    return np.dtype(np.float32 if np.max(incoming, initial=0.0) < 2**24 else np.float64)


def partition(network: Network, threads: int, parallel_min_events: int) -> np.ndarray:
    """Cell spans of about equal numbers of cells, one per thread, that share a busy step.

    One span (the serial, cached kernel) when a single thread is asked for; when the whole
    network has fewer connections than ``parallel_min_events``, so that a step is too short to
    share and the threaded kernel's compilation (a few seconds per process, as it is never
    cached) would buy nothing; and when a synapse count is not a whole number, since sums
    made by several threads would then round differently from one thread's.

    Returns
    -------
    numpy.ndarray
        int64 span boundaries, from 0 to the number of cells.
    """
    n = network.indptr.shape[0] - 1
    if threads <= 1 or n < 2 or network.targets.shape[0] < parallel_min_events or not _whole_numbers(network.signed_count):
        return np.array([0, n], np.int64)
    return np.unique(np.linspace(0, n, threads + 1).round()).astype(np.int64)
