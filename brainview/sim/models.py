"""Neuron models: the equations, their exact one-step solution and the constants kernels use.

The default model is the leaky integrate-and-fire neuron of Shiu et al. 2024::

    dv/dt = (v_0 - v + g + I) / t_mbr + g_gap * sum_j w_ij (v_j - v)   (frozen while refractory)
    dg/dt = -g / tau                                                   (frozen while refractory)
    spike when v > v_th; then v = v_rst, g = 0, refractory for t_rfc
    a presynaptic spike adds w_syn x count x sign to g after t_dly
    a Poisson event adds w_syn x f_poi to v

``I`` is the voltage-equivalent of an injected current (``R x I``, mV). Between spikes the
single-cell equations are linear with constant coefficients, so one step of ``dt`` is solved
exactly: with ``u = v - v_0`` and a constant forcing ``F`` (``I`` plus ``t_mbr`` times the gap
current),

    u(t + dt) = F + (u - F) A + g K(dt),    g(t + dt) = g B,

where ``A = exp(-dt / t_mbr)``, ``B = exp(-dt / tau)`` and
``K(s) = tau / (tau - t_mbr) (exp(-s / tau) - exp(-s / t_mbr))``, written through ``expm1`` so
that it stays accurate when ``tau`` is close to ``t_mbr`` (and equals ``s / t_mbr exp(-s / t_mbr)``
when they are equal). This is the solution Brian2's ``exact`` method finds for the same
equations.

Gap junctions couple cells, so the coupled system is not solved per cell: the gap current is
computed from the voltages at the start of the step and held constant over it (as Brian2 does
with a ``(summed)`` variable); the rest of the step is exact. The coupling term is therefore first
order in ``dt``, and stable while ``dt x g_gap x (sum of a cell's junction weights)`` stays well
below 1, which :meth:`ShiuLIF.constants` checks.
"""

from __future__ import annotations

import math

import numpy as np

from brainview.errors import ParameterError
from brainview.sim.kernels import ModelConstants
from brainview.sim.params import ShiuParams, check_dt, steps_of

QUIET_TABLE_LENGTH = 4096
"""Rows of :func:`quiet_table`: gaps of up to 409.5 ms at dt = 0.1 ms use the table."""

QUIET_MARGIN_V = 1e-9
"""How far below threshold (volts) a cell's reachable voltage must stay for the engine to stop
stepping it; far above rounding noise, far below anything that matters."""


def psp_kernel(s: float, t_mbr: float, tau: float) -> float:
    """``K(s)``: the voltage change, per volt of ``g``, ``s`` seconds after a jump of ``g``."""
    delta = (t_mbr - tau) / (tau * t_mbr)
    x = s * delta
    phi = 1.0 if x == 0 else -math.expm1(-x) / x
    return math.exp(-s / t_mbr) * (s / t_mbr) * phi


def quiet_table(dt: float, t_mbr: float, tau: float, length: int = QUIET_TABLE_LENGTH) -> np.ndarray:
    """``[A^n, K(n dt), B^n]`` for ``n = 0 .. length - 1``: ``n`` quiet steps in closed form.

    A cell that is not stepped catches up over the steps it skipped with one row of this table
    instead of three exponentials (gaps longer than the table fall back to computing them).
    """
    n = np.arange(length, dtype=np.float64)
    s = n * dt
    x = s * (t_mbr - tau) / (tau * t_mbr)
    with np.errstate(invalid="ignore", divide="ignore"):
        phi = np.where(x == 0, 1.0, -np.expm1(-x) / np.where(x == 0, 1.0, x))
    decay_v = np.exp(-s / t_mbr)
    return np.ascontiguousarray(np.stack([decay_v, decay_v * (s / t_mbr) * phi, np.exp(-s / tau)], axis=1))


def psp_peak(t_mbr: float, tau: float) -> float:
    """The largest value of :func:`psp_kernel` over all ``s >= 0`` (dimensionless)."""
    if t_mbr == tau:
        return psp_kernel(t_mbr, t_mbr, tau)
    s_peak = math.log(t_mbr / tau) * tau * t_mbr / (t_mbr - tau)
    return psp_kernel(s_peak, t_mbr, tau)


class ShiuLIF:
    """The Shiu et al. 2024 leaky integrate-and-fire model (see the module docstring).

    Parameters
    ----------
    params : ShiuParams, optional
        Model parameters; the published defaults when omitted.
    """

    name = "shiu_lif"
    Parameters = ShiuParams

    def __init__(self, params: ShiuParams | None = None) -> None:
        self.params = params if params is not None else ShiuParams()
        if not isinstance(self.params, ShiuParams):
            raise TypeError(f"params must be ShiuParams, was {type(self.params).__name__}")

    def __repr__(self) -> str:
        return f"ShiuLIF({self.params})"

    def delay_steps(self, dt_ms: float) -> int:
        """The synaptic delay in steps of ``dt_ms``; ValueError unless ``dt`` divides it."""
        return steps_of(self.params.t_dly_ms, check_dt(dt_ms), "the synaptic delay t_dly_ms")

    def refractory_steps(self, dt_ms: float) -> int:
        """Steps a cell stays frozen after a spike, counted as Brian2 counts them.

        Brian2 lets a cell integrate again at the step where ``timestep(t - lastspike) >=
        timestep(t_rfc)``, with ``timestep(x) = int((x + 1e-3 dt) / dt)``.
        """
        dt_ms = check_dt(dt_ms)
        return int((self.params.t_rfc_ms + 1e-3 * dt_ms) / dt_ms)

    def constants(self, dt_ms: float, max_gap_weight_sum: float = 0.0) -> ModelConstants:
        """Everything the kernels need for steps of ``dt_ms``, in SI units.

        Parameters
        ----------
        dt_ms : float
            Time step (ms); must divide the synaptic delay.
        max_gap_weight_sum : float
            The largest sum of gap-junction weights of one cell; ValueError when the explicit
            gap coupling would be unstable at this ``dt``.
        """
        p = self.params
        dt = check_dt(dt_ms) * 1e-3
        t_mbr, tau = p.t_mbr_ms * 1e-3, p.tau_ms * 1e-3
        g_gap = p.g_gap_per_ms * 1e3
        coupling = dt * g_gap * max_gap_weight_sum
        if coupling > 0.5:
            raise ParameterError(
                f"gap coupling too strong for dt = {dt_ms:g} ms: dt x g_gap x largest junction weight sum "
                f"= {coupling:.3g} (must stay below 0.5); lower g_gap_per_ms or dt"
            )
        return ModelConstants(
            v_0=p.v_0_mV * 1e-3,
            v_rst=p.v_rst_mV * 1e-3,
            v_th=p.v_th_mV * 1e-3,
            quiet_below=p.v_th_mV * 1e-3 - QUIET_MARGIN_V,
            decay_v=math.exp(-dt / t_mbr),
            decay_g=math.exp(-dt / tau),
            g_to_v=psp_kernel(dt, t_mbr, tau),
            dt_over_t_mbr=dt / t_mbr,
            dt_over_tau=dt / tau,
            dt_delta=dt * (t_mbr - tau) / (tau * t_mbr),
            g_peak=psp_peak(t_mbr, tau),
            w_syn=p.w_syn_mV * 1e-3,
            w_poi=p.w_syn_mV * 1e-3 * p.f_poi,
            t_mbr=t_mbr,
            g_gap=g_gap,
            delay_steps=self.delay_steps(dt_ms),
        )

    def quiet_table(self, dt_ms: float) -> np.ndarray:
        """:func:`quiet_table` for steps of ``dt_ms``."""
        p = self.params
        return quiet_table(check_dt(dt_ms) * 1e-3, p.t_mbr_ms * 1e-3, p.tau_ms * 1e-3)

    def poisson_probability(self, rate_Hz: float, dt_ms: float) -> float:
        """Chance of a Poisson event in one step (Brian2's PoissonInput with N = 1: ``rate x dt``)."""
        probability = rate_Hz * check_dt(dt_ms) * 1e-3
        if probability > 1:
            raise ParameterError(
                f"a Poisson rate of {rate_Hz:g} Hz gives more than one event per step of {dt_ms:g} ms; "
                f"use a rate up to {1e3 / dt_ms:g} Hz or a smaller dt"
            )
        return probability


def model_from_registry(name: str, params: ShiuParams | None = None):
    """The neuron model called ``name`` in the plugin registry, made with ``params``.

    Raises
    ------
    ParameterError
        When no plugin registers ``name``, or its class cannot run on the engine's kernels
        (it must provide what :class:`ShiuLIF` does: ``constants``, ``quiet_table``,
        ``refractory_steps``, ``delay_steps`` and ``poisson_probability``).
    """
    from brainview.plugins import registry

    model = registry().model(name)(params)
    missing = [m for m in ("constants", "quiet_table", "refractory_steps", "delay_steps", "poisson_probability")
               if not callable(getattr(model, m, None))]
    if missing:
        raise ParameterError(f"model {name!r} cannot run on brainview's engine: it lacks {', '.join(missing)}")
    return model


class PlasticShiuLIF(ShiuLIF):
    """The Shiu model with dopamine-gated plasticity (:mod:`brainview.sim.plasticity`) on the
    synapses a :class:`~brainview.sim.plasticity.PlasticityRule` names; unchanged otherwise."""

    name = "shiu_lif_plastic"
    plastic = True

    def __repr__(self) -> str:
        return f"PlasticShiuLIF({self.params})"
