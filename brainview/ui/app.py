"""``brainview [PATH]``: open the main window on PATH or on the embedded C. elegans connectome."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def build_parser() -> argparse.ArgumentParser:
    """Options of the app (the ``brainview`` command without a sub-command)."""
    parser = argparse.ArgumentParser(
        prog="brainview",
        description="Explore a connectome in 3D and run live lesion experiments on it.",
        epilog="Sub-commands (info, convert, simulate, render) run without a window; see 'brainview --help'.",
    )
    parser.add_argument("path", nargs="?", help="dataset or experiment file (.toml) to open "
                        "(default: the embedded C. elegans hermaphrodite, or the last experiment if so set)")
    parser.add_argument("--settings", metavar="FILE.ini",
                        help="keep settings in this INI file instead of the user's settings")
    parser.add_argument("--reset-settings", action="store_true", help="forget remembered layout, files and choices")
    return parser


def create_window(path: str | Path | None = None, settings_file: str | Path | None = None):
    """A main window, in the theme of its settings, that starts reading ``path`` (None: the default dataset).

    A ``QApplication`` must exist. Returns the :class:`~brainview.ui.main_window.MainWindow`.
    """
    from PySide6.QtWidgets import QApplication

    from brainview.ui.experiment_files import last_experiment_path
    from brainview.ui.main_window import MainWindow
    from brainview.ui.settings import AppSettings
    from brainview.ui.theme import THEMES, apply_theme

    settings = AppSettings.at(settings_file) if settings_file else AppSettings()
    # Before the panels are made, so that they start in the theme the window will have.
    apply_theme(QApplication.instance(), THEMES[settings.theme()], settings.font_scale())
    window = MainWindow(settings)
    last = last_experiment_path()
    if path is None and settings.restore_last_experiment() and last.exists():
        window.open_experiment(last)
    else:
        window.open_path(path)
    return window


def main(argv: list[str] | None = None) -> int:
    """Run the app until its window closes; returns the exit code."""
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    if args.path is not None and not Path(args.path).exists():
        print(f"brainview: error: {args.path}: no such file or folder", file=sys.stderr)
        return 1
    from PySide6.QtCore import QCoreApplication, Qt
    from PySide6.QtWidgets import QApplication

    from brainview.render.context import window_system_missing

    if QApplication.instance() is None and window_system_missing():
        # Qt itself would abort here (exit 134) with a misleading message about xcb-cursor.
        print(
            "brainview: error: no display: the app needs a window system (DISPLAY is not set or its X "
            "server is gone). On a machine without a screen run it under Xvfb, `xvfb-run -a brainview`, "
            "or draw pictures without a window with `brainview render`.",
            file=sys.stderr,
        )
        return 1
    # Docks holding the OpenGL view can float and re-dock; that needs shared GL contexts.
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QApplication.instance() or QApplication(["brainview"])
    app.setApplicationName("brainview")
    app.setOrganizationName("brainview")
    if args.reset_settings:
        from brainview.ui.settings import AppSettings

        (AppSettings.at(args.settings) if args.settings else AppSettings()).store.clear()
    window = create_window(args.path, args.settings)
    window.show()
    return int(app.exec())
