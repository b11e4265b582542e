"""Exact conversion and freezing of the arrays the data model holds.

The engine's numba kernels index these arrays without bounds checks, so every array is checked
once, when a :class:`~brainview.connectome.Connectome` is built, and made read-only after: a
later write cannot break what was checked. Conversions are exact or refused: an int64 index of
``2**32 + 7`` is an error, never cell 7.
"""

from __future__ import annotations

import numpy as np

from brainview.errors import InvalidConnectomeError


def exact_integers(values: object, dtype: type[np.integer], what: str) -> np.ndarray:
    """``values`` as a C-contiguous array of ``dtype``, refusing any value the cast would change.

    Integer and boolean inputs must lie in the range of ``dtype``; float inputs must be finite
    whole numbers in that range. Strings and other kinds are refused.

    Raises
    ------
    InvalidConnectomeError
        Naming ``what`` and the first offending value.
    """
    array = np.asarray(values)
    target = np.dtype(dtype)
    if array.dtype == target:
        return np.ascontiguousarray(array)
    if array.dtype.kind not in "biuf":
        raise InvalidConnectomeError(f"{what} must be integers, got values of type {array.dtype}")
    if array.size:
        if array.dtype.kind == "f":
            whole = np.isfinite(array) & (np.floor(array) == array)
            if not whole.all():
                raise InvalidConnectomeError(f"{what} must be whole numbers, got {array.flat[np.argmin(whole)]!r}")
        info = np.iinfo(target)
        low, high = array.min(), array.max()
        # Compare in Python integers (or floats): a uint64 against an int64 bound stays exact.
        if low < info.min or high > info.max:
            bad = low if low < info.min else high
            raise InvalidConnectomeError(f"{what} must lie in [{info.min}, {info.max}] for {target}, got {bad!r}")
    return np.ascontiguousarray(array, dtype=target)


def finite_floats(
    values: object, dtype: type[np.floating], what: str, minimum: float | None = None, missing_ok: bool = False
) -> np.ndarray:
    """``values`` as a C-contiguous float array of ``dtype``, finite after the cast (and ``>= minimum``).

    A float64 value beyond float32's range becomes inf in the cast and is refused here. With
    ``missing_ok``, NaN (a missing value) is allowed; infinities never are.
    """
    array = np.asarray(values)
    if array.dtype.kind not in "biuf":
        raise InvalidConnectomeError(f"{what} must be numbers, got values of type {array.dtype}")
    with np.errstate(over="ignore"):  # an overflow becomes inf, refused just below
        array = np.ascontiguousarray(array, dtype=dtype)
    if array.size:
        finite = np.isfinite(array) | np.isnan(array) if missing_ok else np.isfinite(array)
        if not finite.all():
            raise InvalidConnectomeError(
                f"{what} must be finite {np.dtype(dtype)} numbers, got {array.flat[np.argmin(finite)]!r}"
            )
        if minimum is not None and np.nanmin(array, initial=minimum) < minimum:
            raise InvalidConnectomeError(f"{what} must be {minimum:g} or more, got {np.nanmin(array)!r}")
    return array


def frozen(array: np.ndarray) -> np.ndarray:
    """``array`` made read-only; copied first when it is a view of memory someone else may write."""
    if not array.flags.owndata and array.base is not None and _writeable_base(array):
        array = array.copy()
    array.setflags(write=False)
    return array


def _writeable_base(array: np.ndarray) -> bool:
    base = array.base
    while isinstance(base, np.ndarray) and base.base is not None:
        base = base.base
    return not isinstance(base, np.ndarray) or base.flags.writeable
