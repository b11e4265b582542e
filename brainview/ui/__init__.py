"""The desktop app: a Qt main window, its panels and the simulation worker thread.

The experiment itself lives in :mod:`brainview.experiment` (no Qt); the window adapts it
(:mod:`~brainview.ui.session`). Modules without Qt (:mod:`~brainview.ui.commands`,
:mod:`~brainview.ui.celltree`, :mod:`~brainview.ui.tracedata`; lessons in
:mod:`brainview.experiment.lessons`) hold the app's logic and are tested without widgets; the widget modules only show it.
Start the app with :func:`brainview.ui.app.main`.
"""
