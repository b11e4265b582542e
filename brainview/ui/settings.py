"""What the app remembers between sessions, through QSettings.

:class:`AppSettings` names every key once and converts types, so the rest of the app never
handles QSettings' untyped values. Tests pass an INI file in a temporary folder.

Files the app keeps (one's own subsystem rules, per dataset) go to the app's data folder
(``QStandardPaths``' AppDataLocation), or, for settings kept in an INI file, to a folder beside
it, so that a portable install or a test keeps them with its settings.
"""

from __future__ import annotations

from pathlib import Path

import re

from PySide6.QtCore import QByteArray, QSettings, QStandardPaths

from brainview.ui.commands import Pacing
from brainview.ui.theme import THEMES, clamp_font_scale

MAX_RECENT = 8
"""Entries kept in File > Open Recent."""

THEME_NAMES = tuple(THEMES)

DEFAULT_PRESENTATION_PANELS = ("traces", "lesson")
"""The docks presentation mode shows until the user chooses (the lesson's only while one runs)."""


class AppSettings:
    """Typed access to the app's persistent settings.

    Parameters
    ----------
    settings : QSettings, optional
        Where to store them; by default the user's native settings for "brainview".
    data_folder : path, optional
        Where to keep files; by default the app's data folder (AppDataLocation).
    """

    def __init__(self, settings: QSettings | None = None, data_folder: str | Path | None = None) -> None:
        self.store = settings if settings is not None else QSettings("brainview", "brainview")
        self._data_folder = None if data_folder is None else Path(data_folder)

    @classmethod
    def at(cls, path: str | Path) -> AppSettings:
        """Settings kept in the INI file ``path`` (for tests and portable installs), with their
        files in the folder ``<path without .ini>-data`` beside it."""
        path = Path(path)
        return cls(QSettings(str(path), QSettings.Format.IniFormat), path.with_name(f"{path.stem}-data"))

    def data_folder(self) -> Path:
        """The folder of the files the app keeps."""
        if self._data_folder is not None:
            return self._data_folder
        return Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation))

    # -- one's own subsystem rules ------------------------------------------------------------
    def user_rules_path(self, dataset: str) -> Path:
        """The rule file kept for the dataset ``dataset`` (a digest or a name; any text)."""
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", dataset).strip("._") or "dataset"
        return self.data_folder() / "subsystems" / f"{stem[:80]}.toml"

    # -- recent files ----------------------------------------------------------------------
    def recent_files(self) -> list[str]:
        """Recently opened paths, newest first, without those that no longer exist."""
        value = self.store.value("files/recent", [])
        paths = [value] if isinstance(value, str) else list(value or [])
        return [p for p in paths if p and Path(p).exists()]

    def add_recent_file(self, path: str | Path) -> list[str]:
        """Put ``path`` first in the recent list; returns the new list."""
        path = str(Path(path).resolve())
        paths = [path] + [p for p in self.recent_files() if p != path]
        self.store.setValue("files/recent", paths[:MAX_RECENT])
        return paths[:MAX_RECENT]

    def clear_recent_files(self) -> None:
        """Empty the recent list."""
        self.store.setValue("files/recent", [])

    # -- window ------------------------------------------------------------------------------
    def window_state(self) -> tuple[QByteArray | None, QByteArray | None]:
        """Saved (geometry, dock state) of the main window, or None where nothing was saved."""
        return self.store.value("window/geometry"), self.store.value("window/state")

    def save_window_state(self, geometry: QByteArray, state: QByteArray) -> None:
        """Remember the main window's geometry and dock layout."""
        self.store.setValue("window/geometry", geometry)
        self.store.setValue("window/state", state)

    # -- simulation ---------------------------------------------------------------------------
    def pacing(self) -> Pacing:
        """The last pacing chosen (real time at first)."""
        mode = str(self.store.value("simulation/pacing", "realtime"))
        try:
            slowdown = float(self.store.value("simulation/slowdown", 10.0))
            return Pacing(mode, slowdown)
        except (TypeError, ValueError):
            return Pacing()

    def set_pacing(self, pacing: Pacing) -> None:
        """Remember the pacing."""
        self.store.setValue("simulation/pacing", pacing.mode)
        self.store.setValue("simulation/slowdown", pacing.slowdown)

    def stimulus_rate_hz(self) -> float:
        """The rate last used for a new stimulus, Hz."""
        try:
            return max(float(self.store.value("simulation/stimulus_rate_hz", 150.0)), 1.0)
        except (TypeError, ValueError):
            return 150.0

    def set_stimulus_rate_hz(self, rate_hz: float) -> None:
        """Remember the rate of the last stimulus."""
        self.store.setValue("simulation/stimulus_rate_hz", float(rate_hz))

    def trace_window_ms(self) -> float:
        """How much simulated time the traces show, ms."""
        try:
            return min(max(float(self.store.value("traces/window_ms", 1000.0)), 100.0), 60_000.0)
        except (TypeError, ValueError):
            return 1000.0

    def set_trace_window_ms(self, window_ms: float) -> None:
        """Remember the trace window."""
        self.store.setValue("traces/window_ms", float(window_ms))

    # -- experiments -------------------------------------------------------------------------------
    def restore_last_experiment(self) -> bool:
        """True when the app reopens, at launch, the experiment that was open at the last close."""
        return str(self.store.value("experiment/restore_last", "false")).lower() == "true"

    def set_restore_last_experiment(self, restore: bool) -> None:
        """Reopen the last experiment at launch (or not)."""
        self.store.setValue("experiment/restore_last", "true" if restore else "false")

    # -- appearance ----------------------------------------------------------------------------
    def theme(self) -> str:
        """The name of the theme last chosen ("dark" at first, or where the stored name is unknown)."""
        name = str(self.store.value("appearance/theme", "dark"))
        return name if name in THEME_NAMES else "dark"

    def set_theme(self, name: str) -> None:
        """Remember the theme ``name`` ("dark" or "light")."""
        if name not in THEME_NAMES:
            raise ValueError(f"theme should be one of {', '.join(THEME_NAMES)}, was {name!r}")
        self.store.setValue("appearance/theme", name)

    def font_scale(self) -> float:
        """The text size last chosen, as a factor of the normal size (1 at first)."""
        try:
            return clamp_font_scale(float(self.store.value("appearance/font_scale", 1.0)))
        except (TypeError, ValueError):
            return 1.0

    def set_font_scale(self, scale: float) -> None:
        """Remember the text size factor ``scale``."""
        self.store.setValue("appearance/font_scale", clamp_font_scale(scale))

    def presentation_panels(self) -> list[str]:
        """Keys of the docks (``MainWindow.docks``) that View > Presentation keeps beside the 3D view."""
        if not self.store.contains("presentation/panels"):
            return list(DEFAULT_PRESENTATION_PANELS)
        # Kept as one comma-separated string: an empty list in an INI file reads back as nothing at all.
        return [key for key in str(self.store.value("presentation/panels", "")).split(",") if key]

    def set_presentation_panels(self, keys) -> None:
        """Remember which docks presentation mode shows (none: the 3D view alone)."""
        self.store.setValue("presentation/panels", ",".join(keys))

    # -- first run -------------------------------------------------------------------------------
    def lesson_offered(self) -> bool:
        """True once the first-run lesson banner was dismissed or followed."""
        return str(self.store.value("lesson/offered", "false")).lower() == "true"

    def set_lesson_offered(self) -> None:
        """Do not offer the lesson banner at start-up again."""
        self.store.setValue("lesson/offered", "true")

    def sync(self) -> None:
        """Write pending changes to disk now."""
        self.store.sync()
