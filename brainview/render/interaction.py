"""Mouse handling of the view: click to pick, rest to hover, draw a sample while the camera moves.

The camera itself handles dragging (vispy's cameras); this only watches the canvas events:

- a press and release within a few pixels is a click: the neuron under it is emitted on
  ``view.picked`` (-1 for the background);
- when the cursor rests for a moment, the neuron under it is highlighted and emitted on
  ``view.hovered``; picking on every mouse move would cost a draw per move;
- while the mouse drags or the wheel turns, a big connectome draws only its moving sample.
"""

from __future__ import annotations

import numpy as np

CLICK_TOLERANCE_PX = 4.0
"""A press and release further apart than this is a drag, not a click."""
HOVER_DELAY_S = 0.08
"""How long the cursor must rest before the neuron under it is looked up."""
WHEEL_SETTLE_S = 0.3
"""How long after the last wheel step the camera counts as resting."""


class Interaction:
    """Connects a :class:`~brainview.render.view.ConnectomeView`'s canvas events to picking."""

    def __init__(self, view) -> None:
        from vispy.app import Timer

        self._view = view
        self._press: np.ndarray | None = None
        self._hover_position: tuple[float, float] | None = None
        self._hover_row: int | None = None
        self._hover_timer = Timer(HOVER_DELAY_S, connect=self._on_hover_timer, iterations=1, start=False)
        self._settle_timer = Timer(WHEEL_SETTLE_S, connect=self._on_settle, iterations=1, start=False)
        events = view.canvas.events
        events.mouse_press.connect(self._on_press)
        events.mouse_release.connect(self._on_release)
        events.mouse_move.connect(self._on_move)
        events.mouse_wheel.connect(self._on_wheel)

    def stop(self) -> None:
        """Stop the timers (the view is closing)."""
        self._hover_timer.stop()
        self._settle_timer.stop()

    def _on_press(self, event) -> None:
        self._press = np.asarray(event.pos, np.float64)
        self._hover_timer.stop()

    def _on_release(self, event) -> None:
        press, self._press = self._press, None
        self._view.set_camera_moving(False)
        if press is None or event.button != 1:
            return
        if np.hypot(*(np.asarray(event.pos, np.float64) - press)) > CLICK_TOLERANCE_PX:
            return
        row = self._view.pick(*event.pos)
        self._view.picked.emit(-1 if row is None else row)

    def _on_move(self, event) -> None:
        if self._press is not None:
            # a drag moves the camera (a click must not flicker to the sample)
            if np.hypot(*(np.asarray(event.pos, np.float64) - self._press)) > CLICK_TOLERANCE_PX:
                self._view.set_camera_moving(True)
            return
        if event.is_dragging:
            return
        self._hover_position = (float(event.pos[0]), float(event.pos[1]))
        self._hover_timer.stop()
        self._hover_timer.start()

    def _on_wheel(self, event) -> None:
        self._view.set_camera_moving(True)
        self._settle_timer.stop()
        self._settle_timer.start()

    def _on_settle(self, event=None) -> None:
        if self._press is None:
            self._view.set_camera_moving(False)

    def _on_hover_timer(self, event=None) -> None:
        if self._hover_position is None or self._view.connectome is None:
            return
        row = self._view.pick(*self._hover_position)
        if row == self._hover_row:
            return
        self._hover_row = row
        self._view.highlight(row)
        self._view.hovered.emit(-1 if row is None else row)
