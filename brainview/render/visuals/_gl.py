"""What the visuals share: their base class, driver limits and per-frame camera uniforms."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from vispy.visuals import Visual

from brainview.render.shaders import vertex_and_fragment

FALLBACK_MAX_POINT_PX = 64.0
"""Point size every OpenGL implementation supports, used when the driver cannot be asked."""


def max_point_size_px() -> float:
    """The largest point size (pixels) of the current OpenGL context.

    Must be called while a context is current (during a draw). Mesa's llvmpipe reports 255.
    """
    from vispy.gloo import gl

    try:
        low_high = gl.glGetParameter(gl.GL_ALIASED_POINT_SIZE_RANGE)
        return float(low_high[1])
    except Exception:  # a backend without the query: stay within the guaranteed range
        return FALLBACK_MAX_POINT_PX


def projective_matrix(transform) -> np.ndarray:
    """The 4 x 4 matrix (column-vector convention) of a chain of linear or projective transforms.

    vispy's transforms between the visual and the framebuffer (scale-translate, matrix,
    perspective) are all linear on homogeneous coordinates, so mapping the four basis vectors
    gives the matrix's columns.
    """
    basis = np.eye(4)
    return np.asarray(transform.map(basis), np.float64).T


@dataclass(frozen=True)
class CameraUniforms:
    """Per-frame values that let the shaders size and depth-shade spheres with one transform each.

    Parameters
    ----------
    eye : tuple of 4 float
        The viewer in homogeneous visual coordinates: ``(x, y, z, 1)`` for a perspective
        camera, ``(dx, dy, dz, 0)`` (unit direction towards the viewer) for an orthographic one.
        The direction towards the viewer from ``p`` is ``eye.xyz - p * eye.w``.
    px_per_um : float
        Framebuffer pixels per micrometre at clip ``w = 1``: an object of radius ``r`` whose
        clip ``w`` is ``w`` covers ``r * px_per_um / w`` pixels.
    depth : tuple of 4 float
        How NDC depth follows distance: perspective ``(a, b, 0, 1)`` with depth ``a + b / w``
        (``w`` is the distance along the view axis), orthographic ``(0, 0, s, 0)`` with depth
        falling by ``s`` per micrometre towards the viewer. A sphere's near surface then has
        depth ``a + b / (w - r)`` or ``depth - s * r``, without a second transform.
    """

    eye: tuple[float, float, float, float]
    px_per_um: float
    depth: tuple[float, float, float, float]


def camera_uniforms(transform) -> CameraUniforms:
    """The :class:`CameraUniforms` of a visual-to-framebuffer transform."""
    matrix = projective_matrix(transform)
    # the viewer is the point that x, y and w of clip space all vanish on: the preimage of the
    # clip-space direction (0, 0, 1, 0)
    eye = np.linalg.solve(matrix, np.array([0.0, 0.0, 1.0, 0.0]))
    perspective = abs(eye[3]) > 1e-9 * np.abs(eye[:3]).max()
    if perspective:
        eye = eye / eye[3]
        # z and w of clip space both grow with the distance along the view axis: z = a w + b
        w_row, z_row = matrix[3], matrix[2]
        a = float(z_row[:3] @ w_row[:3] / (w_row[:3] @ w_row[:3]))
        depth = (a, float(z_row[3] - a * w_row[3]), 0.0, 1.0)
    else:
        eye = np.r_[eye[:3] / np.linalg.norm(eye[:3]), 0.0]
        if matrix[2, :3] @ eye[:3] > 0:  # towards the viewer, depth must decrease
            eye = -eye
        depth = (0.0, 0.0, float(np.linalg.norm(matrix[2, :3])), 0.0)
    # a sideways step (no change of depth or of w) measures pixels per micrometre
    across = matrix[3, :3] if perspective else matrix[2, :3]
    step = np.array([
        across[1] * matrix[1, 2] - across[2] * matrix[1, 1],
        across[2] * matrix[1, 0] - across[0] * matrix[1, 2],
        across[0] * matrix[1, 1] - across[1] * matrix[1, 0],
    ])
    px_per_um = float(abs(matrix[0, :3] @ step) / np.sqrt(step @ step))
    return CameraUniforms(tuple(float(x) for x in eye), px_per_um, depth)


def positive(name: str, value: float) -> float:
    """``value`` as a float; ValueError naming ``name`` unless it is greater than 0."""
    if not value > 0:
        raise ValueError(f"{name} must be positive, was {value}")
    return float(value)


class ShaderVisual(Visual):
    """Base of brainview's visuals: a program from ``shaders/<shader>.{vert,frag}.glsl``.

    The vertex shaders place vertices through the ``$visual_to_framebuffer`` and
    ``$framebuffer_to_render`` hooks (the framebuffer step is where the sphere sizes and depths
    are computed). Subclasses count the bytes they upload in ``uploaded_bytes``.

    Parameters
    ----------
    shader : str
        Stem of the shader pair, e.g. ``"neurons"``.
    """

    def __init__(self, shader: str) -> None:
        vertex, fragment = vertex_and_fragment(shader)
        Visual.__init__(self, vcode=vertex, fcode=fragment)
        self.uploaded_bytes = 0
        self._max_point_px: float | None = None

    def draw(self) -> None:
        """Draw, then switch depth writes back on for whatever is drawn next.

        vispy sets only the GL state a visual names, and clears the depth buffer at the start of
        the next frame with whatever mask was left: a translucent visual (``depth_mask=False``)
        drawn last would stop the clear, and every later opaque visual, from writing depth.
        For a visual that writes depth itself this changes nothing.
        """
        from vispy.gloo import set_depth_mask

        Visual.draw(self)
        set_depth_mask(True)

    @staticmethod
    def _prepare_transforms(view) -> None:
        program = view.view_program
        program.vert["visual_to_framebuffer"] = view.get_transform("visual", "framebuffer")
        program.vert["framebuffer_to_render"] = view.get_transform("framebuffer", "render")

    def _prepare_sphere_uniforms(self, view) -> None:
        """Per frame, for the point-sprite shaders: ``u_px_per_um``, ``u_depth`` and ``u_max_point_px``.

        The driver's point size limit is asked once, at the first draw: asking needs a current
        context, which ``__init__`` may not have, and the answer never changes.
        """
        if self._max_point_px is None:
            self._max_point_px = max_point_size_px()
            self.shared_program["u_max_point_px"] = self._max_point_px
        uniforms = camera_uniforms(view.get_transform("visual", "framebuffer"))
        view.view_program["u_px_per_um"] = uniforms.px_per_um
        view.view_program["u_depth"] = uniforms.depth
