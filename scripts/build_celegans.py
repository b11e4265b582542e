"""Build brainview's embedded default dataset, ``assets/celegans_hermaphrodite.h5``.

Inputs (``../shared/data/celegans`` beside the checkout unless given; provenance in
``assets/README.md``):

* ``celegans_herm_neurons.csv``: the 302 neurons with soma positions and diameters (OpenWorm
  c302 NeuroML), WormAtlas type, lineage and classification (cect), and the Wang et al. 2024
  neurotransmitter label;
* ``celegans_cook2019_herm_chemical_edges.csv`` and
  ``celegans_cook2019_herm_gapjn_symmetric_edges.csv``: Cook et al. 2019 SI 5 (corrected July
  2020), weights in EM serial sections.

Rows are the 302 neurons, then every muscle, glial cell and end organ that Cook et al. list
with at least one neuron partner. Edge tables spell ventral cord motor neurons with two digits
(VA01) where the neuron table writes VA1; names are normalised before joining. Non-neuronal
cells have no measured position: body wall muscles are placed by their quadrant and index
along the body, every other cell at the synapse-weighted mean of its neuron partners plus a
small deterministic offset, and the ``position_source`` column says which rows are estimated.

Run from the repository root::

    python scripts/build_celegans.py [DATA_DIR] [--output assets/celegans_hermaphrodite.h5]
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from brainview.connectome import Categorical, Connectome, SynapseCSR
from brainview.connectome.io import write_native
from brainview.connectome.neurotransmitters import WORM_INHIBITORY, canonical_nt, sign_from_nt
from brainview.connectome.subsystems import apply_subsystems, load_rules

REPO_ROOT = Path(__file__).resolve().parent.parent
NEURONS_CSV = "celegans_herm_neurons.csv"
CHEMICAL_CSV = "celegans_cook2019_herm_chemical_edges.csv"
GAP_CSV = "celegans_cook2019_herm_gapjn_symmetric_edges.csv"

VENTRAL_CORD_CLASSES = ("AS", "DA", "DB", "DD", "VA", "VB", "VC", "VD")
"""Numbered motor neuron classes of the ventral cord (VA1..VA12 belong to class VA)."""

DORSOVENTRAL_CLASSES = frozenset(
    {"CEP", "IL1", "IL2", "OLQ", "RMD", "RME", "SAA", "SAB", "SIA", "SIB", "SMB", "SMD", "URA", "URY"}
)
"""Classes whose members carry dorsal/ventral as well as left/right suffixes (White et al. 1986):
IL1DL, IL1DR, IL1L, IL1R, IL1VL, IL1VR are all IL1. A table, because the names alone are
ambiguous: AVDL is class AVD, not "AV" + "DL"."""

NEURON_CLASS = {
    "SensoryNeuron": "sensory",
    "PolymodalNeuron": "polymodal",
    "Interneuron": "interneuron",
    "Motor Neuron": "motor",
    "NeurUnkFunc": "unknown function",
}
"""cell_class from the OpenWorm NeuroML cell notes."""

HEAD_END = 0.125
TAIL_START = 0.9
"""Region boundaries as fractions of the neurons' anterior-posterior extent (nose = 0, tail = 1):
the head ganglia and nerve ring lie in front of HEAD_END, the lumbar, preanal and dorsorectal
ganglia behind TAIL_START (the soma distribution has clear gaps there)."""

ESTIMATE_OFFSET_UM = 1.5
"""Distance of an estimated cell from its partners' mean, so that cells sharing partners do not
coincide (micrometres)."""


@dataclass(frozen=True)
class CellGroup:
    """How to label a family of non-neuronal cells that Cook et al. name with a common prefix."""

    pattern: str
    cell_type: str
    cell_class: str
    kind: str
    super_class: str


NON_NEURON_GROUPS = (
    CellGroup(r"dBWM[LR]\d+", "dBWM", "body wall muscle", "muscle", "body wall musculature"),
    CellGroup(r"vBWM[LR]\d+", "vBWM", "body wall muscle", "muscle", "body wall musculature"),
    CellGroup(r"pm\d.*", "pm{0}", "pharyngeal muscle", "muscle", "pharynx"),
    CellGroup(r"mc\d.*", "mc{0}", "pharyngeal marginal cell", "end_organ", "pharynx"),
    CellGroup(r"e\d.*", "e{0}", "pharyngeal epithelium", "end_organ", "pharynx"),
    CellGroup(r"g\d.*", "g{0}", "pharyngeal gland", "end_organ", "pharynx"),
    CellGroup(r"bm", "bm", "pharyngeal basement membrane", "end_organ", "pharynx"),
    CellGroup(r"um\d.*", "um{0}", "uterine muscle", "muscle", "egg-laying apparatus"),
    CellGroup(r"vm\d.*", "vm{0}", "vulval muscle", "muscle", "egg-laying apparatus"),
    CellGroup(r"mu_int[LR]", "mu_int", "enteric muscle", "muscle", "alimentary system"),
    CellGroup(r"mu_anal", "mu_anal", "enteric muscle", "muscle", "alimentary system"),
    CellGroup(r"mu_sph", "mu_sph", "enteric muscle", "muscle", "alimentary system"),
    CellGroup(r"int", "int", "intestine", "end_organ", "alimentary system"),
    CellGroup(r"CEPsh.*", "CEPsh", "glia", "glia", "glia"),
    CellGroup(r"GLR.*", "GLR", "glia", "glia", "glia"),
    CellGroup(r"hyp", "hyp", "hypodermis", "end_organ", "epidermis"),
    CellGroup(r"exc_cell", "exc_cell", "excretory cell", "end_organ", "excretory system"),
    CellGroup(r"exc_gl", "exc_gl", "excretory gland", "end_organ", "excretory system"),
    CellGroup(r"hmc", "hmc", "head mesodermal cell", "end_organ", "mesoderm"),
)
"""Every non-neuronal cell of Cook et al.'s hermaphrodite tables, with its kind. GLR cells are
mesodermal but glia-like (WormAtlas) and counted as glia; ``{0}`` in a cell type is the cell's
number (pm3D -> pm3)."""


def normalise_name(name: str) -> str:
    """Edge-table spelling to neuron-table spelling: ``VA01`` -> ``VA1``; others unchanged."""
    match = re.fullmatch(rf"({'|'.join(VENTRAL_CORD_CLASSES)})0*(\d+)", name)
    return f"{match.group(1)}{int(match.group(2))}" if match else name


def neuron_class(name: str, all_names: set[str]) -> tuple[str, str]:
    """The class of a neuron and the suffix that names the member: ``IL1DL`` -> (IL1, DL)."""
    numbered = re.fullmatch(rf"({'|'.join(VENTRAL_CORD_CLASSES)})(\d+)", name)
    if numbered:
        return numbered.group(1), numbered.group(2)
    for suffix in ("DL", "DR", "VL", "VR", "L", "R", "D", "V"):
        stem = name[: -len(suffix)]
        if name.endswith(suffix) and stem in DORSOVENTRAL_CLASSES:
            return stem, suffix
    twin = {"L": "R", "R": "L"}.get(name[-1:])
    if twin and name[:-1] + twin in all_names:
        return name[:-1], name[-1]
    return name, ""


def side_of(suffix: str) -> str:
    """left / right / none from a member suffix (``L``, ``DR``, ``VL`` ...)."""
    return {"L": "left", "R": "right"}.get(suffix[-1:], "none")


def non_neuron_labels(name: str) -> dict[str, str]:
    """kind, cell_type, cell_class, super_class and side of a non-neuronal cell named by Cook et al."""
    for group in NON_NEURON_GROUPS:
        if re.fullmatch(group.pattern, name):
            number = re.search(r"\d", name)
            body_wall = re.fullmatch(r"[dv]BWM([LR])\d+", name)
            side_letter = body_wall.group(1) if body_wall else re.sub(r"\d+$", "", name)[-1:]
            return {
                "kind": group.kind,
                "cell_type": group.cell_type.format(number.group(0) if number else ""),
                "cell_class": group.cell_class,
                "super_class": group.super_class,
                "side": side_of(side_letter),
            }
    raise ValueError(f"cell {name!r} of the Cook et al. tables is neither a neuron nor a known end organ")


def read_edges(path: Path) -> pd.DataFrame:
    """An edge table with names normalised and repeated (pre, post) pairs summed."""
    edges = pd.read_csv(path, dtype={"pre": str, "post": str, "weight": np.float64})
    missing = {"pre", "post", "weight"} - set(edges.columns)
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    edges["pre"] = edges["pre"].map(normalise_name)
    edges["post"] = edges["post"].map(normalise_name)
    return edges.groupby(["pre", "post"], as_index=False, sort=True)["weight"].sum()


def natural_key(name: str) -> list:
    """Sort key that orders dBWML2 before dBWML10."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def select_cells(neurons: pd.DataFrame, chemical: pd.DataFrame, gap: pd.DataFrame) -> list[str]:
    """The 302 neurons in table order, then every non-neuron with a neuron partner, naturally sorted."""
    neuron_names = set(neurons["name"])
    partnered: set[str] = set()
    for edges in (chemical, gap):
        to_neuron = edges[edges["post"].isin(neuron_names)]["pre"]
        from_neuron = edges[edges["pre"].isin(neuron_names)]["post"]
        partnered |= set(to_neuron) | set(from_neuron)
    others = sorted(partnered - neuron_names, key=natural_key)
    return list(neurons["name"]) + others


@dataclass(frozen=True)
class BodyFrame:
    """The worm's body estimated from measured somata (micrometres, OpenWorm frame).

    Parameters
    ----------
    axis_y : numpy.ndarray
        Axial positions (y) of the centre-line samples, ascending.
    centre : numpy.ndarray
        (len(axis_y), 3) centre-line points.
    y_min, y_max : float
        Nose and tail ends of the neurons' extent along y.
    radius : float
        Body radius away from the tapered ends.
    """

    axis_y: np.ndarray
    centre: np.ndarray
    y_min: float
    y_max: float
    radius: float

    @classmethod
    def from_somata(cls, positions: np.ndarray, is_cord: np.ndarray, is_pharyngeal: np.ndarray) -> BodyFrame:
        """Estimate the frame from neuron soma positions.

        The radius is the largest left-right distance of a soma from the ventral cord (the
        lateral touch and canal neurons lie just under the cuticle). The centre line runs
        through the pharyngeal neurons in the head (the pharynx is the head's core) and one
        radius dorsal of the ventral cord motor neurons along the body, smoothed by a running
        median over 5 samples.
        """
        cord_x = float(np.median(positions[is_cord, 0]))
        radius = float(np.max(np.abs(positions[:, 0] - cord_x)))
        # Dorsal is +z in the OpenWorm frame: head neurons lie dorsal of the ventral cord.
        samples = np.concatenate([positions[is_pharyngeal], positions[is_cord] + [0.0, 0.0, radius]])
        samples = samples[np.argsort(samples[:, 1], kind="stable")]
        window = 5
        padded = np.pad(samples, ((window // 2, window // 2), (0, 0)), mode="edge")
        windows = np.arange(len(samples))[:, None] + np.arange(window)
        centre = np.median(padded[windows], axis=1)
        return cls(samples[:, 1], centre, float(positions[:, 1].min()), float(positions[:, 1].max()), radius)

    def fraction(self, y: float) -> float:
        """Position along the body: 0 at the nose, 1 at the tail."""
        return (y - self.y_min) / (self.y_max - self.y_min)

    def point(self, fraction: float, left: float, dorsal: float) -> np.ndarray:
        """The point ``fraction`` along the body, ``left`` and ``dorsal`` body radii off the centre line.

        The radius tapers linearly to 30 % over the first and last tenth of the body.
        """
        y = self.y_min + fraction * (self.y_max - self.y_min)
        x_centre = np.interp(y, self.axis_y, self.centre[:, 0])
        z_centre = np.interp(y, self.axis_y, self.centre[:, 2])
        radius = self.radius * np.clip(min(fraction, 1 - fraction) / 0.1, 0.3, 1.0)
        return np.array([x_centre + left * radius, y, z_centre + dorsal * radius])

    def region(self, y: float) -> str:
        """head / midbody / tail from the axial position (see HEAD_END and TAIL_START)."""
        fraction = self.fraction(y)
        return "head" if fraction < HEAD_END else "tail" if fraction > TAIL_START else "midbody"


def estimate_positions(
    names: list[str], is_neuron: np.ndarray, position: np.ndarray, contacts: pd.DataFrame, frame: BodyFrame
) -> np.ndarray:
    """``position`` with the rows of non-neuronal cells estimated (neurons' rows are kept).

    Parameters
    ----------
    contacts : pandas.DataFrame
        ``cell, partner, weight`` rows: every synapse and gap junction seen from both ends.
    """
    position = position.copy()
    diagonal = np.sqrt(0.5)
    body_wall = {name: re.fullmatch(r"([dv])BWM([LR])(\d+)", name) for name in names}
    per_quadrant = max(int(m.group(3)) for m in body_wall.values() if m)
    index = {name: i for i, name in enumerate(names)}
    contacts = contacts[contacts["partner"].map(lambda p: p in index and is_neuron[index[p]])]
    estimated = np.flatnonzero(~is_neuron)
    for ordinal, row in enumerate(estimated):
        muscle = body_wall[names[row]]
        if muscle:
            left = diagonal if muscle.group(2) == "L" else -diagonal
            dorsal = diagonal if muscle.group(1) == "d" else -diagonal
            position[row] = frame.point((int(muscle.group(3)) - 0.5) / per_quadrant, left, dorsal)
            continue
        mine = contacts[contacts["cell"] == names[row]]
        mean = np.average(position[mine["partner"].map(index).to_numpy()], axis=0, weights=mine["weight"])
        position[row] = mean + ESTIMATE_OFFSET_UM * _fibonacci_direction(ordinal, estimated.size)
    return position


def contact_table(chemical: pd.DataFrame, gap: pd.DataFrame) -> pd.DataFrame:
    """Every connection as ``cell, partner, weight``, once from each end."""
    forward = pd.concat([chemical, gap]).rename(columns={"pre": "cell", "post": "partner"})
    backward = pd.concat([chemical, gap]).rename(columns={"post": "cell", "pre": "partner"})
    return pd.concat([forward, backward], ignore_index=True)


def _fibonacci_direction(i: int, count: int) -> np.ndarray:
    """The ``i``-th of ``count`` unit vectors spread evenly over the sphere (golden-angle spiral)."""
    z = 1 - 2 * (i + 0.5) / count
    angle = i * np.pi * (3 - np.sqrt(5))
    r = np.sqrt(1 - z * z)
    return np.array([r * np.cos(angle), r * np.sin(angle), z])


def label_cells(neurons: pd.DataFrame, names: list[str]) -> dict[str, list[str]]:
    """name, kind, cell_type, cell_class, super_class and side of every row (neurons first)."""
    neuron_names = set(neurons["name"])
    columns: dict[str, list[str]] = {key: [] for key in ("name", "kind", "cell_type", "cell_class", "super_class",
                                                         "side")}
    for record in neurons.itertuples(index=False):
        cell_type, suffix = neuron_class(record.name, neuron_names)
        pharyngeal = str(record.wormatlas_type).startswith("Pharyngeal")
        columns["name"].append(record.name)
        columns["kind"].append("neuron")
        columns["cell_type"].append(cell_type)
        columns["cell_class"].append("pharyngeal" if pharyngeal else NEURON_CLASS[record.nml_notes])
        columns["super_class"].append("pharyngeal nervous system" if pharyngeal else "somatic nervous system")
        columns["side"].append(side_of(suffix))
    for name in names[len(neurons):]:
        labels = non_neuron_labels(name)
        columns["name"].append(name)
        for key in ("kind", "cell_type", "cell_class", "super_class", "side"):
            columns[key].append(labels[key])
    return columns


def region_labels(columns: dict[str, list[str]], position: np.ndarray, frame: BodyFrame) -> list[str]:
    """pharynx, ventral cord (numbered cord motor neurons), else head / midbody / tail by position."""
    region = []
    for row, (kind, cell_type, super_class) in enumerate(
        zip(columns["kind"], columns["cell_type"], columns["super_class"])
    ):
        if super_class.startswith("pharyn"):
            region.append("pharynx")
        elif kind == "neuron" and cell_type in VENTRAL_CORD_CLASSES:
            region.append("ventral cord")
        else:
            region.append(frame.region(position[row, 1]))
    return region


def synapse_tables(
    names: list[str], nt: list[str | None], chemical: pd.DataFrame, gap: pd.DataFrame
) -> tuple[SynapseCSR, SynapseCSR]:
    """Chemical synapses (signed by the presynaptic transmitter) and gap junctions among ``names``."""
    index = {name: i for i, name in enumerate(names)}
    chemical = chemical[chemical["pre"].isin(index) & chemical["post"].isin(index)]
    gap = gap[gap["pre"].isin(index) & gap["post"].isin(index)]
    pre = chemical["pre"].map(index).to_numpy()
    sign = sign_from_nt(np.array([label or "" for label in nt], dtype=object), WORM_INHIBITORY)
    chemical_csr = SynapseCSR.from_edges(
        pre, chemical["post"].map(index).to_numpy(), chemical["weight"].to_numpy(), len(names), sign[pre]
    )
    gap_csr = SynapseCSR.from_edges(
        gap["pre"].map(index).to_numpy(), gap["post"].map(index).to_numpy(), gap["weight"].to_numpy(), len(names)
    )
    return chemical_csr, gap_csr


def build(data_dir: Path, rules_path: Path) -> Connectome:
    """The C. elegans hermaphrodite connectome from the CSV files in ``data_dir``, subsystems applied."""
    neurons = pd.read_csv(data_dir / NEURONS_CSV, keep_default_na=False, na_values=[""])
    chemical = read_edges(data_dir / CHEMICAL_CSV)
    gap = read_edges(data_dir / GAP_CSV)
    names = select_cells(neurons, chemical, gap)
    n_neurons, n_other = len(neurons), len(names) - len(neurons)
    columns = label_cells(neurons, names)
    is_neuron = np.array(columns["kind"]) == "neuron"

    position = np.zeros((len(names), 3))
    position[:n_neurons] = neurons[["soma_x", "soma_y", "soma_z"]].to_numpy(np.float64)
    is_cord = np.isin(columns["cell_type"][:n_neurons], VENTRAL_CORD_CLASSES)
    is_pharyngeal = np.array(columns["cell_class"][:n_neurons]) == "pharyngeal"
    frame = BodyFrame.from_somata(position[:n_neurons], is_cord, is_pharyngeal)
    position = estimate_positions(names, is_neuron, position, contact_table(chemical, gap), frame)

    wang = list(neurons["neurotransmitter_wang2024"]) + [None] * n_other
    nt = [canonical_nt(label) for label in wang[:n_neurons]] + [None] * n_other
    chemical_csr, gap_csr = synapse_tables(names, nt, chemical, gap)
    radius = neurons["soma_diameter"].to_numpy(np.float64) / 2
    padding = [None] * n_other
    table = {
        "id": np.arange(len(names), dtype=np.int64),
        **{key: Categorical.from_values(values) for key, values in columns.items()},
        "region": Categorical.from_values(region_labels(columns, position, frame)),
        "nt": Categorical.from_values(nt),
        "radius": np.r_[radius, np.full(n_other, np.median(radius))].astype(np.float32),
        "lineage": Categorical.from_values(list(neurons["lineage"]) + padding),
        "nt_wang2024": Categorical.from_values(wang),
        "wormatlas_type": Categorical.from_values(list(neurons["wormatlas_type"]) + padding),
        "position_source": Categorical.from_values(np.where(is_neuron, "measured", "estimated")),
    }
    connectome = Connectome(table, position.astype(np.float32), chemical_csr, gap_csr, metadata(n_neurons, n_other))
    return apply_subsystems(connectome, load_rules(rules_path))


def metadata(n_neurons: int, n_other: int) -> dict[str, str]:
    """Provenance, licence, units and frame of the built dataset."""
    return {
        "name": "C. elegans hermaphrodite (Cook et al. 2019)",
        "species": "Caenorhabditis elegans",
        "sex": "hermaphrodite",
        "version": "Cook et al. 2019 SI 5, corrected July 2020",
        "source": (
            "Chemical synapses and gap junctions: Cook et al. 2019 SI 5 (corrected July 2020, via PyPI cect 0.3.5). "
            "Soma positions and diameters: OpenWorm c302 0.12.1 NeuroML cells. Types, lineage: WormAtlas via "
            "cect 0.3.5. Neurotransmitters: Wang et al. 2024 eLife 13:RP95402 Supplementary File 2. "
            "Built by scripts/build_celegans.py; see assets/README.md."
        ),
        "citation": (
            "Cook SJ et al. (2019) Whole-animal connectomes of both Caenorhabditis elegans sexes. Nature 571:63-71; "
            "Wang C et al. (2024) A neurotransmitter atlas of C. elegans males and hermaphrodites. eLife 13:RP95402; "
            "Gleeson P et al. (2018) c302: a multiscale framework for modelling the nervous system of "
            "Caenorhabditis elegans. Phil Trans R Soc B 373:20170379"
        ),
        "license": (
            "CC BY 4.0 (Wang et al. 2024 neurotransmitter labels); compiled from MIT-licensed c302 0.12.1 and "
            "cect 0.3.5 (OpenWorm)"
        ),
        "units": (
            "position and radius: micrometres; chemical count and gap weight: number of EM serial sections "
            "of contact (Cook et al. 2019), gap weight used as a relative conductance"
        ),
        "frame": "OpenWorm virtual worm: y from head (about -310) to tail (about +410), x left (+) to right (-), "
                 "z ventral (-) to dorsal (+)",
        "positions": f"measured for the {n_neurons} neurons; estimated for the {n_other} non-neuronal cells "
                     "(column position_source)",
        "recommended_params": "w_syn_mV=0.275",
        "recommended_params_note": (
            "Chosen against the signal-propagation atlas of Randi et al. (2023) Nature 623:406-414 "
            "(doi:10.1038/s41586-023-06683-4), by bench/bench_worm_atlas.py: driving each of 60 neurons in "
            "turn, the mean voltage change of the others predicts the atlas's significant responses with a "
            "ROC AUC of 0.63 from 0.1 to 0.5 mV per section (0.62 at 0.7, 0.59 at 1.0, 0.56 at 1.4), against "
            "0.57 for the anatomy alone (synapse count plus gap-junction weight). At 0.275 mV touch does not "
            "bring the command interneurons to threshold; the touch lesson sets 1.4 mV, where ALM/AVM touch "
            "drives AVA/AVD at about 130 Hz but the atlas is predicted no better than by the anatomy."
        ),
    }


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir", nargs="?", type=Path, default=REPO_ROOT.parent / "shared" / "data" / "celegans",
                        help="folder holding the C. elegans CSV files (default: ../shared/data/celegans)")
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "assets" / "celegans_hermaphrodite.h5")
    parser.add_argument("--rules", type=Path, default=REPO_ROOT / "assets" / "subsystems" / "celegans.toml")
    args = parser.parse_args(argv)
    connectome = build(args.data_dir, args.rules)
    write_native(connectome, args.output)
    kinds = connectome.columns["kind"].counts()
    print(f"wrote {args.output}: {connectome!r}; kinds {kinds}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
