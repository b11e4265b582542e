"""A connectome as pandas DataFrames and as a networkx graph, for analysis in a notebook.

:func:`cell_table` is one row per cell, :func:`edge_table` one row per connected pair (or per
gap-junction pair); both are built from the arrays in one pass, with the string columns as
pandas categoricals (codes shared, not copied into Python strings), so they are quick even for
FlyWire's 139,255 cells and 3.8 million connections. :func:`to_networkx` builds a Python object
per cell and per connection, so it is for selections: it refuses more than
:data:`MAX_NETWORKX_CELLS` cells or :data:`MAX_NETWORKX_CONNECTIONS` connections.
:mod:`brainview.connectome.from_frames` reads such tables back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from brainview.connectome.categorical import Categorical
from brainview.connectome.queries import Selection, rows_of
from brainview.errors import ParameterError

if TYPE_CHECKING:
    import networkx as nx

    from brainview.connectome.connectome import Connectome

MAX_NETWORKX_CELLS = 50_000
"""The most cells :func:`to_networkx` converts (a whole fly brain has 139,255)."""

MAX_NETWORKX_CONNECTIONS = 1_000_000
"""The most connections :func:`to_networkx` converts: a million edges already take about a
gigabyte as networkx dictionaries."""

KINDS = ("chemical", "gap")
"""The synapse tables: chemical synapses (directed, signed) and gap junctions (undirected)."""

_LEADING = ("id", "name", "kind", "cell_type", "cell_class", "super_class", "region", "side", "nt", "subsystem")


def cell_table(connectome: Connectome) -> pd.DataFrame:
    """One row per cell, indexed by row (``row``), in the connectome's order.

    Columns: ``id``, the standard string columns (pandas categoricals, missing labels NaN),
    ``x``, ``y``, ``z`` (soma position, micrometres), ``radius`` (micrometres) and every extra
    column of the connectome. The arrays are copies: changing the table leaves the connectome
    as it was.
    """
    columns = connectome.columns
    order = [key for key in _LEADING if key in columns]
    order += [key for key in columns if key not in order and key != "radius"]
    data: dict[str, object] = {key: _series_values(columns[key]) for key in order if key not in ("x", "y", "z")}
    for axis, key in enumerate("xyz"):
        data[key] = np.array(connectome.position[:, axis])
    data["radius"] = np.array(columns["radius"])
    for key in ("x", "y", "z"):  # an extra column of that name would hide the position
        if key in columns:
            data[f"{key}_column"] = _series_values(columns[key])
    return pd.DataFrame(data, index=pd.RangeIndex(connectome.n, name="row"))


def _series_values(column: Categorical | np.ndarray) -> pd.Categorical | np.ndarray:
    if isinstance(column, Categorical):
        return pd.Categorical.from_codes(np.asarray(column.codes), categories=list(column.categories))
    return np.array(column)  # the connectome's arrays are read-only; the table's must not be


def edge_table(connectome: Connectome, kind: str = "chemical") -> pd.DataFrame:
    """One row per connection, by presynaptic row then postsynaptic row.

    Parameters
    ----------
    connectome : Connectome
        The network.
    kind : {"chemical", "gap"}
        ``"chemical"``: one row per connected (pre, post) pair with ``pre_id``, ``post_id``
        (source ids), ``pre_row``, ``post_row``, ``pre_name``, ``post_name``, ``count``
        (synapses) and ``sign`` (+1 excitatory, -1 inhibitory). ``"gap"``: one row per
        gap-junction pair (``row_a <= row_b``) with ``id_a``, ``id_b``, ``row_a``, ``row_b``,
        ``name_a``, ``name_b`` and ``weight`` (conductance weight); empty when the connectome
        has no gap junctions.

    Raises
    ------
    ParameterError
        For another ``kind``.
    """
    csr = _synapses(connectome, kind)
    names = connectome.columns["name"]
    if csr is None:
        return _gap_frame(connectome, np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0, np.float32))
    pre, post = csr.pre, csr.indices
    if kind == "gap":
        once = pre <= post  # stored in both directions; each pair is listed once
        return _gap_frame(connectome, pre[once], post[once], csr.weight[once])
    return pd.DataFrame({
        "pre_id": connectome.ids[pre],
        "post_id": connectome.ids[post],
        "pre_row": np.array(pre),
        "post_row": np.array(post),
        "pre_name": _labels_at(names, pre),
        "post_name": _labels_at(names, post),
        "count": np.array(csr.weight),
        "sign": np.array(csr.sign),
    })


def _gap_frame(connectome: Connectome, a: np.ndarray, b: np.ndarray, weight: np.ndarray) -> pd.DataFrame:
    names = connectome.columns["name"]
    return pd.DataFrame({
        "id_a": connectome.ids[a], "id_b": connectome.ids[b], "row_a": np.array(a), "row_b": np.array(b),
        "name_a": _labels_at(names, a), "name_b": _labels_at(names, b), "weight": np.array(weight),
    })


def _labels_at(column: Categorical, rows: np.ndarray) -> pd.Categorical:
    return pd.Categorical.from_codes(np.asarray(column.codes)[rows], categories=list(column.categories))


def _synapses(connectome: Connectome, kind: str):
    if kind not in KINDS:
        raise ParameterError(f"kind must be one of {', '.join(KINDS)}; was {kind!r}")
    return connectome.chemical if kind == "chemical" else connectome.gap


def to_networkx(connectome: Connectome, rows: Selection = None, kind: str = "chemical") -> nx.DiGraph | nx.Graph:
    """The cells ``rows`` and the connections among them as a networkx graph.

    Parameters
    ----------
    connectome : Connectome
        The network.
    rows : array-like, str or None
        A boolean mask, row indices or a selector string (see
        :func:`~brainview.connectome.queries.rows_of`); None for every cell.
    kind : {"chemical", "gap"}
        ``"chemical"``: a :class:`networkx.DiGraph` whose edges carry ``weight`` (synapse count)
        and ``sign``; ``"gap"``: a :class:`networkx.Graph` of gap junctions with ``weight``.

    Returns
    -------
    networkx.DiGraph or networkx.Graph
        Nodes are source ids, with the attributes ``row``, every string column ("" where a label
        is missing), every numeric column, and ``x``, ``y``, ``z`` (micrometres). The graph's
        ``name`` is the connectome's.

    Raises
    ------
    ParameterError
        For more than :data:`MAX_NETWORKX_CELLS` cells or :data:`MAX_NETWORKX_CONNECTIONS`
        connections (select fewer cells), or another ``kind``.
    """
    import networkx as nx

    chosen = rows_of(connectome, rows)
    if chosen.size > MAX_NETWORKX_CELLS:
        raise ParameterError(
            f"to_networkx converts at most {MAX_NETWORKX_CELLS:,} cells, and this selection has {chosen.size:,}: "
            "select fewer cells (a mask such as connectome['cell_type'] == 'DNa02', row indices or a selector "
            "such as 'subsystem:steering'), or analyse the whole network with edges_to_pandas()"
        )
    csr = _synapses(connectome, kind)
    graph = nx.DiGraph() if kind == "chemical" else nx.Graph()
    graph.graph["name"] = connectome.meta.get("name", "")
    if csr is not None:
        csr = csr.take(chosen)  # renumbered 0..len(chosen)-1, vectorised: counted before any object is built
        if csr.n_connections > MAX_NETWORKX_CONNECTIONS:
            raise ParameterError(
                f"to_networkx converts at most {MAX_NETWORKX_CONNECTIONS:,} connections, and the {chosen.size:,} "
                f"cells selected have {csr.n_connections:,}: select fewer cells, or use edges_to_pandas()"
            )
    ids = connectome.ids[chosen]
    graph.add_nodes_from(zip(ids.tolist(), _node_attributes(connectome, chosen)))
    if csr is not None:
        pre, post = ids[csr.pre].tolist(), ids[csr.indices].tolist()
        weight = csr.weight.tolist()
        if kind == "chemical":
            attributes = ({"weight": w, "sign": s} for w, s in zip(weight, csr.sign.tolist()))
        else:
            attributes = ({"weight": w} for w in weight)
        graph.add_edges_from(zip(pre, post, attributes))
    return graph


def _node_attributes(connectome: Connectome, rows: np.ndarray) -> list[dict]:
    """One dict per cell of ``rows``: its row, every column but ``id``, and its position."""
    values: dict[str, list] = {"row": rows.tolist()}
    for key, column in connectome.columns.items():
        if key == "id":
            continue
        values[key] = column.to_strings()[rows].tolist() if isinstance(column, Categorical) else column[rows].tolist()
    for axis, key in enumerate("xyz"):
        values.setdefault(key, connectome.position[rows, axis].tolist())
    keys = list(values)
    return [dict(zip(keys, cell)) for cell in zip(*values.values())]
