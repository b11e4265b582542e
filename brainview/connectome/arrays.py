"""Exact conversion, block-wise checks and freezing of arrays.

The engine's numba kernels index the data model's arrays without bounds checks, so every array
is checked once, when a :class:`~brainview.connectome.Connectome` is built, and made read-only
after: a later write cannot break what was checked. Conversions are exact or refused: an int64
index of ``2**32 + 7`` is an error, never cell 7.

:func:`exact_cast` is the one conversion, for the data model (:func:`exact_integers`,
:func:`finite_floats`) and for the HDF5 readers alike. It works in blocks of :data:`BLOCK`
elements, so that converting a large array takes little memory beyond the result.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from brainview.errors import InvalidConnectomeError

BLOCK = 1 << 20
"""Elements per block when checking or converting large arrays (bounds temporary memory)."""


def exact_cast(values: np.ndarray, dtype, what: str = "values", round_floats: bool = False) -> np.ndarray:
    """``values`` as ``dtype``; ValueError naming ``what`` and a value the cast would change.

    To an integer type, integers and booleans convert when in its range, floats when finite,
    whole and in its range. To a float type, integers convert within the float's exact integer
    range (2**24 for float32) and floats when they round-trip (NaN and infinities stay as they
    are: the caller checks finiteness). With ``round_floats`` any number converts to the
    nearest value of the float type instead, as long as a finite value stays finite.

    Returns ``values`` itself when it has ``dtype`` already, else a new array of its shape.
    """
    target = np.dtype(dtype)
    source = values.dtype
    if target.kind not in "iuf":
        raise ValueError(f"{what} cannot be converted exactly to {target}")
    if source.kind not in "biuf":
        wanted = "integers" if target.kind in "iu" else "numbers"
        raise ValueError(f"{what} must be {wanted}, got values of type {source}")
    if source == target:
        return values
    if source.kind in "biu" and target.kind in "iu":
        _check_integer_range(values, target, what)  # min and max need no temporary array
        return values.astype(target)
    if source.kind in "biu" and not round_floats:
        limit = 2 ** (np.finfo(target).nmant + 1)
        low, high = (int(values.min()), int(values.max())) if values.size else (0, 0)
        if low < -limit or high > limit:
            raise ValueError(f"{what} must lie in [-{limit}, {limit}] to convert exactly to {target}, "
                             f"got {low if low < -limit else high}")
        return values.astype(target)
    out = np.empty(values.shape, dtype=target)
    with np.errstate(all="ignore"):  # what the cast changes is refused below, block by block
        for block, out_block in zip(blocks(values), blocks(out)):  # blocks of ``out`` are views
            converted = block.astype(target)
            _refuse_changes(block, converted, what, round_floats)
            out_block[...] = converted
    return out


def _refuse_changes(block: np.ndarray, converted: np.ndarray, what: str, round_floats: bool) -> None:
    """ValueError when the cast of ``block`` (floats, or any numbers with ``round_floats``) changed a value."""
    target = converted.dtype
    if target.kind in "iu":
        whole = np.isfinite(block) & (np.trunc(block) == block)
        if not whole.all():
            raise ValueError(f"{what} must be whole numbers, got {_first(block, ~whole)}")
        _check_integer_range(block, target, what)
    elif round_floats:
        overflow = np.isfinite(block) & ~np.isfinite(converted)
        if overflow.any():
            raise ValueError(f"{what} must be finite {target} numbers, got {_first(block, overflow)}")
    else:
        back = converted.astype(block.dtype)
        changed = (back != block) & ~(np.isnan(back) & np.isnan(block))
        if changed.any():
            raise ValueError(f"{what} must convert exactly to {target}, got {_first(block, changed)}")


def _check_integer_range(values: np.ndarray, target: np.dtype, what: str) -> None:
    """ValueError unless every one of ``values`` (integers, or whole floats) lies in the range of ``target``."""
    if not values.size:
        return
    info = np.iinfo(target)
    low, high = values.min(), values.max()
    # Compared as Python numbers, exactly: a uint64 or a float against an int64 bound stays exact.
    if low.item() < info.min or high.item() > info.max:
        bad = low if low.item() < info.min else high
        raise ValueError(f"{what} must lie in [{info.min}, {info.max}]: {bad!s} does not fit {target}")


def _first(values: np.ndarray, mask: np.ndarray) -> str:
    """The first of ``values`` where ``mask`` is set, as a message shows it (a plain number)."""
    return str(values[np.argmax(mask)])


def blocks(values: np.ndarray) -> Iterator[np.ndarray]:
    """``values`` flattened, in blocks of :data:`BLOCK` elements (views of a contiguous array)."""
    flat = values.reshape(-1)
    for start in range(0, flat.size, BLOCK):
        yield flat[start : start + BLOCK]


def all_finite(values: np.ndarray) -> bool:
    """True when no value is NaN or infinite (checked in blocks)."""
    return first_non_finite(values) is None


def first_non_finite(values: np.ndarray, missing_ok: bool = False) -> int | None:
    """The flat index of the first NaN or infinite value, or None (checked in blocks).

    With ``missing_ok`` NaN (a missing value) is allowed: only infinities count.
    """
    if values.dtype.kind in "iub":
        return None
    for start, block in zip(range(0, values.size, BLOCK), blocks(values)):
        bad = np.isinf(block) if missing_ok else ~np.isfinite(block)
        if bad.any():
            return start + int(np.argmax(bad))
    return None


def exact_integers(values: object, dtype: type[np.integer], what: str) -> np.ndarray:
    """``values`` as a C-contiguous array of ``dtype``, refusing any value the cast would change.

    Integer and boolean inputs must lie in the range of ``dtype``; float inputs must be finite
    whole numbers in that range (:func:`exact_cast`). Strings and other kinds are refused.

    Raises
    ------
    InvalidConnectomeError
        Naming ``what`` and the first offending value.
    """
    return np.ascontiguousarray(_cast_for_the_model(values, dtype, what))


def finite_floats(
    values: object, dtype: type[np.floating], what: str, minimum: float | None = None, missing_ok: bool = False
) -> np.ndarray:
    """``values`` as a C-contiguous float array of ``dtype``, finite after the cast (and ``>= minimum``).

    Values round to the nearest float of ``dtype``; one beyond its range (a float64 beyond
    float32's) is refused. With ``missing_ok``, NaN (a missing value) is allowed; infinities
    never are.
    """
    array = np.ascontiguousarray(_cast_for_the_model(values, dtype, what, round_floats=True))
    bad = first_non_finite(array, missing_ok)
    if bad is not None:
        raise InvalidConnectomeError(f"{what} must be finite {array.dtype} numbers, got {array.flat[bad]!s}")
    if array.size and minimum is not None and np.nanmin(array, initial=minimum) < minimum:
        raise InvalidConnectomeError(f"{what} must be {minimum:g} or more, got {np.nanmin(array)!s}")
    return array


def _cast_for_the_model(values: object, dtype, what: str, round_floats: bool = False) -> np.ndarray:
    """:func:`exact_cast` of ``values``, refused as the data model refuses: InvalidConnectomeError."""
    try:
        return exact_cast(np.asarray(values), dtype, what, round_floats)
    except ValueError as refused:
        raise InvalidConnectomeError(str(refused)) from None


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
