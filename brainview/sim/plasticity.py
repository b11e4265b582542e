"""Dopamine-gated plasticity: a three-factor rule on chemical synapses of the Shiu model.

In the fly's mushroom body, a dopaminergic neuron (DAN) that fires while Kenyon cells (KCs) are
active depresses those KCs' synapses onto the output neurons (MBONs) of its compartment (Hige
et al. 2015, Neuron 88:985; Aso et al. 2014, eLife 3:e04577 for the compartments; Handler et al.
2019, Cell 178:60: the KC activity must come first). The rule here, for the connections from
``pre`` to ``post`` cells that the connectome has:

- each presynaptic cell's spike raises the eligibility ``e`` of its plastic synapses by 1;
  ``e`` decays as ``exp(-t / tau_e)`` in between;
- each spike of a modulator changes every plastic connection it gates by
  ``sign x eta_mV x e`` (``sign`` -1 depresses, the default; +1 potentiates), clipped to
  ``[w_min_mV, w_max_mV]``, where a connection's weight is the jump of ``g`` one presynaptic
  spike gives (``w_syn_mV x`` synapse count at the start);
- a modulator gates the plastic connections onto the cells it synapses onto, and those from the
  cells it synapses onto (DAN to MBON, DAN to KC), as the connectome says, or those onto the
  cells an explicit mapping names (a compartment's MBONs).

In one step, eligibility rises before the modulators act (a presynaptic and a modulator spike
in the same step count), and a changed weight applies to every spike that arrives from that
step on. Lesions leave the weights as they are; a silenced modulator simply stops teaching.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from brainview.connectome import Connectome
from brainview.connectome.arrays import frozen
from brainview.errors import ParameterError
from brainview.sim.kernels import Network, Plasticity
from brainview.sim.targets import Target, resolve_target


@dataclass(frozen=True)
class PlasticityRule:
    """Which synapses learn, who teaches them, and how fast.

    Parameters
    ----------
    pre, post : str or rows
        Selectors of the plastic connections' presynaptic and postsynaptic cells
        (``"class:Kenyon_Cell"``, ``"class:MBON"``); every chemical connection between them is plastic.
    modulators : str, rows, or sequence of (target, sign)
        The teachers (``"class:DAN"``), depressing (sign -1); or ``(target, sign)`` pairs to
        give some groups +1 (potentiation).
    tau_e_ms : float
        Decay time of the eligibility trace, ms (positive).
    eta_mV : float
        Weight change per modulator spike per unit of eligibility, mV (zero or more). The
        defaults were chosen on ``brainview example mushroom-body``: three pairings of an odour
        with PAM drive at 150 Hz halve the MBONs' response to it (bench and tests there).
    w_min_mV, w_max_mV : float
        Bounds of a plastic connection's weight, mV; ``w_max_mV`` None: twice the largest
        starting weight.
    gating : "connectome" or sequence of (modulators, posts)
        Which plastic connections a modulator gates: as the connectome says (module
        docstring), or, for each pair, those onto the ``posts`` cells for the ``modulators``.
    """

    pre: Target
    post: Target
    modulators: Target | tuple[tuple[Target, float], ...]
    tau_e_ms: float = 200.0
    eta_mV: float = 0.001
    w_min_mV: float = 0.0
    w_max_mV: float | None = None
    gating: str | tuple[tuple[Target, Target], ...] = "connectome"

    def modulator_groups(self) -> tuple[tuple[Target, float], ...]:
        """The modulators as ``(target, sign)`` pairs."""
        if isinstance(self.modulators, tuple) and self.modulators and isinstance(self.modulators[0], tuple):
            return self.modulators
        return ((self.modulators, -1.0),)


@dataclass(frozen=True, eq=False)
class PlasticSynapses:
    """The plastic connections of a simulation: their presynaptic and postsynaptic rows, where
    their weights sit in the network, and their starting weights (synapse-count units)."""

    pre: np.ndarray  # int32 rows
    post: np.ndarray  # int32 rows
    edges: np.ndarray  # int64 index into Network.signed_count
    initial: np.ndarray  # float32 starting signed counts
    rule: PlasticityRule


def no_plasticity(n: int) -> Plasticity:
    """The rule's arrays for a simulation without plastic synapses (the kernel skips them)."""
    empty_i64, empty_f64 = np.zeros(0, np.int64), np.zeros(0)
    return Plasticity(np.zeros(0), empty_i64, np.zeros(0, np.uint8), empty_i64, empty_i64,
                      np.zeros(0, np.int32), empty_f64, np.zeros(0, np.float32), 0.0, 0.0, 0.0, 0.0)


def plastic_network(
    connectome: Connectome, network: Network, rule: PlasticityRule, w_syn_mV: float, dt_ms: float
) -> tuple[Network, Plasticity, PlasticSynapses]:
    """``network`` with its own writable weights, the rule's arrays, and the plastic connections.

    Raises
    ------
    ParameterError
        For a tau_e, eta or bound that is not a number in range, no chemical connection from
        ``pre`` to ``post``, inhibitory plastic connections, or modulators that gate none.
    SelectorError
        For a selector that is malformed or selects nothing.
    """
    if not (isinstance(rule.tau_e_ms, (int, float)) and math.isfinite(rule.tau_e_ms) and rule.tau_e_ms > 0):
        raise ParameterError(f"tau_e_ms must be a positive number of ms, was {rule.tau_e_ms!r}")
    if not (isinstance(rule.eta_mV, (int, float)) and math.isfinite(rule.eta_mV) and rule.eta_mV >= 0):
        raise ParameterError(f"eta_mV must be a number of mV, zero or more, was {rule.eta_mV!r}")
    n = connectome.n
    pre_rows, pre_label = resolve_target(connectome, rule.pre)
    post_rows, post_label = resolve_target(connectome, rule.post)
    sources = np.repeat(np.arange(n, dtype=np.int32), np.diff(network.indptr))
    is_pre, is_post = np.zeros(n, bool), np.zeros(n, bool)
    is_pre[pre_rows], is_post[post_rows] = True, True
    edges = np.flatnonzero(is_pre[sources] & is_post[network.targets])
    if edges.size == 0:
        raise ParameterError(f"no chemical synapse goes from {pre_label} to {post_label}: nothing can be plastic")
    initial = np.asarray(network.signed_count[edges], np.float32)
    if np.any(initial < 0):
        raise ParameterError(
            f"{int(np.sum(initial < 0))} of the {edges.size} connections from {pre_label} to {post_label} are "
            "inhibitory; the rule changes excitatory synapses only"
        )
    w_min = _bound(rule.w_min_mV, "w_min_mV", w_syn_mV)
    w_max = 2.0 * float(initial.max()) if rule.w_max_mV is None else _bound(rule.w_max_mV, "w_max_mV", w_syn_mV)
    if w_max < w_min:
        raise ParameterError(f"w_max_mV ({w_max * w_syn_mV:g}) is below w_min_mV ({w_min * w_syn_mV:g})")
    gates = _gates(connectome, network, rule, sources[edges], network.targets[edges], edges)
    if not gates:
        raise ParameterError(
            f"the modulators reach no plastic synapse: none of them synapses onto {post_label} or {pre_label} "
            "cells with plastic connections (give an explicit gating to say which they teach)"
        )
    modulators = np.array([g[0] for g in gates], np.int64)
    order = np.argsort(modulators, kind="stable")
    gate_edge = np.array([g[1] for g in gates], np.int64)[order]
    gate_sign = np.array([g[2] for g in gates], np.float64)[order]
    gate_indptr = np.searchsorted(modulators[order], np.arange(n + 1)).astype(np.int64)
    weights = np.array(network.signed_count, np.float32)  # this simulation's own, writable
    own = network._replace(signed_count=weights, packed=frozen(np.zeros(0, np.int32)))
    pre_flags = np.zeros(n, np.uint8)
    pre_flags[sources[edges]] = 1
    plasticity = Plasticity(
        np.zeros(n), np.zeros(n, np.int64), pre_flags, gate_indptr, gate_edge,
        sources[gate_edge].astype(np.int32), gate_sign, weights,
        dt_ms / rule.tau_e_ms, rule.eta_mV / w_syn_mV, w_min, w_max,
    )
    synapses = PlasticSynapses(frozen(sources[edges]), frozen(network.targets[edges].astype(np.int32)),
                               frozen(edges.astype(np.int64)), frozen(initial), rule)
    return own, plasticity, synapses


def _bound(value, name: str, w_syn_mV: float) -> float:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
        raise ParameterError(f"{name} must be a number of mV, zero or more, was {value!r}")
    return float(value) / w_syn_mV


def _gates(connectome, network, rule, edge_pre, edge_post, edges) -> list[tuple[int, int, float]]:
    """(modulator row, plastic edge, sign) for every connection each modulator gates."""
    gates = []
    mapping = None
    if rule.gating != "connectome":
        if isinstance(rule.gating, str):
            raise ParameterError(f"gating must be 'connectome' or (modulators, posts) pairs, was {rule.gating!r}")
        mapping = [(resolve_target(connectome, m)[0], resolve_target(connectome, p)[0]) for m, p in rule.gating]
    for target, sign in rule.modulator_groups():
        if sign not in (-1, 1, -1.0, 1.0):
            raise ParameterError(f"a modulator group's sign must be -1 (depression) or +1 (potentiation), was {sign!r}")
        rows, _ = resolve_target(connectome, target)
        for m in rows:
            if mapping is None:
                reached = network.targets[network.indptr[m]: network.indptr[m + 1]]
                hit = np.isin(edge_post, reached) | np.isin(edge_pre, reached)
            else:
                posts = [p for mods, p in mapping if m in set(mods.tolist())]
                hit = np.isin(edge_post, np.concatenate(posts)) if posts else np.zeros(edges.size, bool)
            gates.extend((int(m), int(e), float(sign)) for e in edges[hit])
    return gates


class WeightMonitor:
    """The plastic weights summed per label of the postsynaptic cells' column ``by``, sampled every
    ``every_steps`` steps (aligned to step 0) and whenever the weights are reset.

    ``times_ms`` and ``sums_mV`` (samples x labels) grow as the simulation runs; ``labels`` name
    the columns (KC-to-MBON weight per compartment, with ``by`` a compartment column).
    """

    def __init__(self, connectome: Connectome, synapses: PlasticSynapses, by: str, every_steps: int) -> None:
        from brainview.connectome.categorical import Categorical

        column = connectome.columns.get(by)
        if not isinstance(column, Categorical):
            raise ParameterError(f"{by!r} is not a label column of the dataset")
        if every_steps < 1:
            raise ParameterError("the weight interval must be at least one step")
        codes = column.codes[synapses.post]
        used = np.unique(codes)
        self.labels = tuple("(unlabelled)" if c < 0 else column.categories[c] for c in used)
        self._group = np.searchsorted(used, codes)
        self.every_steps = int(every_steps)
        self._times: list[float] = []
        self._sums: list[np.ndarray] = []

    def steps_to_next(self, step: int) -> int:
        """Steps from ``step`` to the next sample (at least 1)."""
        return self.every_steps - step % self.every_steps

    def due(self, step: int) -> bool:
        return step % self.every_steps == 0

    def clear(self) -> None:
        self._times.clear()
        self._sums.clear()

    def drop_after(self, time_ms: float) -> None:
        """Forget the samples taken after ``time_ms`` (a rewind to that time)."""
        kept = sum(1 for t in self._times if t <= time_ms)
        del self._times[kept:], self._sums[kept:]

    def sample(self, sim) -> None:
        """Record the weights of ``sim`` now."""
        self._times.append(sim.time_ms)
        self._sums.append(np.bincount(self._group, weights=sim.plastic_weights_mV(), minlength=len(self.labels)))

    @property
    def times_ms(self) -> np.ndarray:
        return np.array(self._times)

    @property
    def sums_mV(self) -> np.ndarray:
        return np.array(self._sums).reshape(len(self._times), len(self.labels))
