"""The spiking engine: the Shiu et al. 2024 model over a connectome, with stimuli, lesions and
recording. Headless (no Qt, no vispy); numba kernels compile on first use, not at import."""

from brainview.sim.engine import LogEntry, Simulation
from brainview.sim.lesions import LesionHandle, LesionMode
from brainview.sim.models import ShiuLIF
from brainview.sim.params import ShiuParams
from brainview.sim.stimuli import StimulusHandle, StimulusKind

__all__ = [
    "LesionHandle", "LesionMode", "LogEntry", "ShiuLIF", "ShiuParams", "Simulation",
    "StimulusHandle", "StimulusKind",
]
