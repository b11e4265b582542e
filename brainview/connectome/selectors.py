"""Selector strings: the way a user names a set of cells on the command line and in the UI.

A selector is ``FIELD:VALUE[,VALUE...]`` or a bare comma list of names:

=============  ===================  ==============================
prefix         column               example
=============  ===================  ==============================
``type``       cell_type            ``type:AVA``
``class``      cell_class           ``class:DAN``
``superclass`` super_class          ``superclass:descending``
``region``     region               ``region:GNG``
``subsystem``  subsystem            ``subsystem:steering``
``nt``         nt                   ``nt:GABA``
``kind``       kind                 ``kind:neuron``
``side``       side                 ``side:left``
``name``       name                 ``name:ASHL``, ``name:AVA*``
``id``         id (source ids)      ``id:720575940622486057``
(none)         name                 ``ALML,ALMR,AVM``
=============  ===================  ==============================
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import numpy as np

from brainview.connectome.connectome import Connectome
from brainview.connectome.queries import select
from brainview.errors import BrainviewError

FIELDS = {
    "type": "cell_type",
    "cell_type": "cell_type",
    "class": "cell_class",
    "cell_class": "cell_class",
    "superclass": "super_class",
    "super_class": "super_class",
    "region": "region",
    "subsystem": "subsystem",
    "nt": "nt",
    "kind": "kind",
    "side": "side",
    "name": "name",
    "id": "id",
}


class SelectorError(BrainviewError, ValueError):
    """A selector string that cannot be parsed or selects nothing."""


@dataclass(frozen=True)
class Selector:
    """A parsed selector: a column and the labels (or ids) wanted in it."""

    column: str
    values: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> Selector:
        """Parse ``FIELD:VALUE[,VALUE...]`` or a bare comma list of names."""
        text = text.strip()
        field_name, sep, rest = text.partition(":")
        if not sep:
            field_name, rest = "name", text
        column = FIELDS.get(field_name.strip().lower())
        if column is None:
            raise SelectorError(
                f"unknown selector field {field_name!r} in {text!r}; use one of "
                f"{', '.join(sorted(set(FIELDS) - {'cell_type', 'cell_class', 'super_class'}))}"
            )
        values = tuple(v.strip() for v in rest.split(",") if v.strip())
        if not values:
            raise SelectorError(f"selector {text!r} names no value after {field_name!r}:")
        if column == "id":
            bad = [v for v in values if not v.lstrip("-").isdigit()]
            if bad:
                raise SelectorError(f"selector {text!r}: ids must be integers, got {bad[0]!r}")
        return cls(column, values)

    def __str__(self) -> str:
        prefix = {v: k for k, v in FIELDS.items() if k in ("type", "class", "superclass")}.get(
            self.column, self.column
        )
        return f"{prefix}:{','.join(self.values)}"

    def resolve(self, connectome: Connectome, allow_empty: bool = False) -> np.ndarray:
        """Rows of ``connectome`` this selector names; SelectorError if none (unless allowed)."""
        if self.column == "id":
            rows = select(connectome, id=[int(v) for v in self.values])
        else:
            rows = select(connectome, **{self.column: list(self.values)})
        if rows.size == 0 and not allow_empty:
            raise SelectorError(self._nothing_message(connectome))
        return rows

    def _nothing_message(self, connectome: Connectome) -> str:
        message = f"selector '{self}' matches no cell in {connectome.meta.get('name', 'this dataset')}"
        if self.column != "id":
            labels = connectome.columns[self.column].categories
            close = difflib.get_close_matches(self.values[0], labels, n=3)
            if close:
                message += f"; did you mean {', '.join(close)}?"
            elif not labels:
                message += f" (this dataset has no {self.column} labels)"
        return message


def resolve(connectome: Connectome, text: str) -> np.ndarray:
    """Rows named by the selector string ``text``; raises SelectorError if none."""
    return Selector.parse(text).resolve(connectome)
