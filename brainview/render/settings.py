"""How a :class:`~brainview.render.view.ConnectomeView` starts, and how much it draws while busy."""

from __future__ import annotations

from dataclasses import dataclass

from brainview.render.context import is_software_renderer

SOFTWARE_MOVING_LIMIT = 10_000
"""Cells drawn while moving or live on a software renderer. Mesa's llvmpipe spends about a
microsecond per point: at fly scale a 10,000-cell sample kept the window's p99 event-loop latency
near 30 ms with the simulation running flat out, against 45-50 ms with 20,000 (bench/bench_ui.py)."""

HARDWARE_MOVING_LIMIT = 1_000_000
"""Cells drawn while moving or live on a GPU: more than any connectome we load, so all of them."""


@dataclass(frozen=True)
class ViewSettings:
    """How a :class:`~brainview.render.view.ConnectomeView` starts.

    Parameters
    ----------
    size : (int, int)
        Canvas size in logical pixels.
    background : tuple of float
        RGBA of the background.
    fov_deg : float
        Field of view of the turntable camera, degrees (0: orthographic).
    glow_tau_ms : float
        Decay time constant of the spike glow, ms of the clock given to ``set_time``.
    moving_limit : int or None
        Above this many cells only a fixed sample of this size is drawn while the camera moves
        or while the view is live (see :meth:`~brainview.render.view.ConnectomeView.set_live`).
        None picks by renderer: :data:`SOFTWARE_MOVING_LIMIT` on a CPU rasteriser,
        :data:`HARDWARE_MOVING_LIMIT` on a GPU.
    dim_unrelated : bool
        While synapse partners are shown, fade the cells that are neither the chosen ones nor
        their partners.
    backend : str
        "auto", "qt" or "egl" (see :mod:`brainview.render.context`).
    """

    size: tuple[int, int] = (960, 640)
    background: tuple[float, float, float, float] = (0.035, 0.04, 0.055, 1.0)
    fov_deg: float = 30.0
    glow_tau_ms: float = 40.0
    moving_limit: int | None = None
    dim_unrelated: bool = True
    backend: str = "auto"

    def moving_limit_for(self, renderer: str) -> int:
        """:attr:`moving_limit`, or where it is None the limit that suits ``renderer`` (``GL_RENDERER``)."""
        if self.moving_limit is not None:
            return self.moving_limit
        return SOFTWARE_MOVING_LIMIT if is_software_renderer(renderer) else HARDWARE_MOVING_LIMIT
