"""GLSL sources of the render visuals, read from the shipped ``shaders/`` folder by explicit name."""

from __future__ import annotations

from brainview.resources import resource

SHADER_FILES = (
    "neurons.vert.glsl",
    "neurons.frag.glsl",
    "activity.vert.glsl",
    "activity.frag.glsl",
    "edges.vert.glsl",
    "edges.frag.glsl",
    "outline_mesh.vert.glsl",
    "outline_mesh.frag.glsl",
    "frame_copy.vert.glsl",
    "frame_copy.frag.glsl",
)
"""Every shader file the visuals use (the tests check that each one is shipped)."""


def shader_source(name: str) -> str:
    """The text of ``shaders/<name>``.

    Parameters
    ----------
    name : str
        One of :data:`SHADER_FILES`, e.g. ``"neurons.vert.glsl"``.

    Raises
    ------
    ValueError
        If ``name`` is not a shader of brainview.
    FileNotFoundError
        If the installation lacks the file.
    """
    if name not in SHADER_FILES:
        raise ValueError(f"unknown shader {name!r}; shaders are {', '.join(SHADER_FILES)}")
    return resource("shaders", name).read_text(encoding="utf-8")


def vertex_and_fragment(stem: str) -> tuple[str, str]:
    """The vertex and fragment source of the shader pair ``<stem>.vert.glsl`` / ``<stem>.frag.glsl``."""
    return shader_source(f"{stem}.vert.glsl"), shader_source(f"{stem}.frag.glsl")
