"""Parameters of the Shiu et al. 2024 leaky integrate-and-fire model, with units in their names.

Users write millivolts, milliseconds and hertz (``v_th_mV``, ``t_mbr_ms``, ``r_poi_Hz``); the
engine works in SI floats (volts, seconds). :class:`ShiuParams` validates on construction and
every message repeats the bad value.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import asdict, dataclass, fields

from brainview.errors import ParameterError
from brainview.units import parse_duration_ms


@dataclass(frozen=True)
class ShiuParams:
    """The Shiu et al. 2024 model (Nature 634, 210-219), defaults as published.

    Parameters
    ----------
    v_0_mV : float
        Resting potential.
    v_rst_mV : float
        Potential after a spike; must lie below the threshold.
    v_th_mV : float
        Spike threshold (a spike when ``v > v_th``).
    t_mbr_ms : float
        Membrane time constant.
    tau_ms : float
        Decay time constant of the synaptic input ``g``.
    t_rfc_ms : float
        Refractory period: ``v`` and ``g`` are frozen for this long after a spike.
    t_dly_ms : float
        Synaptic delay from a presynaptic spike to the jump of ``g``; a whole number of steps.
    w_syn_mV : float
        Jump of ``g`` per synapse of a connection (times its count and sign).
    r_poi_Hz : float
        Default rate of the Poisson drive of a stimulus.
    f_poi : float
        A Poisson event adds ``w_syn x f_poi`` to ``v`` directly (dimensionless factor).
    g_gap_per_ms : float
        Gap-junction coupling per unit of junction weight: a junction of weight ``w`` between
        cells i and j adds ``g_gap x w x (v_j - v_i)`` to ``dv_i/dt`` (1/ms). The default makes a
        junction of weight 1 one fiftieth of the leak (``1 / t_mbr`` = 0.05/ms).
    """

    v_0_mV: float = -52.0
    v_rst_mV: float = -52.0
    v_th_mV: float = -45.0
    t_mbr_ms: float = 20.0
    tau_ms: float = 5.0
    t_rfc_ms: float = 2.2
    t_dly_ms: float = 1.8
    w_syn_mV: float = 0.275
    r_poi_Hz: float = 150.0
    f_poi: float = 250.0
    g_gap_per_ms: float = 0.001

    def __post_init__(self) -> None:
        for spec in fields(self):
            value = getattr(self, spec.name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise ParameterError(f"{spec.name} must be a number, was {value!r}")
            if not math.isfinite(value):
                raise ParameterError(f"{spec.name} must be finite, was {value}")
            object.__setattr__(self, spec.name, float(value))
        for name in ("t_mbr_ms", "tau_ms"):
            if getattr(self, name) <= 0:
                raise ParameterError(f"{name} must be positive, was {getattr(self, name)}")
        for name in ("t_rfc_ms", "t_dly_ms", "r_poi_Hz", "f_poi", "g_gap_per_ms"):
            if getattr(self, name) < 0:
                raise ParameterError(f"{name} must be zero or positive, was {getattr(self, name)}")
        if self.v_rst_mV >= self.v_th_mV:
            raise ParameterError(
                f"v_rst_mV must lie below v_th_mV ({self.v_th_mV}), was {self.v_rst_mV}: "
                "a reset at or above threshold fires forever"
            )

    def to_dict(self) -> dict[str, float]:
        """Every parameter by name, for run files and logs."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, float]) -> ShiuParams:
        """Parameters from :meth:`to_dict`; unknown names raise ValueError naming them."""
        known = {spec.name for spec in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ParameterError(f"unknown model parameter(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return cls(**{k: float(v) for k, v in values.items()})

    def replace(self, **changes: float) -> ShiuParams:
        """A copy with some parameters changed (validated again)."""
        values = self.to_dict()
        values.update(changes)
        return ShiuParams.from_dict(values)


RECOMMENDED_KEY = "recommended_params"
"""The metadata entry in which a dataset recommends model parameters: ``"w_syn_mV=0.275"``,
several separated by commas, beside a ``recommended_params_note`` saying why."""


def recommended_params(meta: dict, dataset: str = "the dataset") -> dict[str, float]:
    """The model parameters ``meta`` (a connectome's metadata) recommends, by name; {} for none.

    Raises
    ------
    ParameterError
        For an entry that is not ``NAME=VALUE[, NAME=VALUE ...]`` of :class:`ShiuParams`
        fields with valid values; the message names ``dataset``.
    """
    text = str(meta.get(RECOMMENDED_KEY, "")).strip()
    if not text:
        return {}
    values: dict[str, float] = {}
    for item in text.split(","):
        name, equals, value = (part.strip() for part in item.partition("="))
        try:
            values[name] = float(value) if equals else math.nan
        except ValueError:
            values[name] = math.nan
        if not math.isfinite(values[name]):
            raise ParameterError(f"{dataset}: {RECOMMENDED_KEY} {text!r}: write NAME=VALUE, e.g. w_syn_mV=0.275")
    try:
        ShiuParams.from_dict(values)
    except ParameterError as error:
        raise ParameterError(f"{dataset}: {RECOMMENDED_KEY}: {error}") from None
    return values


def steps_of(duration_ms: float, dt_ms: float, what: str) -> int:
    """The whole number of steps of ``dt_ms`` in ``duration_ms``; ValueError if it is not whole.

    A tolerance of 1e-6 steps absorbs decimal rounding (1.8 ms / 0.1 ms = 17.999999999999996).
    """
    ratio = duration_ms / dt_ms
    steps = round(ratio)
    if abs(ratio - steps) > 1e-6:
        raise ParameterError(
            f"dt ({dt_ms:g} ms) does not divide {what} ({duration_ms:g} ms) into whole steps; "
            f"choose a dt such that {what} / dt is an integer"
        )
    return int(steps)


def check_dt(dt_ms: float) -> float:
    """``dt_ms`` as a float; ValueError unless it is a positive finite number of milliseconds."""
    if isinstance(dt_ms, bool) or not isinstance(dt_ms, numbers.Real) or not math.isfinite(dt_ms):
        raise ParameterError(f"dt must be a finite number of milliseconds, was {dt_ms!r}")
    if dt_ms <= 0:
        raise ParameterError(f"dt must be positive, was {dt_ms:g} ms")
    return float(dt_ms)


def run_steps_of(duration: str | None, duration_ms: float | None, dt_ms: float) -> int:
    """The steps of :meth:`Simulation.run`'s duration: a text with a unit or a number of ms.

    Exactly one of ``duration`` (``"500 ms"``, ``"0.5 s"``, read by
    :func:`~brainview.units.parse_duration_ms`) and ``duration_ms`` is given. A bare number as
    ``duration`` is refused, since it could mean steps or milliseconds.

    Raises
    ------
    ParameterError
        Saying what to write instead, or for a duration that is not positive or not a whole
        number of steps.
    """
    if duration is not None and duration_ms is not None:
        raise ParameterError("give the duration once: run('500 ms') or run(duration_ms=500), not both")
    if duration is None and duration_ms is None:
        raise ParameterError("give a duration with its unit: run('500 ms'), run('0.5 s') or run(duration_ms=500)")
    if duration is not None and not isinstance(duration, str):
        shown = f"{duration:g}" if _is_number(duration) else repr(duration)
        raise ParameterError(
            f"run({shown}) gives no unit, and could mean steps or milliseconds: write run('{shown} ms') "
            f"or run(duration_ms={shown}); to advance by a number of steps of {dt_ms:g} ms, use step({shown})"
        )
    if duration is not None:
        duration_ms = parse_duration_ms(duration, "the duration")
    elif not _is_number(duration_ms):
        raise ParameterError(f"duration_ms must be a finite number of milliseconds, was {duration_ms!r}")
    if duration_ms <= 0:
        raise ParameterError(f"the duration must be positive, was {duration_ms:g} ms")
    return steps_of(duration_ms, dt_ms, "the duration")


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
