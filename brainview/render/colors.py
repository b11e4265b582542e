"""Colours for neurons: a label column, a numeric column or any array mapped to RGBA, with a legend.

Pure numpy (no OpenGL), so the UI and the tests can use it without a canvas. Categories get
colours in order of how many cells carry them, so the biggest groups get the most distinct
colours; neurotransmitters always get the same colours; numeric values go through a vispy
colormap. Colours are chosen to read on the dark background of the 3D view.
"""

from __future__ import annotations

import colorsys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from brainview.connectome import Categorical, Connectome
from brainview.connectome.categorical import MISSING
from brainview.connectome.selectors import FIELDS
from brainview.errors import UnknownNameError

RGBA = tuple[float, float, float, float]

MISSING_COLOR: RGBA = (0.40, 0.40, 0.43, 1.0)
"""Cells without a label or value."""
MISSING_LABEL = "(none)"

QUALITATIVE: tuple[RGBA, ...] = (
    (0.96, 0.56, 0.16, 1.0),  # orange
    (0.31, 0.64, 1.00, 1.0),  # sky blue
    (0.45, 0.85, 0.34, 1.0),  # green
    (0.95, 0.33, 0.45, 1.0),  # rose
    (0.72, 0.50, 0.98, 1.0),  # violet
    (0.99, 0.86, 0.24, 1.0),  # yellow
    (0.22, 0.85, 0.80, 1.0),  # teal
    (0.98, 0.60, 0.82, 1.0),  # pink
    (0.80, 0.66, 0.44, 1.0),  # tan
    (0.62, 0.80, 0.98, 1.0),  # pale blue
    (0.72, 0.93, 0.55, 1.0),  # pale green
    (1.00, 0.42, 0.22, 1.0),  # vermilion
    (0.50, 0.53, 1.00, 1.0),  # periwinkle
    (0.36, 0.96, 0.58, 1.0),  # mint
    (0.90, 0.38, 0.88, 1.0),  # magenta
    (0.66, 0.78, 0.20, 1.0),  # olive
    (0.99, 0.74, 0.50, 1.0),  # apricot
    (0.38, 0.82, 1.00, 1.0),  # cyan
    (0.85, 0.55, 0.55, 1.0),  # dusty red
    (0.93, 0.93, 0.62, 1.0),  # cream
)
"""Twenty distinct colours for the largest categories; later ones are generated."""

NEUROTRANSMITTER_COLORS: Mapping[str, RGBA] = {
    "ACh": (0.96, 0.60, 0.18, 1.0),
    "Glu": (0.42, 0.86, 0.38, 1.0),
    "GABA": (0.30, 0.56, 1.00, 1.0),
    "DA": (0.78, 0.45, 0.98, 1.0),
    "5HT": (0.98, 0.45, 0.70, 1.0),
    "OA": (0.98, 0.90, 0.30, 1.0),
    "TA": (0.25, 0.86, 0.80, 1.0),
    "His": (0.60, 0.86, 1.00, 1.0),
    "peptide": (0.86, 0.70, 0.50, 1.0),
    "unknown": (0.55, 0.55, 0.58, 1.0),
}
"""Fixed colours of the canonical transmitters, the same in every dataset."""

FIELD_ALIASES = {**FIELDS, "neurotransmitter": "nt", "transmitter": "nt"}
"""Names a user may give for a column (the selector prefixes, plus a few spelled out)."""


@dataclass(frozen=True)
class ColorMapping:
    """Colours of all cells and the legend that explains them.

    Parameters
    ----------
    rgba : numpy.ndarray
        (N, 4) float32 in [0, 1].
    legend : tuple of (str, RGBA)
        Label and colour, largest group first (categories) or low to high (numbers).
    field : str
        What was mapped: a column name, or "values" / "colors" for arrays.
    kind : str
        "categorical", "numeric" or "direct" (colours given as such).
    """

    rgba: np.ndarray
    legend: tuple[tuple[str, RGBA], ...]
    field: str
    kind: str


def category_color(index: int) -> RGBA:
    """The colour of the ``index``-th largest category (0-based).

    The first twenty are :data:`QUALITATIVE`; later ones step round the hue circle by the golden
    angle with alternating lightness, so neighbours in the order stay distinguishable.
    """
    if index < len(QUALITATIVE):
        return QUALITATIVE[index]
    step = index - len(QUALITATIVE)
    hue = (0.07 + step * 0.381966) % 1.0
    saturation = (0.55, 0.75, 0.40)[step % 3]
    value = (0.95, 0.80, 1.0)[(step // 3) % 3]
    r, g, b = colorsys.hsv_to_rgb(hue, saturation, value)
    return (r, g, b, 1.0)


def resolve_field(connectome: Connectome, field: str) -> str:
    """The column a user means by ``field`` ("type" -> "cell_type"); UnknownNameError (a KeyError) listing columns."""
    column = FIELD_ALIASES.get(field.lower(), field)
    if column not in connectome.columns:
        raise UnknownNameError(
            f"no column {field!r} to colour by; columns are {', '.join(sorted(connectome.columns))}"
        )
    return column


def color_by(
    connectome: Connectome,
    by: str | np.ndarray | Categorical,
    colormap: str = "viridis",
    palette: Mapping[str, Sequence[float]] | None = None,
    clim: tuple[float, float] | None = None,
) -> ColorMapping:
    """Colour every cell of ``connectome``.

    Parameters
    ----------
    connectome : Connectome
        The cells.
    by : str or array
        A column name or alias (``"cell_type"``, ``"class"``, ``"region"``, ``"subsystem"``,
        ``"nt"``, ``"radius"``...), a Categorical or array of N labels, an array of N numbers
        (e.g. firing rates in Hz), or an (N, 3) / (N, 4) array of colours in [0, 1].
    colormap : str
        vispy colormap name for numeric values.
    palette : mapping of str to RGB(A), optional
        Fixed colours for some labels (e.g. from a subsystem rule file); others get the
        default colours.
    clim : (float, float), optional
        Value range of the colormap; default: the finite minimum and maximum.
    """
    n = connectome.n
    if isinstance(by, str):
        column = resolve_field(connectome, by)
        values = connectome.columns[column]
        if column == "nt" and palette is None:
            palette = NEUROTRANSMITTER_COLORS
        if column == "subsystem" and palette is None:
            palette = subsystem_palette(connectome)
        field = column
    else:
        values, field = by, "values"
    if isinstance(values, Categorical):
        return _categorical(values, field, palette)
    array = np.asarray(values)
    if array.shape[:1] != (n,):
        raise ValueError(f"need one value per cell ({n}), got an array of shape {array.shape}")
    if array.ndim == 2 and array.shape[1] in (3, 4) and array.dtype.kind == "f":
        rgba = np.ones((n, 4), np.float32)
        rgba[:, : array.shape[1]] = np.clip(array, 0.0, 1.0)
        return ColorMapping(rgba, (), "colors", "direct")
    if array.ndim != 1:
        raise ValueError(f"values must be 1-D (one per cell), got shape {array.shape}")
    if array.dtype.kind in "OUS":
        return _categorical(Categorical.from_values(array), field, palette)
    if array.dtype.kind == "b":
        array = array.astype(np.float32)
    return _numeric(array.astype(np.float64), field, colormap, clim)


def subsystem_palette(connectome: Connectome) -> dict[str, RGBA] | None:
    """The colours of the subsystem rule file the connectome was classified with, if any.

    ``meta["subsystem_rules"]`` names the shipped rule set or one's own rule file; a dataset
    without one, or a rule file that cannot be read, gets the default colours (None).
    """
    from brainview.connectome.subsystems import RuleFileError, resolve_rules
    from brainview.errors import UnknownNameError

    dataset = connectome.meta.get("subsystem_rules")
    if not dataset or not (dataset.endswith(".toml") or "/" not in dataset and "\\" not in dataset):
        return None  # a name, or a .toml file: a data file's metadata opens nothing else
    try:
        colours = resolve_rules(dataset).colours
    except (OSError, RuleFileError, UnknownNameError):
        return None
    return {label: hex_to_rgba(code) for label, code in colours.items()}


def hex_to_rgba(code: str) -> RGBA:
    """``"#rrggbb"`` as an RGBA tuple in [0, 1]."""
    text = code.lstrip("#")
    if len(text) != 6:
        raise ValueError(f"a colour is written #rrggbb, got {code!r}")
    r, g, b = (int(text[i:i + 2], 16) / 255.0 for i in (0, 2, 4))
    return (r, g, b, 1.0)


def _categorical(column: Categorical, field: str, palette: Mapping[str, Sequence[float]] | None) -> ColorMapping:
    fixed = {label: _rgba(color) for label, color in (palette or {}).items()}
    tally = np.bincount(column.codes[column.codes != MISSING], minlength=len(column.categories))
    order = sorted(range(len(column.categories)), key=lambda i: (-tally[i], column.categories[i]))
    lookup = np.empty((len(column.categories) + 1, 4), np.float32)
    legend: list[tuple[str, RGBA]] = []
    next_default = 0
    for code in order:
        label = column.categories[code]
        if label in fixed:
            color = fixed[label]
        else:
            color = category_color(next_default)
            next_default += 1
        lookup[code] = color
        if tally[code] > 0:
            legend.append((label, color))
    lookup[-1] = MISSING_COLOR  # code -1 indexes the last row
    if np.any(column.codes == MISSING):
        legend.append((MISSING_LABEL, MISSING_COLOR))
    return ColorMapping(lookup[column.codes], tuple(legend), field, "categorical")


def _numeric(values: np.ndarray, field: str, colormap: str, clim: tuple[float, float] | None) -> ColorMapping:
    from vispy.color import get_colormap

    cmap = get_colormap(colormap)
    finite = np.isfinite(values)
    if clim is None:
        low, high = (float(values[finite].min()), float(values[finite].max())) if finite.any() else (0.0, 1.0)
    else:
        low, high = (float(clim[0]), float(clim[1]))
    span = high - low if high > low else 1.0
    scaled = np.clip((np.where(finite, values, low) - low) / span, 0.0, 1.0)
    rgba = np.asarray(cmap.map(scaled.astype(np.float32)), np.float32).reshape(-1, 4)
    rgba[~finite] = MISSING_COLOR
    ticks = np.linspace(low, high, 5) if high > low else np.array([low])
    if not finite.any():
        ticks = np.zeros(0)  # nothing to explain
    colors = np.asarray(cmap.map(((ticks - low) / span).astype(np.float32)), np.float32).reshape(-1, 4)
    legend = [(f"{tick:.4g}", tuple(float(c) for c in color)) for tick, color in zip(ticks, colors)]
    if not finite.all():
        legend.append((MISSING_LABEL, MISSING_COLOR))
    return ColorMapping(rgba, tuple(legend), field, "numeric")


def _rgba(color: Sequence[float]) -> RGBA:
    values = [float(c) for c in color]
    if len(values) == 3:
        values.append(1.0)
    if len(values) != 4 or not all(0.0 <= v <= 1.0 for v in values):
        raise ValueError(f"a colour is 3 or 4 numbers in [0, 1], got {tuple(color)}")
    return (values[0], values[1], values[2], values[3])
