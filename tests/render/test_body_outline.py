"""The worm's body outline, derived from its cells' positions (no OpenGL)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

import brainview
from brainview.connectome.meshes import Mesh
from brainview.connectome.meshes.inside import MeshInterior
from brainview.render.appearance import measured_radii
from brainview.render.body_outline import OutlineParameters, body_outline, is_elongated


@pytest.fixture(scope="module")
def worm():
    return brainview.load_default()


@pytest.fixture(scope="module")
def outline(worm):
    return body_outline(worm.position, measured_radii(worm))


def test_every_cell_lies_inside_the_closed_outline(worm, outline):
    edges = Counter(tuple(sorted(edge)) for face in outline.faces.tolist()
                    for edge in ((face[0], face[1]), (face[1], face[2]), (face[2], face[0])))
    assert set(edges.values()) == {2}  # closed: every edge is shared by two triangles
    corners = outline.vertices.astype(float)[outline.faces]
    signed_volume = np.einsum("ij,ij->i", corners[:, 0], np.cross(corners[:, 1], corners[:, 2])).sum() / 6
    assert signed_volume > 0  # counter-clockwise seen from outside: drawn one-sided, the near side shows
    assert MeshInterior(outline).contains(worm.position).all()
    # and the cells' surfaces too: points one radius away along each axis
    radii = measured_radii(worm)[:, None]
    for axis in np.eye(3):
        assert MeshInterior(outline).contains(worm.position + radii * axis).all()


def test_the_outline_hugs_the_body(worm, outline):
    along = worm.position[:, 1]  # the OpenWorm worm runs along y, head at about -310
    extent = np.ptp(along)
    low, high = outline.vertices[:, 1].min(), outline.vertices[:, 1].max()
    assert low < along.min() and high > along.max()
    assert (high - low) == pytest.approx(extent, rel=0.12)  # only the rounded ends stick out
    # Tight: rings shrunk by a fifth towards their centres (more than the 3 um margin and a cell
    # radius) leave cells outside.
    sides, rings = OutlineParameters().sides, (len(outline.vertices) - 2) // OutlineParameters().sides
    ringed = outline.vertices[:-2].reshape(rings, sides, 3)
    centres = ringed.mean(axis=1, keepdims=True)
    shrunk = np.concatenate([(centres + 0.8 * (ringed - centres)).reshape(-1, 3), outline.vertices[-2:]])
    outside = ~MeshInterior(Mesh(shrunk, outline.faces)).contains(worm.position)
    assert outside.sum() > 10
    assert np.ptp(along[outside]) > extent / 2  # all along the body, not only at one place


def test_long_bodies_get_an_outline_and_brains_do_not(worm):
    assert is_elongated(worm.position)
    rng = np.random.default_rng(0)
    two_lobes = np.concatenate([rng.normal((-300, 0, 0), 40, (500, 3)), rng.normal((300, 0, 0), 40, (500, 3)),
                                rng.normal((0, 0, 0), 120, (300, 3))])
    assert not is_elongated(two_lobes)  # far apart optic lobes, as in a fly brain
    assert not is_elongated(worm.position[:3])


def test_parameters_and_bad_input(worm):
    coarse = body_outline(worm.position, parameters=OutlineParameters(stations=12, sides=8, cap_rings=3))
    assert len(coarse.vertices) == (12 + 2 * 2) * 8 + 2
    with pytest.raises(ValueError, match="at least two finite positions"):
        body_outline(np.array([[0.0, 0.0, 0.0], [np.nan, 0, 0]]))
    with pytest.raises(ValueError, match="more than one place"):
        body_outline(np.zeros((5, 3)))
