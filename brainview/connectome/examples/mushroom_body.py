"""A synthetic mushroom body: the fly's learning centre drawn at random from published anatomy.

:func:`mushroom_body` builds one hemisphere's olfactory pathway into the mushroom body (MB):
antennal-lobe projection neurons (PNs), Kenyon cells (KCs), the MB output neurons (MBONs) and
the dopaminergic neurons (DANs) that teach them, with FlyWire's class and type names, so that the
selectors written for it (``class:Kenyon_Cell``, ``class:MBON``, ``class:DAN``, ``class:ALPN``,
``type:PAM12``, ``type:DA1_*``) work unchanged on a real FlyWire download. **The wiring is
synthetic**: every connection is drawn at random from the rules below, none is reconstructed.

Anatomy (the facts the example rests on)
----------------------------------------
- **Compartments** (Aso et al. 2014): the MB lobes are tiled by 15 compartments, γ1-γ5 in the γ
  lobe, β'1, β'2 and α'1-α'3 in the α'/β' lobes, β1, β2 and α1-α3 in the α/β lobes. Each is
  innervated by its own DAN types and read out by its own MBON types. PAM-cluster DANs fill
  the horizontal (medial) lobe compartments γ3-γ5, β'1, β'2, β1, β2 and, in the vertical lobe,
  α1; PPL1 DANs fill γ1, γ2 and the vertical lobe's α'1-α'3, α2, α3. Compartments are
  labelled here as in hemibrain instance names such as ``MBON01(y5B'2a)`` and ``PAM12(y3)``
  (``y`` for γ, ``B`` for β, ``a`` for α: ``y1`` ... ``y5``, ``B'1``, ``B'2``, ``a'1`` ... ``a'3``,
  ``B1``, ``B2``, ``a1`` ... ``a3``), which a shell and a selector can type.
- **MBONs**: 20 of the 21 MBON types of Aso et al. 2014 (MBON-γ3, MBON08, is not among FlyWire
  v783's types), as FlyWire names them (MBON01 = MBON-γ5β'2a ... MBON21 = MBON-γ4γ5, the
  numbering of Li et al. 2020), with their number of cells in FlyWire's right hemisphere, the
  transmitters of Aso et al. 2014 (MBON01-07 glutamate, MBON09-11 GABA, MBON12-19
  acetylcholine) and FlyWire's predicted ones for MBON20 (GABA) and MBON21 (acetylcholine),
  which agree with Aso et al.'s for the others. An MBON takes KC input in the
  compartments its dendrites fill (for MBON05 "γ4>γ1γ2" that is γ4; its axon goes on to γ1, γ2).
- **DANs**: PAM01-PAM15 and PPL101-PPL106, with their compartments (hemibrain/FlyWire
  numbering) and their number of cells in FlyWire's right hemisphere (PAM15, found on the left
  only, gets one cell).
- **Kenyon cells** (about 2,000 per hemisphere; Aso et al. 2009): the olfactory main-calyx types
  of FlyWire, ``KCg-m`` (γ), ``KCapbp-m``, ``KCapbp-ap1``, ``KCapbp-ap2`` (α'/β') and ``KCab``
  (α/β), in FlyWire's right-hemisphere proportions (47 %, 20 %, 33 %). The γ-dorsal and α/β-
  posterior KCs (``KCg-d``, ``KCab-p``), whose dendrites lie in the accessory calyces with
  mostly non-olfactory input (visual for γ-d; Li et al. 2020), are left out. A KC's axon runs through every compartment
  of its lobes: γ KCs through γ1-γ5, α'/β' KCs through α'1-α'3 and β'1-β'2, α/β KCs through
  α1-α3 and β1-β2.
- **Projection neurons**: the excitatory (cholinergic) uniglomerular ALPN types of FlyWire's
  olfactory glomeruli (51 glomeruli, 53 types, 116 cells in the right hemisphere; types named by
  glomerulus and lineage, ``DA1_lPN``, ``DM6_adPN``, ``VM5d_adPN``...). Left out: the thermo-
  and hygrosensory VP glomeruli (not odour channels) and the GABAergic vPNs (inhibitory, to the
  lateral horn). An "odour" is a set of glomeruli: :func:`odour_rows` gives their PNs to drive.

Wiring rules (random, seeded)
-----------------------------
- **PN to KC** (Caron et al. 2013): each KC has :data:`CLAWS` claws (5-8, 6.2 on average: Caron
  et al. count 6-7 inputs per KC), each from a different PN drawn uniformly at random from all
  PNs, so that glomeruli with more PNs (DA1, DL2d, VA1v...) are sampled more often, as Caron et
  al. observed. Each claw carries :data:`PN_KC_SYNAPSES` synapses.
- **KC to MBON**: every KC synapses onto every MBON of every compartment its axon passes through.
  Each MBON gets about :data:`KC_MBON_SYNAPSES` synapses from its KCs together, a random number
  per connection (1 + Poisson), so that an MBON of a small lobe (α'/β') needs the same fraction of
  its KCs active as one of a large lobe (γ), whatever ``n_kc``.
- **DAN to MBON**: every DAN synapses onto every MBON that shares a compartment with it
  (:data:`DAN_MBON_SYNAPSES` synapse each). These connections are what the dopamine-gated
  plasticity rule of :mod:`brainview.sim.plasticity` reads to decide which KC-to-MBON synapses a
  DAN teaches (Hige et al. 2015: dopamine in a compartment depresses the KC-to-MBON synapses
  there); there are no DAN-to-KC synapses, since those would let a DAN gate a KC's synapses in
  every compartment. One synapse per pair keeps a driven teacher from driving the MBONs itself.

Synapse counts are chosen so that the Shiu et al. 2024 model at its default weight
(``w_syn_mV`` 0.275, PNs driven at 150 Hz) codes odours sparsely, as KCs do (Honegger et al.
2011: about 5-10 % of KCs respond to an odour): a KC fires when three of its PNs are active
together (58 % of such KCs fire in 200 ms, 99 % of those with four, 1.3 % of those with two,
none with one), and an MBON needs tens of active KCs. Driving the PNs of
:data:`ODOUR_GLOMERULI` random glomeruli (about 23 PNs) at 150 Hz for 200 ms makes 7.2 % of
the KCs fire on average (median 6.8 %, 3-12 % for 80 % of odours), at about 8 Hz, and 84 % of
the MBONs, at about 19 Hz (48 odours on three networks of the default size).

Columns: ``cell_type``, ``cell_class`` (``ALPN``, ``Kenyon_Cell``, ``MBON``, ``DAN``),
``super_class`` (``central``, as in FlyWire), ``nt``, ``region`` (FlyWire neuropil groups:
``AL.MB_CA`` for PNs, ``MB_CA.MB_ML`` for KCs, ``MB_ML``/``MB_VL`` for MBONs and DANs by the lobe
of their compartments), ``side`` (``right``), ``subsystem`` (FlyWire's rule file:
KCs and MBONs "learning", DANs "steering", PNs "other"), and ``compartment``: the compartments a
cell has synapses in, joined with "." (``y5.B'2`` for MBON01; every compartment of its lobes for
a KC; none for a PN); :func:`compartment_rows` selects by it. Positions (micrometres) are
schematic: PNs sit at their glomerulus in the antennal lobe, KC somata around the calyx, MBONs
and DANs at their compartments along the vertical and medial lobes, so that the 3D view shows
the circuit's shape; they are not measured soma positions. They are oriented as FlyWire's (x to
the fly's left, y ventral, z posterior), so the viewer's front, side and top views are the
fly's; ``meta["positions"]`` says "schematic" (not "layout:", which marks positions that have
no anatomy).

References
----------
- Aso Y, Hattori D, Yu Y, et al. (2014) The neuronal architecture of the mushroom body provides
  a logic for associative learning. eLife 3:e04577.
- Caron SJC, Ruta V, Abbott LF, Axel R (2013) Random convergence of olfactory inputs in the
  Drosophila mushroom body. Nature 497:113-117.
- Hige T, Aso Y, Modi MN, Rubin GM, Turner GC (2015) Heterosynaptic plasticity underlies aversive
  olfactory learning in Drosophila. Neuron 88:985-998.
- Aso Y, Grübel K, Busch S, et al. (2009) The mushroom body of adult Drosophila characterized by
  GAL4 drivers. J Neurogenet 23:156-172.
- Honegger KS, Campbell RAA, Turner GC (2011) Cellular-resolution population imaging reveals
  robust sparse coding in the Drosophila mushroom body. J Neurosci 31:11772-11785.
- Li F, Lindsey JW, Marin EC, et al. (2020) The connectome of the adult Drosophila mushroom body
  provides insights into function. eLife 9:e62576.
- Schlegel P, Yin Y, Bates AS, et al. (2024) Whole-brain annotation and multi-connectome cell
  typing of Drosophila. Nature 634:139-152 (FlyWire's class and type names and cell counts).
- Shiu PK, Sterne GR, Spiller N, et al. (2024) A Drosophila computational brain model reveals
  sensorimotor processing. Nature 634:210-219 (the model the counts are tuned for).
"""

from __future__ import annotations

import numbers
import re
from dataclasses import dataclass

import numpy as np

from brainview.connectome.categorical import Categorical
from brainview.connectome.connectome import Connectome
from brainview.connectome.neurotransmitters import FLY_INHIBITORY, sign_from_nt
from brainview.connectome.queries import select
from brainview.connectome.synapses import SynapseCSR
from brainview.errors import ParameterError, UnknownNameError


@dataclass(frozen=True)
class Compartment:
    """One MB lobe compartment: its label, Aso et al.'s name, its FlyWire neuropil, its KC class."""

    label: str
    aso: str
    neuropil: str
    kc_class: str


COMPARTMENTS = (
    Compartment("y1", "γ1", "MB_ML", "γ"), Compartment("y2", "γ2", "MB_ML", "γ"),
    Compartment("y3", "γ3", "MB_ML", "γ"), Compartment("y4", "γ4", "MB_ML", "γ"),
    Compartment("y5", "γ5", "MB_ML", "γ"),
    Compartment("B'1", "β'1", "MB_ML", "α'/β'"), Compartment("B'2", "β'2", "MB_ML", "α'/β'"),
    Compartment("a'1", "α'1", "MB_VL", "α'/β'"), Compartment("a'2", "α'2", "MB_VL", "α'/β'"),
    Compartment("a'3", "α'3", "MB_VL", "α'/β'"),
    Compartment("B1", "β1", "MB_ML", "α/β"), Compartment("B2", "β2", "MB_ML", "α/β"),
    Compartment("a1", "α1", "MB_VL", "α/β"), Compartment("a2", "α2", "MB_VL", "α/β"),
    Compartment("a3", "α3", "MB_VL", "α/β"),
)
"""The 15 lobe compartments of Aso et al. 2014, in their order."""

KC_TYPES = (
    ("KCg-m", "γ", 1121),
    ("KCapbp-m", "α'/β'", 174),
    ("KCapbp-ap1", "α'/β'", 132),
    ("KCapbp-ap2", "α'/β'", 160),
    ("KCab", "α/β", 799),
)
"""(FlyWire type, KC class, cells in FlyWire v783's right hemisphere): the proportions of KCs."""

MBON_TYPES = (
    # FlyWire type, Aso et al. 2014 name, hemibrain instance compartments, KC-input compartments, nt, cells
    ("MBON01", "MBON-γ5β'2a", "y5B'2a", ("y5", "B'2"), "Glu", 1),
    ("MBON02", "MBON-β2β'2a", "B2B'2a", ("B2", "B'2"), "Glu", 1),
    ("MBON03", "MBON-β'2mp", "B'2mp", ("B'2",), "Glu", 1),
    ("MBON04", "MBON-β'2mp_bilateral", "B'2mp_bilateral", ("B'2",), "Glu", 1),
    ("MBON05", "MBON-γ4>γ1γ2", "y4>y1y2", ("y4",), "Glu", 1),
    ("MBON06", "MBON-β1>α", "B1>a", ("B1",), "Glu", 1),
    ("MBON07", "MBON-α1", "a1", ("a1",), "Glu", 2),
    ("MBON09", "MBON-γ3β'1", "y3B'1", ("y3", "B'1"), "GABA", 2),
    ("MBON10", "MBON-β'1", "B'1", ("B'1",), "GABA", 5),
    ("MBON11", "MBON-γ1pedc>α/β", "y1pedc>a/B", ("y1",), "GABA", 1),
    ("MBON12", "MBON-γ2α'1", "y2a'1", ("y2", "a'1"), "ACh", 2),
    ("MBON13", "MBON-α'2", "a'2", ("a'2",), "ACh", 1),
    ("MBON14", "MBON-α3", "a3", ("a3",), "ACh", 2),
    ("MBON15", "MBON-α'1", "a'1", ("a'1",), "ACh", 2),
    ("MBON16", "MBON-α'3ap", "a'3ap", ("a'3",), "ACh", 1),
    ("MBON17", "MBON-α'3m", "a'3m", ("a'3",), "ACh", 1),
    ("MBON18", "MBON-α2sc", "a2sc", ("a2",), "ACh", 1),
    ("MBON19", "MBON-α2p3p", "a2p3p", ("a2", "a3"), "ACh", 2),
    ("MBON20", "MBON-γ1γ2", "y1y2", ("y1", "y2"), "GABA", 1),
    ("MBON21", "MBON-γ4γ5", "y4y5", ("y4", "y5"), "ACh", 1),
)
"""The MBON types: every compartment has at least one."""

DAN_TYPES = (
    # FlyWire type, Aso et al. 2014 name, hemibrain instance compartments, compartments, cells
    ("PAM01", "PAM-γ5", "y5", ("y5",), 20),
    ("PAM02", "PAM-β'2a", "B'2a", ("B'2",), 7),
    ("PAM03", "PAM-β2β'2a", "B2B'2a", ("B2", "B'2"), 6),
    ("PAM04", "PAM-β2", "B2", ("B2",), 15),
    ("PAM05", "PAM-β'2p", "B'2p", ("B'2",), 11),
    ("PAM06", "PAM-β'2m", "B'2m", ("B'2",), 15),
    ("PAM07", "PAM-γ4<γ1γ2", "y4<y1y2", ("y4",), 10),
    ("PAM08", "PAM-γ4", "y4", ("y4",), 22),
    ("PAM09", "PAM-β1ped", "B1ped", ("B1",), 5),
    ("PAM10", "PAM-β1", "B1", ("B1",), 7),
    ("PAM11", "PAM-α1", "a1", ("a1",), 8),
    ("PAM12", "PAM-γ3", "y3", ("y3",), 12),
    ("PAM13", "PAM-β'1ap", "B'1ap", ("B'1",), 6),
    ("PAM14", "PAM-β'1m", "B'1m", ("B'1",), 8),
    ("PAM15", "PAM-γ5β'2a", "y5B'2a", ("y5", "B'2"), 1),
    ("PPL101", "PPL1-γ1pedc", "y1pedc", ("y1",), 1),
    ("PPL102", "PPL1-γ1", "y1", ("y1",), 1),
    ("PPL103", "PPL1-γ2α'1", "y2a'1", ("y2", "a'1"), 1),
    ("PPL104", "PPL1-α'3", "a'3", ("a'3",), 1),
    ("PPL105", "PPL1-α'2α2", "a'2a2", ("a'2", "a2"), 1),
    ("PPL106", "PPL1-α3", "a3", ("a3",), 1),
)
"""The DAN types of the MB lobes: every compartment has at least one."""

PN_TYPES = (
    ("D_adPN", 3), ("DA1_lPN", 7), ("DA2_lPN", 6), ("DA3_adPN", 2), ("DA4l_adPN", 1),
    ("DA4m_adPN", 1), ("DC1_adPN", 1), ("DC2_adPN", 2), ("DC3_adPN", 2), ("DC4_adPN", 1),
    ("DL1_adPN", 2), ("DL2d_adPN", 5), ("DL2v_adPN", 4), ("DL3_lPN", 5), ("DL4_adPN", 1),
    ("DL5_adPN", 1), ("DM1_lPN", 1), ("DM2_lPN", 2), ("DM3_adPN", 1), ("DM4_adPN", 1),
    ("DM5_lPN", 2), ("DM6_adPN", 3), ("DP1l_adPN", 1), ("DP1m_adPN", 1), ("V_ilPN", 1),
    ("V_l2PN", 1), ("VA1d_adPN", 4), ("VA1v_adPN", 5), ("VA2_adPN", 1), ("VA3_adPN", 2),
    ("VA4_lPN", 1), ("VA5_lPN", 3), ("VA6_adPN", 1), ("VA7l_adPN", 1), ("VA7m_lPN", 3),
    ("VC1_lPN", 1), ("VC2_lPN", 1), ("VC3_adPN", 4), ("VC4_adPN", 2), ("VC5_lvPN", 2),
    ("VL1_ilPN", 1), ("VL2a_adPN", 1), ("VL2p_adPN", 1), ("VM1_lPN", 2), ("VM2_adPN", 2),
    ("VM3_adPN", 2), ("VM4_adPN", 1), ("VM4_lvPN", 3), ("VM5d_adPN", 5), ("VM5v_adPN", 3),
    ("VM6_adPN", 1), ("VM7d_adPN", 3), ("VM7v_adPN", 2),
)
"""(FlyWire type, cells in FlyWire v783's right hemisphere) of the excitatory uniglomerular
olfactory PNs; a type's glomerulus is its name up to the "_"."""

CLAWS = ((5, 0.3), (6, 0.35), (7, 0.2), (8, 0.15))
"""(PN inputs per KC, probability): 6.2 on average (Caron et al. 2013: 6-7)."""

PN_KC_SYNAPSES = 9
"""Synapses per PN-to-KC connection (one claw). With ``w_syn_mV`` 0.275 a PN at 150 Hz holds
its KCs about 1.9 mV above rest on average (threshold: 7 mV above), so a KC needs about three
active PNs to fire."""

KC_MBON_SYNAPSES = 10000
"""Synapses an MBON gets from all its KCs together (each connection 1 + a Poisson number, the
same mean for all of an MBON's KCs), so that MBONs of small and large lobes, and MBONs of
networks of any ``n_kc``, need about the same fraction of their KCs active to fire."""

DAN_MBON_SYNAPSES = 1
"""Synapses per DAN-to-MBON connection."""

ODOUR_GLOMERULI = 10
"""Glomeruli of a random odour (:func:`random_odour`): about a fifth of them, as a typical odour
at moderate concentration activates."""

KC_CLASS_COMPARTMENTS = {
    kc_class: tuple(c.label for c in COMPARTMENTS if c.kc_class == kc_class) for kc_class in ("γ", "α'/β'", "α/β")
}
"""The compartments each KC class's axons pass through."""

_UNIGLOMERULAR = re.compile(r"^([DV][ACLMP]?\d*[a-z]*\+?)_[a-z0-9]*PN$")
"""A uniglomerular PN type as FlyWire names them: glomerulus, "_", lineage, "PN"."""

_LABELS = {c.label for c in COMPARTMENTS}

# Schematic geometry (micrometres; x away from the midline, y ventral, z posterior; x is
# mirrored at the end, since FlyWire's x points to the fly's left).
_AL_CENTRE, _AL_RADIUS = np.array([60.0, 150.0, 20.0]), 35.0
_CALYX_CENTRE = np.array([100.0, 40.0, 170.0])
_HEEL = np.array([90.0, 100.0, 40.0])
_VERTICAL_TIP = np.array([95.0, 10.0, 35.0])
_MEDIAL_TIP = np.array([10.0, 105.0, 40.0])
_PLACES = {  # compartment -> (lobe axis, fraction along it, offset)
    "y1": ("medial", 0.05, (0, 8, -15)), "y2": ("medial", 0.25, (0, 8, -15)),
    "y3": ("medial", 0.45, (0, 8, -15)), "y4": ("medial", 0.65, (0, 8, -15)),
    "y5": ("medial", 0.85, (0, 8, -15)),
    "B'1": ("medial", 0.3, (0, -10, 8)), "B'2": ("medial", 0.75, (0, -10, 8)),
    "B1": ("medial", 0.3, (0, 0, 0)), "B2": ("medial", 0.75, (0, 0, 0)),
    "a'1": ("vertical", 0.2, (10, 0, 10)), "a'2": ("vertical", 0.5, (10, 0, 10)),
    "a'3": ("vertical", 0.85, (10, 0, 10)),
    "a1": ("vertical", 0.2, (0, 0, 0)), "a2": ("vertical", 0.55, (0, 0, 0)),
    "a3": ("vertical", 0.9, (0, 0, 0)),
}
_DIRECTIONS = {"D": (0, -1, 0), "V": (0, 1, 0), "A": (0, 0, -1), "P": (0, 0, 1), "L": (1, 0, 0), "M": (-1, 0, 0)}


def mushroom_body(seed: int = 0, n_kc: int = 2000) -> Connectome:
    """A synthetic mushroom body of one hemisphere; see the module docstring for what it holds.

    Parameters
    ----------
    seed : int
        Seed of every random choice (which PNs each KC samples, synapse counts, positions):
        the same seed gives the same connectome.
    n_kc : int
        Number of Kenyon cells (at least 5, one per KC type), split over the types in FlyWire's
        proportions; about 2,000 per hemisphere in the fly (Aso et al. 2009).

    Returns
    -------
    Connectome
        116 PNs, ``n_kc`` KCs, 30 MBONs and 159 DANs with their synapses; ``meta`` says the
        wiring is synthetic and cites its sources.

    Raises
    ------
    ParameterError
        For a seed that is not a whole number of 0 or more, or an ``n_kc`` below 5.
    """
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ParameterError(f"seed must be a whole number, 0 or more; was {seed!r}")
    if isinstance(n_kc, bool) or not isinstance(n_kc, numbers.Integral) or n_kc < len(KC_TYPES):
        raise ParameterError(f"n_kc must be a whole number, at least {len(KC_TYPES)} (one per KC type); was {n_kc!r}")
    rng = np.random.default_rng(int(seed))
    cells = _Cells()

    glomerulus_at = {}
    for cell_type, count in PN_TYPES:
        glomerulus = cell_type.split("_")[0]
        if glomerulus not in glomerulus_at:
            glomerulus_at[glomerulus] = _glomerulus_position(glomerulus, rng)
        for k in range(count):
            cells.add(f"{cell_type}_R{k + 1}", cell_type, "ALPN", "ACh", "AL.MB_CA", "",
                      glomerulus_at[glomerulus] + rng.normal(0, 3, 3), 2.5)
    pns = np.arange(cells.n)

    kc_start = cells.n
    kc_class = []
    for (cell_type, klass, _), count in zip(KC_TYPES, _split(int(n_kc), [c for _, _, c in KC_TYPES])):
        for k in range(count):
            cells.add(f"{cell_type}_R{k + 1}", cell_type, "Kenyon_Cell", "ACh", "MB_CA.MB_ML",
                      ".".join(KC_CLASS_COMPARTMENTS[klass]), _kc_soma(rng), 1.5)
            kc_class.append(klass)
    kcs = np.arange(kc_start, cells.n)

    mbon_compartments = []
    for cell_type, _, instance, compartments, nt, count in MBON_TYPES:
        for k in range(count):
            cells.add(f"{cell_type}({instance})_R{k + 1}", cell_type, "MBON", nt, _neuropils(compartments),
                      ".".join(compartments), _at_compartments(compartments, rng, 4.0), 4.0)
            mbon_compartments.append(set(compartments))
    mbons = np.arange(cells.n - len(mbon_compartments), cells.n)

    dan_compartments = []
    for cell_type, _, instance, compartments, count in DAN_TYPES:
        for k in range(count):
            cells.add(f"{cell_type}({instance})_R{k + 1}", cell_type, "DAN", "DA", _neuropils(compartments),
                      ".".join(compartments), _at_compartments(compartments, rng, 7.0), 3.0)
            dan_compartments.append(set(compartments))
    dans = np.arange(cells.n - len(dan_compartments), cells.n)

    pre, post, count = [], [], []
    # PN -> KC: each KC samples its claws' PNs at random, without repeats (Caron et al. 2013).
    claws = rng.choice([c for c, _ in CLAWS], size=kcs.size, p=[p for _, p in CLAWS])
    order = np.argsort(rng.random((kcs.size, pns.size)), axis=1)
    for kc, n_claws, ranked in zip(kcs, claws, order):
        pre.append(pns[np.sort(ranked[:n_claws])])
        post.append(np.full(n_claws, kc))
        count.append(np.full(n_claws, PN_KC_SYNAPSES))
    # KC -> MBON: onto every MBON of every compartment the KC's axon passes through; each MBON
    # gets about KC_MBON_SYNAPSES from all its KCs together, whatever their number.
    kc_class = np.array(kc_class, dtype=object)
    for mbon, compartments in zip(mbons, mbon_compartments):
        senders = kcs[[bool(compartments & set(KC_CLASS_COMPARTMENTS[k])) for k in kc_class]]
        pre.append(senders)
        post.append(np.full(senders.size, mbon))
        count.append(1 + rng.poisson(max(KC_MBON_SYNAPSES / senders.size - 1, 0), senders.size))
    # DAN -> MBON: onto the MBONs it shares a compartment with.
    for dan, compartments in zip(dans, dan_compartments):
        targets = mbons[[bool(c & compartments) for c in mbon_compartments]]
        pre.append(np.full(targets.size, dan))
        post.append(targets)
        count.append(np.full(targets.size, DAN_MBON_SYNAPSES))
    pre, post = np.concatenate(pre), np.concatenate(post)
    nt = np.array(cells.nt, dtype=object)
    sign = sign_from_nt(nt, FLY_INHIBITORY)[pre]
    chemical = SynapseCSR.from_edges(pre, post, np.concatenate(count).astype(np.float32), cells.n, sign)

    n = cells.n
    columns = {
        "id": np.arange(1, n + 1, dtype=np.int64),
        "name": Categorical.from_values(cells.name),
        "kind": Categorical.filled(n, "neuron"),
        "cell_type": Categorical.from_values(cells.cell_type),
        "cell_class": Categorical.from_values(cells.cell_class),
        "super_class": Categorical.filled(n, "central"),
        "region": Categorical.from_values(cells.region),
        "side": Categorical.filled(n, "right"),
        "nt": Categorical.from_values(nt),
        "radius": np.array(cells.radius, dtype=np.float32),
        "compartment": Categorical.from_values(cells.compartment),
    }
    position = np.array(cells.position, dtype=np.float32)
    position[:, 0] *= -1  # FlyWire's x points to the fly's left: its right hemisphere lies at x < 0
    connectome = Connectome(columns, position, chemical, None, _meta(int(seed), int(n_kc)))
    from brainview.connectome.subsystems import apply_subsystems, rules_for

    return apply_subsystems(connectome, rules_for("flywire"))


def glomeruli(connectome: Connectome) -> tuple[str, ...]:
    """The glomeruli of a connectome's excitatory uniglomerular PNs (``cell_class`` ALPN, ``nt``
    ACh, types named ``<glomerulus>_<lineage>PN``), sorted; works on a FlyWire download too."""
    rows = select(connectome, cell_class="ALPN", nt="ACh")
    found = {_glomerulus(t) for t in np.unique(connectome.strings("cell_type")[rows])}
    return tuple(sorted(g for g in found if g))


def odour_rows(connectome: Connectome, odour: str | tuple[str, ...] | list[str]) -> np.ndarray:
    """Rows of the excitatory uniglomerular PNs of the glomeruli ``odour`` names (``"DA1"`` or
    ``("DA1", "VM2")``): the cells to drive to present that odour.

    Raises
    ------
    UnknownNameError
        For a glomerulus no PN of the connectome belongs to (close matches named).
    """
    import difflib

    wanted = (odour,) if isinstance(odour, str) else tuple(odour)
    known = glomeruli(connectome)
    for name in wanted:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise UnknownNameError(f"no uniglomerular PN of glomerulus {name!r} in this connectome{hint}")
    rows = select(connectome, cell_class="ALPN", nt="ACh")
    types = connectome.strings("cell_type")[rows]
    return rows[np.isin([_glomerulus(t) for t in types], wanted)]


def random_odour(connectome: Connectome, n_glomeruli: int = ODOUR_GLOMERULI, seed: int = 0) -> tuple[str, ...]:
    """An odour of ``n_glomeruli`` glomeruli drawn at random (seeded) from the connectome's."""
    known = glomeruli(connectome)
    if isinstance(n_glomeruli, bool) or not isinstance(n_glomeruli, numbers.Integral) or not 1 <= n_glomeruli <= len(known):
        raise ParameterError(f"n_glomeruli must be a whole number from 1 to {len(known)}; was {n_glomeruli!r}")
    chosen = np.random.default_rng(seed).choice(len(known), size=int(n_glomeruli), replace=False)
    return tuple(known[i] for i in sorted(chosen))


def compartment_rows(connectome: Connectome, compartment: str) -> np.ndarray:
    """Rows of the cells with synapses in ``compartment`` (``"y1"``, ``"B'2"``, ``"a3"``...),
    read from the ``compartment`` column (labels joined with ".")."""
    if compartment not in _LABELS:
        raise UnknownNameError(
            f"no compartment {compartment!r}; compartments are {', '.join(c.label for c in COMPARTMENTS)}"
        )
    column = connectome.columns.get("compartment")
    if not isinstance(column, Categorical):
        raise UnknownNameError("this connectome has no 'compartment' column")
    hit = np.array([compartment in label.split(".") for label in column.categories] + [False], dtype=bool)
    return np.flatnonzero(hit[column.codes])


class _Cells:
    """The per-cell lists :func:`mushroom_body` fills, in row order."""

    def __init__(self) -> None:
        self.name: list[str] = []
        self.cell_type: list[str] = []
        self.cell_class: list[str] = []
        self.nt: list[str] = []
        self.region: list[str] = []
        self.compartment: list[str] = []
        self.position: list[np.ndarray] = []
        self.radius: list[float] = []

    @property
    def n(self) -> int:
        return len(self.name)

    def add(self, name, cell_type, cell_class, nt, region, compartment, position, radius) -> None:
        self.name.append(name)
        self.cell_type.append(cell_type)
        self.cell_class.append(cell_class)
        self.nt.append(nt)
        self.region.append(region)
        self.compartment.append(compartment)
        self.position.append(position)
        self.radius.append(radius)


def _split(total: int, weights: list[int]) -> list[int]:
    """``total`` split in proportion to ``weights`` (largest remainders), at least 1 each."""
    share = np.asarray(weights, float) / sum(weights) * (total - len(weights))
    counts = np.floor(share).astype(int)
    counts[np.argsort(counts - share)[: total - len(weights) - counts.sum()]] += 1
    return (counts + 1).tolist()


def _glomerulus(cell_type: str) -> str:
    match = _UNIGLOMERULAR.match(cell_type)
    return match.group(1) if match else ""


def _glomerulus_position(glomerulus: str, rng: np.random.Generator) -> np.ndarray:
    """A point in the antennal lobe where the glomerulus's name puts it (DA: dorsal-anterior, VM:
    ventral-medial, DC: dorsal-central...), jittered."""
    letters = re.match(r"[A-Z]+", glomerulus).group(0)
    direction = np.zeros(3)
    for weight, letter in zip((0.7, 1.0), letters):
        direction += weight * np.asarray(_DIRECTIONS.get(letter, (0, 0, 0)), float)
    direction += rng.normal(0, 0.5, 3)
    depth = rng.uniform(0.3, 0.6) if "C" in letters else rng.uniform(0.6, 0.9)
    return _AL_CENTRE + depth * _AL_RADIUS * direction / max(np.linalg.norm(direction), 1e-9)


def _kc_soma(rng: np.random.Generator) -> np.ndarray:
    """A KC soma in the cell-body layer over the calyx (dorsal and posterior of it)."""
    outward = np.array([0.3, -1.0, 0.6]) / np.linalg.norm([0.3, -1.0, 0.6])
    direction = rng.normal(size=3)
    direction /= np.linalg.norm(direction)
    if direction @ outward < 0:
        direction -= 2 * (direction @ outward) * outward
    return _CALYX_CENTRE + rng.uniform(32, 46) * direction


def _compartment_centre(label: str) -> np.ndarray:
    axis, fraction, offset = _PLACES[label]
    tip = _VERTICAL_TIP if axis == "vertical" else _MEDIAL_TIP
    return _HEEL + fraction * (tip - _HEEL) + np.asarray(offset, float)


def _at_compartments(compartments: tuple[str, ...], rng: np.random.Generator, spread: float) -> np.ndarray:
    centre = np.mean([_compartment_centre(c) for c in compartments], axis=0)
    return centre + rng.normal(0, spread, 3)


def _neuropils(compartments: tuple[str, ...]) -> str:
    """The FlyWire neuropils (MB_ML, MB_VL) of ``compartments``, joined with "." as FlyWire does."""
    neuropil = {c.label: c.neuropil for c in COMPARTMENTS}
    return ".".join(dict.fromkeys(neuropil[c] for c in compartments))


def _meta(seed: int, n_kc: int) -> dict[str, str]:
    return {
        "name": "Mushroom body (synthetic, brainview example)",
        "species": "Drosophila melanogaster",
        "version": f"brainview example mushroom-body, seed {seed}, {n_kc} Kenyon cells",
        "source": "brainview.connectome.examples.mushroom_body (built in code, offline); cell classes, "
                  "types and counts per type as in FlyWire v783 (right hemisphere)",
        "note": "wiring is synthetic: drawn at random from published anatomy, not reconstructed",
        "citation": (
            "Aso Y et al. (2014) The neuronal architecture of the mushroom body provides a logic for associative "
            "learning. eLife 3:e04577; Caron SJC et al. (2013) Random convergence of olfactory inputs in the "
            "Drosophila mushroom body. Nature 497:113-117; Hige T et al. (2015) Heterosynaptic plasticity "
            "underlies aversive olfactory learning in Drosophila. Neuron 88:985-998; names: Schlegel P et al. "
            "(2024) Whole-brain annotation and multi-connectome cell typing of Drosophila. Nature 634:139-152"
        ),
        "license": "MIT (the example network, as brainview itself)",
        "units": "position and radius: micrometres; chemical count: synapses (synthetic)",
        "positions": "schematic: placed by anatomy (antennal lobe, calyx, lobes), not measured",
        "coordinate_frame": "schematic, micrometres, in FlyWire's orientation: x to the fly's left (midline "
                            "at x = 0, this right hemisphere at x < 0), y ventral, z posterior; not registered "
                            "to a template",
        "seed": str(seed),
    }
