"""The manifest of brainview's own readers and models, registered like any plugin's."""

from brainview.plugins import Manifest, ModelContribution, ReaderContribution

_IO = "brainview.connectome.io"

MANIFEST = Manifest(
    name="brainview",
    readers=(
        # Before "native": a SONATA nodes file is an .h5 file too (named *nodes.h5).
        ReaderContribution(
            "sonata", f"{_IO}.sonata:read_sonata",
            ("circuit_config*.json", "*circuit*.json", "simulation_config*.json", "*_nodes.h5", "nodes.h5"),
            ("circuit_config*.json", "*circuit*.json", "*nodes.h5"),
            "SONATA circuit (BMTK, NEST, libsonata): a circuit config, its folder, or a nodes file",
        ),
        ReaderContribution(
            "native", f"{_IO}.native:read_native", ("*.h5", "*.hdf5"), (),
            "brainview connectome (HDF5)",
        ),
        ReaderContribution(
            "codex", f"{_IO}.codex:read_codex",
            ("connections.csv*", "connections_no_threshold.csv*"),
            ("connections.csv*", "connections_no_threshold.csv*"),
            "FlyWire Codex download (a folder, or its connections file)",
            companion_files=("neurons.csv*", "classification.csv*", "consolidated_cell_types.csv*", "coordinates.csv*"),
        ),
        ReaderContribution(
            "shiu", f"{_IO}.shiu:read_shiu",
            ("Connectivity_*.parquet", "Connectivity_*.csv*"),
            ("Connectivity_*.parquet", "Connectivity_*.csv*"),
            "Shiu et al. 2024 model inputs (Completeness + Connectivity)",
            companion_files=("Completeness_*.csv*",),
        ),
        ReaderContribution(
            "neuprint", f"{_IO}.neuprint:read_neuprint",
            ("traced-total-connections.csv*",), ("traced-total-connections.csv*",),
            "neuPrint flat export (traced-neurons + traced-total-connections)",
            companion_files=("traced-neurons.csv*", "traced-roi-connections.csv*"),
        ),
        ReaderContribution(
            "larva", f"{_IO}.larva:read_larva",
            ("maggot*_edgelist.csv", "maggot*_edgelist.csv.gz"), ("maggot*_edgelist.csv*",),
            "Larval connectome of Winding et al. 2023 (an edge list with its meta_data.csv annotations)",
            companion_files=("meta_data.csv*",),
        ),
        ReaderContribution(
            "graphml", f"{_IO}.graphs:read_graphml", ("*.graphml", "*.graphml.gz"), (), "GraphML",
        ),
        ReaderContribution("gexf", f"{_IO}.graphs:read_gexf", ("*.gexf", "*.gexf.gz"), (), "GEXF"),
        ReaderContribution(
            "sonata-config", f"{_IO}.sonata:read_sonata", ("*.json",), (),
            "SONATA circuit config of any other name (tried after every other reader)", fallback=True,
        ),
        ReaderContribution(
            "edgelist", f"{_IO}.edgelist:read_edgelist", ("*.csv", "*.csv.gz", "*.tsv", "*.tsv.gz"), (),
            "CSV edge list (pre, post, weight[, sign]) with an optional node table beside it",
            fallback=True,
        ),
    ),
    models=(
        ModelContribution("shiu_lif", "brainview.sim.models:ShiuLIF", "Shiu et al. 2024 leaky integrate-and-fire"),
        ModelContribution(
            "shiu_lif_plastic", "brainview.sim.models:PlasticShiuLIF",
            "Shiu et al. 2024 leaky integrate-and-fire with dopamine-gated plasticity",
        ),
    ),
)
