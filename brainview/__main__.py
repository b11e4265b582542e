"""``python -m brainview``: the same as the ``brainview`` command."""

from brainview.cli import main

raise SystemExit(main())
