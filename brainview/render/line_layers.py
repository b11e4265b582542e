"""The view's two layers of synapse lines: the selection's partners and the global edge budget.

The partners' layer may instead show connections chosen elsewhere (a path's links, see
:meth:`SynapseLines.show_synapses`), drawn more opaque, as they are few and the point of the picture.
"""

from __future__ import annotations

import numpy as np

from brainview.connectome import Connectome
from brainview.connectome.paths import Links
from brainview.render.synapse_lines import line_colors, partner_synapses, strongest_synapses

CHOSEN_ALPHA = (0.6, 1.0)
"""Alpha of chosen connections (:meth:`SynapseLines.show_synapses`): a 1-synapse link and the strongest."""


class SynapseLines:
    """Owns two line visuals under ``scene`` and decides what they show.

    Parameters
    ----------
    scene : vispy scene node
        Where the lines are drawn.
    """

    def __init__(self, scene) -> None:
        from brainview.render.visuals import Edges

        self.budget = Edges(opacity=0.45, parent=scene)
        self.partners = Edges(parent=scene)
        self.partner_rows = np.zeros(0, np.int64)
        self.related: np.ndarray | None = None
        """Cells that are the chosen ones or their partners (None while no partners are shown)."""
        self._budget_k = 0
        self._strongest: Links | None = None

    @property
    def nodes(self) -> tuple:
        """Both line visuals."""
        return self.budget, self.partners

    def reset(self) -> None:
        """Forget what was shown (a new connectome)."""
        self.partner_rows = np.zeros(0, np.int64)
        self.related = None
        self._strongest = None
        self.partners.set_data(np.zeros((0, 3)), np.zeros((0, 3)), np.zeros((0, 4)))

    def show_partners(self, connectome: Connectome, positions, rows, hidden: np.ndarray, direction="both") -> int:
        """Lines between ``rows`` and their partners, avoiding ``hidden`` cells; returns how many."""
        self.partner_rows = np.asarray(rows, np.int64).ravel()
        synapses = partner_synapses(connectome, self.partner_rows, direction).without(hidden)
        if self.partner_rows.size:
            self.related = np.zeros(connectome.n, bool)
            self.related[np.concatenate([self.partner_rows, synapses.pre, synapses.post])] = True
        else:
            self.related = None
        return _draw(self.partners, positions, synapses)

    def show_synapses(self, connectome: Connectome, positions, synapses: Links, rows, hidden: np.ndarray) -> int:
        """Lines of exactly ``synapses`` (avoiding ``hidden`` cells) in the partners' layer; the
        ``rows`` and the lines' ends are the related cells. Returns how many are drawn."""
        self.partner_rows = np.asarray(rows, np.int64).ravel()
        synapses = synapses.without(hidden)
        self.related = np.zeros(connectome.n, bool)
        self.related[np.concatenate([self.partner_rows, synapses.pre, synapses.post])] = True
        return _draw(self.partners, positions, synapses, CHOSEN_ALPHA)

    def set_budget(self, connectome: Connectome, positions, k: int, hidden: np.ndarray) -> int:
        """Draw the ``k`` strongest connections (0: none); returns how many are drawn."""
        if k < 0:
            raise ValueError(f"the edge budget must be at least 0, was {k}")
        self._budget_k = int(k)
        self._strongest = None
        return self.refresh_budget(connectome, positions, hidden)

    def refresh_budget(self, connectome: Connectome, positions, hidden: np.ndarray) -> int:
        """Redraw the edge budget (after cells were hidden or shown)."""
        if self._strongest is None:
            self._strongest = strongest_synapses(connectome, self._budget_k)
        return _draw(self.budget, positions, self._strongest.without(hidden))


def _draw(node, positions: np.ndarray, synapses: Links, alpha_range=(0.12, 0.9)) -> int:
    node.set_data(positions[synapses.pre], positions[synapses.post], line_colors(synapses, alpha_range=alpha_range))
    return len(synapses)
