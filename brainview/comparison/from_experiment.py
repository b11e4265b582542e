"""The comparison an open experiment asks for: its stimuli without and with its lesions.

The window's Compare panel and a notebook turn what the user set up live into a
:class:`~brainview.comparison.Comparison`: the stimuli that are switched on drive every trial
from 0 ms, the control runs them on the intact network, one condition holds every current
lesion from 0 ms, and the traced groups are the readouts. The model, its parameters, the time
step and the seed are the experiment's, so the trials run the model the live view shows.
"""

from __future__ import annotations

from brainview.comparison.design import Comparison, Condition, Drive, Lesion
from brainview.errors import ParameterError
from brainview.experiment.model import CellSet, Experiment

COMPARED_MODEL = "shiu"
"""The only model a comparison runs (:class:`~brainview.sim.ShiuParams`)."""


def comparison_of(experiment: Experiment, trials: int = 10, duration_ms: float = 1000.0) -> Comparison:
    """Control (the experiment's stimuli) against its current lesions, ``trials`` trials each.

    Parameters
    ----------
    experiment : Experiment
        Read once: later changes to it do not change the comparison.
    trials : int
        Trials per condition (at least 2).
    duration_ms : float
        Length of each trial, ms.

    Raises
    ------
    ParameterError
        When the experiment has no lesion, no traced group or no stimulus switched on, runs
        another model than Shiu et al.'s, or when ``trials`` or ``duration_ms`` cannot run;
        the message says what to do.
    """
    if experiment.model != COMPARED_MODEL:
        raise ParameterError(
            f"comparisons run the {COMPARED_MODEL!r} model only; this experiment uses {experiment.model!r}"
        )
    lesions = tuple(experiment.lesions.values())
    if not lesions:
        raise ParameterError(
            "lesion some cells first: the comparison runs the current stimuli without and with the current lesions"
        )
    if not experiment.groups:
        raise ParameterError(
            "trace at least one group first (right-click a group in the browser, Trace population rate): "
            "the traced groups are the readouts whose rates are compared"
        )
    stimuli = tuple(Drive(s.cells, s.rate_Hz, 0.0) for s in experiment.stimuli.values() if s.on)
    if not stimuli:
        raise ParameterError(
            "drive some cells first (or switch a stimulus on): without input the network stays at rest "
            "and there is nothing to compare"
        )
    condition = Condition(" + ".join(entry.text for entry in lesions),
                          tuple(Lesion(entry.cells, entry.mode, 0.0) for entry in lesions))
    return Comparison(
        experiment.connectome, experiment.dataset, stimuli, _distinctly_labelled(experiment.groups.values()),
        (condition,), trials=trials, duration_ms=float(duration_ms), dt_ms=experiment.dt_ms,
        seed=experiment.seed, params=dict(experiment.params), plasticity=experiment.plasticity,
    )


def _distinctly_labelled(groups) -> tuple[CellSet, ...]:
    """The groups, each label once (the summary has one row per label): ``AVA (2)`` for a second."""
    readouts: list[CellSet] = []
    used: set[str] = set()
    for group in groups:
        label, n = group.label, 1
        while label in used:
            n += 1
            label = f"{group.label} ({n})"
        used.add(label)
        readouts.append(group if label == group.label else CellSet(group.key, label, group.rows))
    return tuple(readouts)
