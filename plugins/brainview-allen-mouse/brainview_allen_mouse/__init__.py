"""Example brainview plugin: the Allen mouse mesoscale connectome reader.

Importing this package must stay cheap: brainview loads every manifest at start-up, and the
reader module is imported only when a matching file is opened.
"""

from brainview.plugins import Manifest, ReaderContribution

MANIFEST = Manifest(
    name="allen-mouse",
    readers=(
        ReaderContribution(
            "oh2014",
            "brainview_allen_mouse.reader:read_oh2014",
            ("oh2014_connections_long.csv", "oh2014_connections_long.csv.gz"),
            (),
            "Allen mouse mesoscale connectome, Oh et al. 2014 (long format)",
        ),
    ),
)
