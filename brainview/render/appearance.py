"""How cells look, decided without OpenGL: sizes, flag bits and the default colour field."""

from __future__ import annotations

import numpy as np

from brainview.connectome import Categorical, Connectome


def default_color_field(connectome: Connectome) -> str:
    """The first labelled column of subsystem, cell class, super class and transmitter."""
    for field in ("subsystem", "cell_class", "super_class", "nt"):
        column = connectome[field]
        if isinstance(column, Categorical) and column.counts():
            return field
    return "kind"


def measured_radii(connectome: Connectome) -> np.ndarray:
    """The ``radius`` column (micrometres) with 1 um wherever it is missing or not positive."""
    radius = np.asarray(connectome["radius"], np.float32)
    return np.where(np.isfinite(radius) & (radius > 0), radius, 1.0).astype(np.float32)


def radii_by(connectome: Connectome, by: str | float | np.ndarray) -> np.ndarray:
    """Sphere radii (micrometres, float32) for :meth:`ConnectomeView.set_size_by`.

    ``"radius"``: the measured radii; a number: that radius for every cell; another numeric
    column or an array: its range mapped onto 0.5 to 2.5 times the median measured radius,
    growing with the square root (so the sphere's area follows the value); NaN gets 0.5.
    """
    n = connectome.n
    if isinstance(by, (int, float)):
        if not by > 0:
            raise ValueError(f"a radius must be positive, was {by}")
        return np.full(n, float(by), np.float32)
    if isinstance(by, str) and by == "radius":
        return measured_radii(connectome)
    values = np.asarray(connectome[by] if isinstance(by, str) else by)
    if values.shape != (n,) or values.dtype.kind not in "fiub":
        raise ValueError(f"size needs one number per cell ({n}), got {values.dtype} of shape {values.shape}")
    values = values.astype(np.float64)
    finite = np.isfinite(values)
    low, high = (values[finite].min(), values[finite].max()) if finite.any() else (0.0, 1.0)
    unit = np.where(finite, (values - low) / (high - low if high > low else 1.0), 0.0)
    reference = float(np.median(measured_radii(connectome))) if n else 1.0
    return (reference * (0.5 + 2.0 * np.sqrt(unit))).astype(np.float32)


def as_mask(value, n: int) -> np.ndarray:
    """A boolean mask of ``n`` cells from a mask or an array of rows."""
    array = np.asarray(value)
    if array.dtype == bool:
        if array.shape != (n,):
            raise ValueError(f"a mask needs one entry per cell ({n}), got shape {array.shape}")
        return array
    rows = array.astype(np.int64).ravel()
    if rows.size and (rows.min() < 0 or rows.max() >= n):
        raise ValueError(f"rows must lie in [0, {n - 1}]")
    mask = np.zeros(n, bool)
    mask[rows] = True
    return mask


def with_flag(flags: np.ndarray, bit: int, value) -> np.ndarray:
    """``flags`` with ``bit`` set where ``value`` (mask or rows) says and cleared elsewhere."""
    mask = as_mask(value, flags.shape[0])
    return np.where(mask, flags | bit, flags & ~np.uint8(bit)).astype(np.uint8)


def moving_sample(marked: np.ndarray, limit: int, seed: int = 0) -> np.ndarray | None:
    """Rows drawn while the camera moves: the ``marked`` ones first, then a fixed random sample.

    None when there are no more than ``limit`` cells (then all are drawn all the time).
    """
    n = marked.shape[0]
    if n <= limit:
        return None
    first = np.flatnonzero(marked)[:limit]
    rest = np.random.default_rng(seed).permutation(n)[: limit - first.size]
    return np.unique(np.concatenate([first, rest]))
