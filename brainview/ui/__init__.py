"""The desktop app: a Qt main window, its panels and the simulation worker thread.

Modules without Qt (:mod:`~brainview.ui.commands`, :mod:`~brainview.ui.experiment`,
:mod:`~brainview.ui.celltree`, :mod:`~brainview.ui.tracedata`, :mod:`~brainview.ui.lesson`)
hold the app's logic and are tested without widgets; the widget modules only show it.
Start the app with :func:`brainview.ui.app.main`.
"""
