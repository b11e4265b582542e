"""Fixtures shared by the reader tests."""

import builtins

import pytest


@pytest.fixture
def without_pyarrow(monkeypatch):
    """Make every ``import pyarrow...`` fail, as on an install without the parquet extra."""
    real_import = builtins.__import__

    def refuse_pyarrow(name, *args, **kwargs):
        if name.startswith("pyarrow"):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", refuse_pyarrow)


def _edges_by_name(connectome) -> dict:
    names = connectome.names
    chemical = connectome.chemical
    return {
        (names[i], names[j]): (float(w), int(s))
        for i, j, w, s in zip(chemical.pre, chemical.indices, chemical.weight, chemical.sign)
    }


@pytest.fixture
def edges_of():
    """``edges_of(connectome)`` -> {(pre name, post name): (synapse count, sign)}."""
    return _edges_by_name
