"""Computed 3D positions for cells whose source gives none.

Many connectome sources (edge lists, neuPrint exports, Shiu et al.'s model inputs) have no soma
positions. brainview then places cells by their wiring, so that partners sit near each other:

- :func:`spectral_layout` embeds the whole network with the three smoothest non-trivial
  eigenvectors of its regularised, normalised adjacency (a Laplacian eigenmap), found by
  subspace iteration with numpy only: each iteration is a few ``np.bincount`` passes over the
  edges, so 100k+ cells and millions of connections take seconds (a fixed edge budget bounds
  the cost).
- :func:`fill_missing_positions` places the few cells a source left without a position at the
  weighted mean of their placed partners (harmonic interpolation), in the source's own frame.
- :func:`complete_positions` is what readers call: it picks one of the two and records in the
  connectome's metadata that positions were laid out, not measured.

Cells with no connection at all are put on a sphere around the rest (a Fibonacci lattice), and
every computed position gets a small seeded jitter, so that no two cells coincide.

Whatever the weights, the result is finite: connections whose weight is not a finite positive
number are left out, an eigenproblem that does not converge falls back to the sphere, and
filled positions are kept within float32's range.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from brainview.connectome.synapses import SynapseCSR

_FLOAT32_MAX = float(np.finfo(np.float32).max)


@dataclass(frozen=True)
class SpectralParameters:
    """How :func:`spectral_layout` works and how big its result is.

    Parameters
    ----------
    extent_um : float
        Width of the layout along each axis (robust: 1st to 99th percentile), micrometres;
        500 um is about the width of a fly brain.
    max_edges : int
        Edge budget: a larger network keeps its strongest connections (and each cell's
        strongest one), which bounds the cost per iteration.
    iterations : int
        Most subspace iterations.
    tolerance : float
        Stop when the eigenvalue estimates change less than this between iterations.
    block : int
        Vectors iterated together (three are used; the rest speed up convergence).
    jitter : float
        Standard deviation of the seeded jitter, as a fraction of ``extent_um``.
    regularisation : float
        Weight added between every pair of cells, as a fraction of the mean degree.
    diffusion_time : float
        Each axis is weighted by its eigenvalue to this power (steps of a lazy random walk).
    """

    extent_um: float = 500.0
    max_edges: int = 1_000_000
    iterations: int = 50
    tolerance: float = 1e-4
    block: int = 6
    jitter: float = 0.004
    regularisation: float = 0.02
    diffusion_time: float = 8.0


def spectral_layout(
    chemical: SynapseCSR,
    gap: SynapseCSR | None = None,
    seed: int = 0,
    parameters: SpectralParameters = SpectralParameters(),
) -> np.ndarray:
    """3D positions from the wiring alone: partners near each other, clusters apart.

    Parameters
    ----------
    chemical : SynapseCSR
        Chemical synapses; direction is ignored, weights enter as ``log(1 + count)``.
    gap : SynapseCSR, optional
        Gap junctions, treated like chemical synapses.
    seed : int
        Seed of the starting vectors and the jitter; the same seed gives the same layout.
    parameters : SpectralParameters
        Size of the result and cost limits.

    Returns
    -------
    numpy.ndarray
        (N, 3) float32 positions in micrometres (a computed frame centred on 0, about
        ``parameters.extent_um`` wide per axis).
    """
    n = chemical.n
    rng = np.random.default_rng(seed)
    if n == 0:
        return np.zeros((0, 3), np.float32)
    pre, post, weight = _undirected_edges(chemical, gap, parameters.max_edges)
    degree = np.bincount(pre, weight, n) + np.bincount(post, weight, n)
    connected = np.flatnonzero(degree > 0)
    position = np.zeros((n, 3))
    half = parameters.extent_um / 2
    if connected.size:
        local = np.full(n, -1, np.int64)
        local[connected] = np.arange(connected.size)
        try:
            coords = _eigenmap(local[pre], local[post], weight, degree[connected], rng, parameters)
        except np.linalg.LinAlgError:  # not expected for finite weights; then the sphere below
            coords = np.full((connected.size, 3), np.nan)
        if np.isfinite(coords).all():
            position[connected] = _scaled(coords, parameters.extent_um)
        else:  # placed like unconnected cells
            degree[connected] = 0.0
            connected = connected[:0]
    isolated = np.flatnonzero(degree == 0)
    position[isolated] = _sphere_points(isolated.size) * (1.2 * half if connected.size else half)
    position += rng.normal(0.0, parameters.jitter * parameters.extent_um, position.shape)
    return position.astype(np.float32)


def _undirected_edges(chemical: SynapseCSR, gap: SynapseCSR | None, max_edges: int):
    """Edges as (pre, post, weight) without self-loops, within the edge budget."""
    pre, post, weight = chemical.pre, chemical.indices, chemical.weight
    if gap is not None:
        pre = np.concatenate([pre, gap.pre])
        post = np.concatenate([post, gap.indices])
        weight = np.concatenate([weight, gap.weight])
    keep = (pre != post) & (weight > 0) & np.isfinite(weight)
    pre, post = pre[keep].astype(np.int64), post[keep].astype(np.int64)
    # Synapse counts span four orders of magnitude; the log keeps strong pairs from dominating.
    weight = np.log1p(weight[keep].astype(np.float64))
    if weight.size <= max_edges:
        return pre, post, weight
    strongest = np.zeros(chemical.n)
    np.maximum.at(strongest, pre, weight)
    np.maximum.at(strongest, post, weight)
    chosen = (weight >= strongest[pre]) | (weight >= strongest[post])
    chosen[np.argpartition(-weight, max_edges)[:max_edges]] = True
    return pre[chosen], post[chosen], weight[chosen]


def _eigenmap(pre, post, weight, degree, rng: np.random.Generator, parameters: SpectralParameters) -> np.ndarray:
    """(m, 3) smoothest non-trivial eigenvectors of the regularised random-walk matrix."""
    m = degree.size
    # Regularisation (Amini et al. 2013, Ann. Stat. 41:2097): add tau/m to every pair, tau a
    # fraction of the mean degree, so dangling chains and small components do not swallow the
    # eigenvectors; a small fraction keeps the layout of a connected network nearly unchanged.
    tau = parameters.regularisation * float(degree.mean())
    inv_sqrt = 1.0 / np.sqrt(degree + tau)
    normalised = weight * inv_sqrt[pre] * inv_sqrt[post]
    trivial = np.sqrt(degree + tau)
    trivial /= np.linalg.norm(trivial)

    def lazy_walk(x: np.ndarray) -> np.ndarray:
        """(I + S) x / 2 with S the normalised, regularised adjacency, minus the trivial direction."""
        y = np.empty_like(x)
        for j, column in enumerate(np.ascontiguousarray(x.T)):
            y[:, j] = np.bincount(pre, normalised * column[post], m) + np.bincount(post, normalised * column[pre], m)
        y += (tau / m) * np.outer(inv_sqrt, inv_sqrt @ x)
        y = (x + y) / 2
        return y - np.outer(trivial, trivial @ y)

    block = min(parameters.block, m - 1)
    if block < 1:
        return np.zeros((m, 3))
    basis, _ = np.linalg.qr(lazy_walk(rng.standard_normal((m, block))))
    previous = np.zeros(block)
    for _ in range(parameters.iterations):
        basis, r = np.linalg.qr(lazy_walk(basis))
        estimate = np.abs(np.diag(r))
        if np.max(np.abs(estimate - previous)) < parameters.tolerance:
            break
        previous = estimate
    # Rayleigh-Ritz: the best eigenvector approximations within the converged subspace.
    values, vectors = np.linalg.eigh(basis.T @ lazy_walk(basis))
    top = np.argsort(-values)[:3]
    smooth = basis @ vectors[:, top]
    smooth *= np.sign(smooth[np.argmax(np.abs(smooth), axis=0), np.arange(smooth.shape[1])])
    # Diffusion-map weighting: a direction the walk forgets quickly (small eigenvalue) is noise
    # within a cluster and is drawn shorter than one it remembers (a split between clusters).
    smooth *= np.clip(values[top], 0.0, 1.0) ** parameters.diffusion_time
    coords = np.zeros((m, 3))
    coords[:, : smooth.shape[1]] = smooth * inv_sqrt[:, None]
    return coords


def _scaled(coords: np.ndarray, extent_um: float) -> np.ndarray:
    """Centred on the median, the widest axis spanning ``extent_um`` (1st-99th percentile).

    All axes share one scale so that weak directions stay weak, except that none is squashed
    below a quarter of the width: a flat layout is hard to look at in 3D.
    """
    values = coords - np.median(coords, axis=0)
    low, high = np.percentile(values, [1, 99], axis=0)
    spread = np.where(high > low, high - low, np.abs(values).max(axis=0))
    if not np.any(spread > 0):
        return np.zeros_like(coords)
    scale = np.full(spread.shape, extent_um / spread.max())
    thin = (spread > 0) & (spread * scale < extent_um / 4)
    scale[thin] = extent_um / 4 / spread[thin]
    return np.clip(values * scale, -extent_um, extent_um)


def _sphere_points(count: int) -> np.ndarray:
    """``count`` evenly spread unit vectors (a Fibonacci lattice), deterministic."""
    k = np.arange(count) + 0.5
    z = 1 - 2 * k / max(count, 1)
    ring = np.sqrt(np.clip(1 - z * z, 0, None))
    angle = np.pi * (3 - np.sqrt(5)) * k
    return np.column_stack([ring * np.cos(angle), ring * np.sin(angle), z])


def fill_missing_positions(
    position: np.ndarray,
    chemical: SynapseCSR,
    gap: SynapseCSR | None = None,
    seed: int = 0,
    rounds: int = 30,
) -> tuple[np.ndarray, int]:
    """Place cells without a position (NaN rows) among their placed partners.

    Each such cell goes to the synapse-weighted mean position of its partners, repeated for
    ``rounds`` rounds so cells whose partners are also unplaced follow them (harmonic
    interpolation with the measured cells held fixed). Cells with no path to a placed cell go
    on a sphere around the placed ones. All placed cells get a seeded jitter of 0.5 % of the
    measured spread, so none coincide.

    Parameters
    ----------
    position : numpy.ndarray
        (N, 3) positions in micrometres, NaN in the rows to fill.
    chemical, gap : SynapseCSR
        The wiring that decides where a cell goes.
    seed : int
        Seed of the jitter.
    rounds : int
        Rounds of averaging.

    Returns
    -------
    (numpy.ndarray, int)
        (N, 3) float32 positions with every row finite, and how many rows were filled.
    """
    position = np.array(position, dtype=np.float64).reshape(-1, 3)
    missing = ~np.isfinite(position).all(axis=1)
    n_missing = int(missing.sum())
    if n_missing == 0:
        return position.astype(np.float32), 0
    if n_missing == position.shape[0]:
        return spectral_layout(chemical, gap, seed), n_missing
    placed = position[~missing]
    centre = placed.mean(axis=0)
    spread = float(np.max(np.ptp(placed, axis=0))) or 1.0
    pre, post, weight = _undirected_edges(chemical, gap, max_edges=np.iinfo(np.int64).max)
    touching = missing[pre] | missing[post]
    # Each edge lets both ends learn from the other; only missing cells ever move.
    source = np.concatenate([pre[touching], post[touching]])
    target = np.concatenate([post[touching], pre[touching]])
    weight = np.concatenate([weight[touching], weight[touching]])
    inbound = missing[target]
    source, target, weight = source[inbound], target[inbound], weight[inbound]
    known = ~missing
    n = position.shape[0]
    for _ in range(rounds):
        usable = known[source]
        total = np.bincount(target, weight * usable, n)
        reached = missing & (total > 0)
        if not reached.any():
            break
        values = np.where(known[:, None], position, 0.0)
        for axis in range(3):
            summed = np.bincount(target, weight * usable * values[source, axis], n)
            position[reached, axis] = summed[reached] / total[reached]
        known = known | reached
    stranded = np.flatnonzero(~known)
    position[stranded] = centre + _sphere_points(stranded.size) * 0.6 * spread
    rng = np.random.default_rng(seed)
    position[missing] += rng.normal(0.0, 0.005 * spread, (n_missing, 3))
    # Placed cells near float32's limits must not push a filled one past them.
    np.clip(position, -_FLOAT32_MAX, _FLOAT32_MAX, out=position)
    return position.astype(np.float32), n_missing


def complete_positions(
    position: np.ndarray | None,
    chemical: SynapseCSR,
    gap: SynapseCSR | None,
    meta: dict[str, str],
    seed: int = 0,
    given: str = "measured",
) -> np.ndarray:
    """Positions for every cell, computed where the source has none, recorded in ``meta``.

    Without any given position the whole connectome is laid out (``meta["positions"] =
    "layout:spectral"``, ``meta["coordinate_frame"]`` says the frame is computed). With some,
    ``meta["positions"] = given`` (what the finite positions are: "measured" unless they were
    placed, see :mod:`brainview.connectome.neuropils`) and the missing ones are filled by
    :func:`fill_missing_positions`; ``meta["positions_filled"]`` then holds their number and
    ``meta["positions_fill_method"]`` how they were placed.

    Returns
    -------
    numpy.ndarray
        (N, 3) float32 positions in micrometres.
    """
    n = chemical.n
    if position is None or not np.isfinite(np.asarray(position, np.float64)).all(axis=1).any() or n == 0:
        meta["positions"] = "layout:spectral"
        meta["coordinate_frame"] = "computed layout (micrometre scale, no anatomical axes)"
        return spectral_layout(chemical, gap, seed)
    filled, count = fill_missing_positions(position, chemical, gap, seed)
    meta["positions"] = given
    if count:
        meta["positions_filled"] = str(count)
        meta["positions_fill_method"] = "layout:harmonic (weighted mean of placed partners)"
    return filled
