"""Helpers for the main window's optional docks."""

from __future__ import annotations


def tab_when_shown(window, dock, beside) -> None:
    """Make ``dock`` a tab beside ``beside`` the first time it is shown (not while it is hidden:
    a hidden dock's tab leaves a stray tab bar behind), and raise it then."""

    def shown(visible: bool) -> None:
        if visible and dock not in window.tabifiedDockWidgets(beside) and not dock.isFloating():
            window.tabifyDockWidget(beside, dock)
            dock.raise_()

    dock.visibilityChanged.connect(shown)
