"""The notebook API at the top level: brainview.load, Connectome, Simulation, Protocol, run_protocol."""

import subprocess
import sys

import pytest

import brainview


def python(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.strip()


def test_importing_brainview_imports_no_engine_gui_or_tables():
    loaded = python(
        "import brainview, sys; print([m for m in ('numba', 'PySide6', 'vispy', 'pandas', 'h5py') if m in sys.modules])"
    )
    assert loaded == "[]"


def test_each_name_is_imported_on_first_use():
    assert python("import brainview, sys; brainview.Connectome; print('numba' in sys.modules)") == "False"
    assert python("import brainview, sys; brainview.Simulation; print('numba' in sys.modules)") == "True"


def test_the_top_level_names_are_the_library_objects():
    from brainview.connectome import Connectome
    from brainview.sim import Simulation, protocol

    assert brainview.Connectome is Connectome and brainview.Simulation is Simulation
    assert brainview.Protocol is protocol.Protocol and brainview.run_protocol is protocol.run_protocol
    assert brainview.StimulusSpec is protocol.StimulusSpec and brainview.LesionSpec is protocol.LesionSpec
    assert {"load", "load_default", "Connectome", "Simulation", "Protocol", "run_protocol"} <= set(brainview.__all__)
    assert {"Connectome", "Simulation", "run_protocol"} <= set(dir(brainview))


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="has no attribute 'Simulator'"):
        brainview.Simulator  # noqa: B018


def test_a_protocol_runs_from_the_top_level():
    worm = brainview.load_default()
    protocol = brainview.Protocol(
        duration_ms=100.0,
        stimuli=(brainview.StimulusSpec("subsystem:sensory", value=150.0),),
        lesions=(brainview.LesionSpec("subsystem:steering", time_ms=50.0),),
        rates_by="subsystem",
        rate_bin_ms=50.0,
    )
    result = brainview.run_protocol(worm, protocol, seed=1, trials=1)
    steering = result.rate_labels.index("steering")
    assert result.trials[0].rates_Hz[1, steering] == 0.0
