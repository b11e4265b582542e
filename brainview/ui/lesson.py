"""Guided first experiments, as data: which groups to watch, what to drive, what to lesion.

The lesson window walks through the steps and performs each one through the same undoable
actions a user has, so a lesson leaves an ordinary experiment behind. No Qt here.
"""

from __future__ import annotations

from dataclasses import dataclass

from brainview.connectome import Connectome
from brainview.connectome.selectors import Selector

LEARNING_ACTIONS = ("plasticity on", "present A", "present B", "pair A", "reset weights")
"""What a lesson step may ask of the Learning panel (:mod:`brainview.ui.learning_panel`): make
the live run plastic, present odour A or B, pair A with reward, or put the weights back; the
presentations run one after another."""


@dataclass(frozen=True)
class LessonStep:
    """One step: words to read, and the actions the "Do it" button performs.

    Parameters
    ----------
    title : str
        A few words for the step list.
    text : str
        What to do and what to watch, in plain language (rich text allowed).
    stimuli : tuple of (str, float)
        Selectors to drive and their Poisson rates in Hz.
    lesions : tuple of (str, str)
        Selectors to lesion and the mode (``silence`` or ``ablate``).
    play : bool
        Start the simulation after the actions.
    learning : tuple of str
        Learning panel actions (:data:`LEARNING_ACTIONS`), in order, after the lesions.
    """

    title: str
    text: str
    stimuli: tuple[tuple[str, float], ...] = ()
    lesions: tuple[tuple[str, str], ...] = ()
    play: bool = False
    learning: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        unknown = [a for a in self.learning if a not in LEARNING_ACTIONS]
        if unknown:
            raise ValueError(f"unknown learning action {unknown[0]!r}; use one of {', '.join(LEARNING_ACTIONS)}")


@dataclass(frozen=True)
class Lesson:
    """A guided experiment on one kind of dataset.

    Parameters
    ----------
    title : str
        Shown in the Lesson menu and window.
    summary : str
        One paragraph: the question and the finding the lesson revisits.
    citation : str
        Where the finding comes from.
    groups : tuple of (str, str)
        Population-rate traces to show: (label, selector).
    probes : tuple of str
        Names of cells whose voltage to show.
    steps : tuple of LessonStep
        The steps, in order.
    model : tuple of (str, float)
        Model parameters the lesson sets (``ShiuParams`` names), explained in ``model_note``.
    model_note : str
        Why the lesson changes those parameters.
    """

    title: str
    summary: str
    citation: str
    groups: tuple[tuple[str, str], ...]
    probes: tuple[str, ...]
    steps: tuple[LessonStep, ...]
    model: tuple[tuple[str, float], ...] = ()
    model_note: str = ""

    def selectors(self) -> list[str]:
        """Every selector the lesson uses."""
        used = [selector for _, selector in self.groups]
        for step in self.steps:
            used += [s for s, _ in step.stimuli] + [s for s, _ in step.lesions]
        used += [f"name:{name}" for name in self.probes]
        return used

    def missing_in(self, connectome: Connectome) -> list[str]:
        """The selectors that select nothing in ``connectome`` (empty: the lesson fits).

        Lesson selectors name exact labels, so a look-up in each column's category set
        answers this at once, even for the 139,255 names of a whole fly brain.
        """
        labels: dict[str, set[str]] = {}
        missing = []
        for text in self.selectors():
            selector = Selector.parse(text)
            if selector.column not in labels:
                labels[selector.column] = set(connectome[selector.column].categories)
            if labels[selector.column].isdisjoint(selector.values):
                missing.append(text)
        return missing


TOUCH_CIRCUIT = Lesson(
    title="The touch escape circuit",
    summary=(
        "Touch a worm on the head and it backs away. Chalfie et al. (1985) traced the circuit in "
        "the electron-microscope reconstruction and tested it by killing cells with a laser: the "
        "anterior touch receptors ALML, ALMR and AVM feed the command interneurons AVA and AVD, "
        "which drive backward locomotion (AVB and PVC drive forward locomotion), and animals "
        "without these interneurons no longer respond to touch normally. Here you repeat the "
        "experiment on the simulated connectome of Cook et al. (2019)."
    ),
    model=(("w_syn_mV", 1.4),),
    model_note=(
        "The model's synaptic weight of 0.275 mV per synapse was fitted by Shiu et al. to the "
        "fly's synapse counts. This worm connectome counts electron-microscope sections of "
        "contact instead, and at 0.275 mV the touch receptors alone cannot bring any "
        "interneuron to threshold. The lesson sets the weight (w_syn, the toolbar's weight box) "
        "to 1.4 mV per section; at this weight the network stays silent until it is driven."
    ),
    citation=(
        "Chalfie M, Sulston JE, White JG, Southgate E, Thomson JN, Brenner S (1985). The neural "
        "circuit for touch sensitivity in Caenorhabditis elegans. J Neurosci 5:956-964."
    ),
    groups=(
        ("touch receptors ALM/AVM", "ALML,ALMR,AVM"),
        ("backward command AVA/AVD", "type:AVA,AVD"),
        ("forward command AVB/PVC", "type:AVB,PVC"),
        ("backward motor VA/DA", "type:VA,DA"),
    ),
    probes=("ALML", "AVAL", "AVDL"),
    steps=(
        LessonStep(
            "Drive the touch receptors",
            "Drive ALML, ALMR and AVM with Poisson input at 150 Hz, as a light touch to the head "
            "would excite them, and start the simulation. Watch the <b>rate</b> traces: the "
            "touch receptors fire at once, the command interneurons AVA/AVD follow at about a "
            "hundred spikes a second, and the backward motor neurons VA/DA fire after them. "
            "(In this simulation the forward command cells AVB/PVC fire too: the model has no "
            "mutual inhibition between the two command systems.)",
            stimuli=(("ALML,ALMR,AVM", 150.0),),
            play=True,
        ),
        LessonStep(
            "Lesion the command interneurons",
            "Silence AVA and AVD while the simulation keeps running, as Chalfie et al. did with a "
            "laser. A red marker appears in the traces at the moment of the lesion and the 3D "
            "view marks the lesioned cells. The AVA/AVD trace drops to zero, and so does the "
            "backward motor trace VA/DA: in this network the backward motor neurons get their "
            "drive through the command interneurons, while the touch receptors keep firing.",
            lesions=(("type:AVA,AVD", "silence"),),
        ),
        LessonStep(
            "Undo and compare",
            "Press Ctrl+Z to undo the lesion and watch the circuit respond again; Ctrl+Shift+Z "
            "redoes it. Try ablating instead of silencing (right-click AVA in the browser), or "
            "lesion the forward command cells AVB/PVC and compare.",
        ),
    ),
)
"""The first-run lesson on the embedded C. elegans connectome."""

_HIGE = ("Hige T, Aso Y, Modi MN, Rubin GM, Turner GC (2015). Heterosynaptic plasticity underlies aversive "
         "olfactory learning in Drosophila. Neuron 88:985-998.")
_ASO = ("Aso Y, Hattori D, Yu Y, et al. (2014). The neuronal architecture of the mushroom body provides a logic "
        "for associative learning. eLife 3:e04577.")

LEARNING_TEACHERS = Lesson(
    title="Learning needs its teachers",
    summary=(
        "In the fly's mushroom body about 2,000 Kenyon cells (KCs) each respond to few odours, and "
        "every KC synapses onto the output neurons (MBONs) of the lobe compartments its axon runs "
        "through. Aso et al. (2014) mapped 15 compartments, each with its own MBONs and its own "
        "dopaminergic neurons (DANs): PAM DANs, which signal reward, mostly in the horizontal lobes, PPL1 "
        "DANs, which signal punishment, in the vertical lobes and γ1-γ2. Hige et al. (2015) paired "
        "an odour with activation of a compartment's DANs and recorded its MBON: the synapses from "
        "the KCs that odour activates were depressed, and the MBON's response to that odour fell. "
        "Here you condition odour A with reward on a synthetic mushroom body (random wiring drawn "
        "from published anatomy) with plastic KC-to-MBON synapses, then take the teachers away. "
        "The Learning panel (a tab beside the traces) shows each compartment's summed KC-to-MBON weight "
        "against its start, and the MBONs' response to each presentation."
    ),
    citation=f"{_HIGE} {_ASO}",
    groups=(
        ("MBONs (the readout)", "class:MBON"),
        ("Kenyon cells", "class:Kenyon_Cell"),
        ("DANs (the teachers)", "class:DAN"),
        ("projection neurons", "class:ALPN"),
    ),
    probes=(),
    steps=(
        LessonStep(
            "Make the synapses plastic",
            "Switch plasticity on: the run starts again at t = 0 with every KC-to-MBON synapse "
            "plastic, taught by the DANs that share its compartment. A KC spike leaves an "
            "eligibility trace on its synapses for a few hundred milliseconds; a DAN spike "
            "depresses the eligible synapses of its compartment. In the panel's heatmap every "
            "row is a compartment (as its MBONs are labelled), white while the weights are as "
            "the connectome has them.",
            learning=("plasticity on",), play=True,
        ),
        LessonStep(
            "Test odours A and B",
            "Present odour A, then odour B: each drives the projection neurons of ten glomeruli "
            "at 150 Hz for half a second. A few percent of the Kenyon cells fire, and most MBONs "
            "with them. The panel's table notes the MBONs' mean response to each presentation: "
            "this is the pre-test. Every presentation of an odour repeats its projection neurons' "
            "spike trains, so a later test differs only where the synapses changed.",
            learning=("present A", "present B"),
        ),
        LessonStep(
            "Pair A with reward, three times",
            "Present odour A three times, each time driving the PAM DANs from 100 ms after the "
            "odour's onset to its end (the Kenyon cells must be active first). Watch the heatmap: "
            "the compartments of the horizontal lobes, γ3-γ5, β'1, β'2, β1, β2, and α1 in the "
            "vertical lobe, turn blue as their KC-to-MBON weights fall; the PPL1 compartments "
            "stay white, since the reward does not drive their DANs. (The first pairing's "
            "response is a little above A's alone: the DANs excite the MBONs too, by one synapse each.)",
            learning=("pair A", "pair A", "pair A"),
        ),
        LessonStep(
            "Test again: the response to A fell",
            "Present A and B again. The MBONs' response to A has fallen: the synapses from A's "
            "Kenyon cells were depressed where the reward's DANs teach. The response to B falls "
            "less, only through the Kenyon cells it shares with A. In the fly this shift in the "
            "MBONs' output steers the animal towards the odour that came with the reward.",
            learning=("present A", "present B"),
        ),
        LessonStep(
            "Put the weights back",
            "Reset the plastic weights to the connectome's: the heatmap turns white again.",
            learning=("reset weights",),
        ),
        LessonStep(
            "Silence the DANs",
            "Silence every DAN. In FlyWire's classification they belong to the steering "
            "subsystem, but here they are the mushroom body's teachers; the KCs and MBONs, "
            "the learning subsystem, are untouched and respond to odours as before.",
            lesions=(("class:DAN", "silence"),),
        ),
        LessonStep(
            "Pair A with reward again",
            "Pair A with reward three times, as before. The reward's drive reaches the PAM "
            "DANs, but silenced cells cannot fire, so no dopamine arrives: the heatmap stays "
            "white, whatever the Kenyon cells do.",
            learning=("pair A", "pair A", "pair A"),
        ),
        LessonStep(
            "Test: nothing was learned",
            "Present A and B: the MBONs respond exactly as in the pre-test (the table's change: "
            "+0%). Without its teachers the mushroom body learns nothing. Undo the lesion with "
            "Ctrl+Z and pair again to see learning return.",
            learning=("present A", "present B"),
        ),
    ),
)
"""Conditioning on the synthetic mushroom body (``brainview example mushroom-body``)."""

LESSONS = (TOUCH_CIRCUIT, LEARNING_TEACHERS)
"""Every lesson the Lesson menu offers (those that fit the open dataset are enabled)."""
