"""The activity glow: recent spikes drawn as additive halos from a ring buffer (``shaders/activity.*``).

Per frame only the spikes that happened since the previous frame are uploaded, as one or two
contiguous sub-uploads into a ring of ``(position, radius, spike time)`` records; the shader
computes each halo's strength from ``u_time - spike_time``. Upload therefore grows with the
number of spikes and not with the number of neurons.
"""

from __future__ import annotations

import numpy as np
from vispy.gloo import VertexBuffer

from brainview.render.visuals._gl import FALLBACK_MAX_POINT_PX, ShaderVisual, positive

EVENT_DTYPE = np.dtype([("a_position", np.float32, 3), ("a_radius", np.float32), ("a_time", np.float32)])
"""One spike event in the ring buffer: 20 bytes."""

_NEVER = np.float32(-3.0e38)
"""Spike time of an empty slot: always older than the cut-off."""


class ActivityVisual(ShaderVisual):
    """Halos that light up a neuron when it spikes and fade with time.

    Parameters
    ----------
    capacity : int
        Initial number of ring slots; the ring doubles (one full upload) when live events
        would be overwritten, up to ``max_capacity``.
    tau_ms : float
        Decay time constant of the glow, in ms of the clock given to :meth:`set_time`.
    max_capacity : int
        Upper bound on ring slots; beyond it the oldest events are overwritten.
    """

    def __init__(self, capacity: int = 1 << 14, tau_ms: float = 40.0, max_capacity: int = 1 << 22) -> None:
        if capacity < 1 or max_capacity < capacity:
            raise ValueError(f"need 1 <= capacity <= max_capacity, got {capacity} and {max_capacity}")
        ShaderVisual.__init__(self, "activity")
        self._buffer = VertexBuffer()
        self._times = np.zeros(0, np.float32)
        self._head = 0
        self._time_ms = 0.0
        self._tau_ms = 1.0
        self._max_capacity = int(max_capacity)
        program = self.shared_program
        program["u_time"] = 0.0
        program["u_halo"] = 2.6
        program["u_radius_scale"] = 1.0
        program["u_min_halo_px"] = 5.0
        program["u_max_point_px"] = FALLBACK_MAX_POINT_PX
        program["u_glow_color"] = (1.0, 0.85, 0.45, 0.95)
        self._draw_mode = "points"
        # additive, tested against the neurons' depth but never hiding anything itself
        self.set_gl_state(depth_test=True, depth_mask=False, blend=True, blend_func=("src_alpha", "one"))
        self._allocate(int(capacity))
        self.tau_ms = tau_ms
        self.freeze()

    # -- clock and appearance -------------------------------------------------------------------
    @property
    def capacity(self) -> int:
        """Number of ring slots."""
        return int(self._times.shape[0])

    @property
    def tau_ms(self) -> float:
        """Decay time constant of the glow, ms."""
        return self._tau_ms

    @tau_ms.setter
    def tau_ms(self, value: float) -> None:
        self._tau_ms = positive("tau_ms", value)
        self.shared_program["u_tau"] = self._tau_ms
        self.shared_program["u_cutoff"] = self.cutoff_ms
        self.update()

    @property
    def cutoff_ms(self) -> float:
        """Age (ms) after which a spike no longer glows: 4 time constants (under 2 % left)."""
        return 4.0 * self._tau_ms

    @property
    def time_ms(self) -> float:
        """The current time of the glow clock, ms."""
        return self._time_ms

    def set_time(self, t_ms: float) -> None:
        """Move the clock to ``t_ms``; a uniform only, nothing is uploaded."""
        self._time_ms = float(t_ms)
        self.shared_program["u_time"] = self._time_ms
        self.update()

    def set_radius_scale(self, value: float) -> None:
        """Match the neurons' radius scale, so that halos keep their size relative to the spheres."""
        self.shared_program["u_radius_scale"] = float(value)
        self.update()

    def live_events(self) -> int:
        """How many ring slots hold a spike that still glows at the current time."""
        age = self._time_ms - self._times
        return int(np.count_nonzero((age >= 0) & (age <= self.cutoff_ms)))

    # -- events ---------------------------------------------------------------------------------
    def push(self, positions: np.ndarray, radii: np.ndarray, times_ms: np.ndarray, now_ms: float | None = None) -> int:
        """Append spike events; returns the number of bytes uploaded.

        Parameters
        ----------
        positions : numpy.ndarray
            (k, 3) soma centres of the neurons that spiked, micrometres.
        radii : numpy.ndarray
            (k,) their radii, micrometres.
        times_ms : numpy.ndarray
            (k,) spike times, ms on the clock of :meth:`set_time`.
        now_ms : float, optional
            The clock the next frame will show. Spikes that have faded by then are not
            uploaded: a simulation running far ahead of the screen delivers many spikes per
            frame, and without this the ring would grow to hold them all and every frame
            would draw them.
        """
        if now_ms is not None:
            times_ms = np.asarray(times_ms)
            fresh = times_ms >= now_ms - self.cutoff_ms
            positions, radii, times_ms = positions[fresh], radii[fresh], times_ms[fresh]
        k = int(len(times_ms))
        if k == 0:
            return 0
        before = self.uploaded_bytes
        events = np.empty(k, EVENT_DTYPE)
        events["a_position"] = positions
        events["a_radius"] = radii
        events["a_time"] = times_ms
        self._make_room(k)
        if k > self.capacity:
            events = events[-self.capacity:]
            k = self.capacity
        first = min(k, self.capacity - self._head)
        self._write(self._head, events[:first])
        if first < k:
            self._write(0, events[first:])
        self._head = (self._head + k) % self.capacity
        self.update()
        return self.uploaded_bytes - before

    def clear(self) -> None:
        """Forget every spike (one full upload of the ring)."""
        self._allocate(self.capacity)
        self.update()

    def _glowing(self, times: np.ndarray) -> np.ndarray:
        """Which spike times still glow now, or soon will (pushed just ahead of the clock).

        Spikes far in the future (the clock went back, for a new run) are not kept alive.
        """
        age = self._time_ms - times
        return (age <= self.cutoff_ms) & (age >= -self.cutoff_ms)

    def _make_room(self, k: int) -> None:
        """Grow the ring (doubling) when ``k`` new events would overwrite glowing ones."""
        capacity = self.capacity
        slots = (self._head + np.arange(min(k, capacity))) % capacity
        if k <= capacity and not np.any(self._glowing(self._times[slots])):
            return
        oldest_first = np.r_[self._head:capacity, 0:self._head]
        kept = self._events_cpu[oldest_first]
        kept = kept[self._glowing(kept["a_time"])]
        while capacity < kept.shape[0] + k and capacity < self._max_capacity:
            capacity *= 2
        capacity = min(capacity, self._max_capacity)
        if capacity == self.capacity:
            return  # at the limit: the oldest events are overwritten
        self._allocate(capacity)
        self._write(0, kept)
        self._head = kept.shape[0] % capacity

    def _allocate(self, capacity: int) -> None:
        ring = np.zeros(capacity, EVENT_DTYPE)
        ring["a_time"] = _NEVER
        self._events_cpu = ring
        self._times = ring["a_time"]
        self._head = 0
        self._buffer.set_data(ring)
        self.uploaded_bytes += ring.nbytes
        for name in EVENT_DTYPE.names:
            self.shared_program[name] = self._buffer[name]

    def _write(self, offset: int, events: np.ndarray) -> None:
        self._events_cpu[offset:offset + events.shape[0]] = events
        self._buffer.set_subdata(events, offset=offset)
        self.uploaded_bytes += events.nbytes

    # -- vispy hooks ----------------------------------------------------------------------------
    def _prepare_draw(self, view) -> bool:
        self._prepare_sphere_uniforms(view)
        return True
