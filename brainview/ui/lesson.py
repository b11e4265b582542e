"""Guided first experiments, as data: which groups to watch, what to drive, what to lesion.

The lesson window walks through the steps and performs each one through the same undoable
actions a user has, so a lesson leaves an ordinary experiment behind. No Qt here.
"""

from __future__ import annotations

from dataclasses import dataclass

from brainview.connectome import Connectome
from brainview.connectome.selectors import Selector


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
    """

    title: str
    text: str
    stimuli: tuple[tuple[str, float], ...] = ()
    lesions: tuple[tuple[str, str], ...] = ()
    play: bool = False


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

LESSONS = (TOUCH_CIRCUIT,)
"""Every lesson the Lesson menu offers (those that fit the open dataset are enabled)."""
