"""Neuron models come from the plugin registry: the built-in ones, and a plugin's own."""

from __future__ import annotations

import pytest

from brainview.errors import ParameterError
from brainview.plugins import Manifest, ModelContribution, Registry
from brainview.sim import ShiuParams, Simulation
from brainview.sim.models import PlasticShiuLIF, ShiuLIF


class FastMembrane(ShiuLIF):
    """A plugin's variant: the Shiu model with a membrane time constant of its own."""

    name = "fast_membrane"

    def __init__(self, params=None):
        super().__init__((params or ShiuParams()).replace(t_mbr_ms=5.0))


class NotAModel:
    def __init__(self, params=None):
        self.params = params


@pytest.fixture
def plugin_models(monkeypatch):
    from brainview import builtin_plugin

    manifest = Manifest("test-models", models=(
        ModelContribution("fast_membrane", f"{__name__}:FastMembrane"),
        ModelContribution("not_a_model", f"{__name__}:NotAModel"),
    ))
    registry = Registry([builtin_plugin.MANIFEST, manifest])
    monkeypatch.setattr("brainview.plugins.registry", lambda: registry)
    return registry


def test_the_default_and_the_plastic_models_come_from_the_registry(tiny):
    assert type(Simulation(tiny).model) is ShiuLIF
    from brainview.sim.plasticity import PlasticityRule

    rule = PlasticityRule(pre=[0, 1, 2], post=[1, 2, 3], modulators=[0])
    assert type(Simulation(tiny, plasticity=rule).model) is PlasticShiuLIF
    with pytest.raises(ParameterError, match="no plastic synapses"):
        Simulation(tiny, plasticity=rule, model="shiu_lif")


def test_a_plugin_model_runs_and_changes_the_dynamics(tiny, plugin_models):
    plugin = Simulation(tiny, model="fast_membrane")
    assert plugin.params.t_mbr_ms == 5.0
    plugin.inject([2], 5.0)
    default = Simulation(tiny)
    default.inject([2], 5.0)
    plugin.run(duration_ms=5)
    default.run(duration_ms=5)
    assert plugin.voltages_mV([2])[0] > default.voltages_mV([2])[0] + 0.5  # charges faster


def test_unknown_or_unfit_models_are_named(tiny, plugin_models):
    with pytest.raises(ParameterError, match="no neuron model called 'nope'"):
        Simulation(tiny, model="nope")
    with pytest.raises(ParameterError, match="lacks constants"):
        Simulation(tiny, model="not_a_model")
