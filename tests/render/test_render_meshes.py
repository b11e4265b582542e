"""OBJ, PLY and STL meshes: round trips through tmp_path and errors that say where (no OpenGL)."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from brainview.connectome.io.errors import FormatError
from brainview.connectome.meshes import (
    Mesh, parse_obj, parse_ply, parse_stl, read_mesh, write_obj, write_ply, write_stl,
)
from brainview.connectome.meshes.ply import generate_ply
from brainview.connectome.meshes.stl import generate_stl
from brainview.render.visuals.outline import vertex_normals

CUBE_VERTICES = np.array([[x, y, z] for x in (0, 2) for y in (0, 3) for z in (0, 5)], np.float32)
CUBE_QUADS = [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)]


def _cube() -> Mesh:
    triangles = [(a, b, c) for a, b, c, d in CUBE_QUADS] + [(a, c, d) for a, b, c, d in CUBE_QUADS]
    return Mesh(CUBE_VERTICES, np.array(triangles), "cube")


def _same_surface(a: Mesh, b: Mesh) -> bool:
    """Same set of triangles by their corner positions (vertex order and numbering may differ)."""
    def key(mesh):
        corners = np.round(mesh.vertices[mesh.faces.astype(np.int64)], 4)
        return sorted(tuple(sorted(map(tuple, triangle.tolist()))) for triangle in corners)
    return key(a) == key(b)


@pytest.mark.parametrize(("suffix", "write", "options"), [
    ("obj", write_obj, {}),
    ("ply", write_ply, {"binary": True}),
    ("ply", write_ply, {"binary": False}),
    ("stl", write_stl, {"binary": True}),
    ("stl", write_stl, {"binary": False}),
])
def test_meshes_round_trip(tmp_path, suffix, write, options):
    path = write(_cube(), tmp_path / f"cube.{suffix}", **options)
    mesh = read_mesh(path)
    assert mesh.faces.shape == (12, 3) and mesh.vertices.shape == (8, 3)
    assert _same_surface(mesh, _cube())
    assert mesh.name == f"cube.{suffix}"


def test_obj_polygons_negative_indices_and_extra_records():
    text = """# a quad and a triangle
o thing
v 0 0 0
v 1 0 0
v 1 1 0
v 0 1 0 1.0
vn 0 0 1
vt 0 0
f 1/1/1 2/1/1 3//1 4
f -1 -2 -3
usemtl skin
"""
    mesh = parse_obj(text)
    assert mesh.faces.tolist() == [[0, 1, 2], [0, 2, 3], [3, 2, 1]]


@pytest.mark.parametrize(("text", "line", "problem"), [
    ("v 0 0 0\nv 1 x 0\n", 2, "must be numbers"),
    ("v 0 0 0\nv 1 0\n", 2, "needs x, y and z"),
    ("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 4\n", 4, "does not exist"),
    ("v 0 0 0\nf 1 2\n", 2, "at least 3 corners"),
    ("v 0 0 0\nf a b c\n", 2, "vertex number"),
])
def test_obj_errors_name_the_line(text, line, problem):
    with pytest.raises(FormatError, match=problem) as caught:
        parse_obj(text, "shape.obj")
    assert caught.value.line == line and "shape.obj, line" in str(caught.value)


def test_ply_with_polygons_extra_properties_and_elements():
    header = "\n".join([
        "ply", "format binary_big_endian 1.0", "comment made by a test", "element vertex 4",
        "property double x", "property double y", "property double z", "property uchar red",
        "element face 1", "property uchar flags", "property list uchar int vertex_indices",
        "element edge 1", "property int vertex1", "property int vertex2", "end_header",
    ]) + "\n"
    vertices = b"".join(struct.pack(">dddB", *v, 200) for v in [(0, 0, 0), (1, 0, 0), (1, 1, 0), (0, 1, 0)])
    face = struct.pack(">BB4i", 7, 4, 0, 1, 2, 3)
    edge = struct.pack(">ii", 0, 2)
    mesh = parse_ply((header).encode() + vertices + face + edge)
    assert mesh.faces.tolist() == [[0, 1, 2], [0, 2, 3]]
    assert mesh.vertices[2].tolist() == [1.0, 1.0, 0.0]


@pytest.mark.parametrize(("data", "problem"), [
    (b"solid nothing\n", "no facets"),
    (b"hello", "neither a binary STL"),
])
def test_bad_stl_files(data, problem):
    with pytest.raises(FormatError, match=problem):
        parse_stl(data, "part.stl")


def test_stl_facets_need_three_vertices():
    text = b"solid s\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex 1 0 0\nendloop\nendfacet\nendsolid s\n"
    with pytest.raises(FormatError, match="3 vertices") as caught:
        parse_stl(text, "part.stl")
    assert caught.value.line == 6


def test_binary_stl_that_starts_with_solid_is_read_as_binary():
    data = generate_stl(_cube(), binary=True)
    data = b"solid but binary".ljust(80, b" ") + data[80:]
    assert _same_surface(parse_stl(data), _cube())


@pytest.mark.parametrize(("mutate", "problem"), [
    (lambda d: d.replace(b"binary_little_endian", b"binary_middle_endian"), "unknown format"),
    (lambda d: d[:-10], "ends inside the face element"),
    (lambda d: d.replace(b"property float z", b"property float w"), "lacks z"),
    (lambda d: d.replace(b"element vertex 8", b"element vertex 8 x"), None),
    (lambda d: d.replace(b"ply\n", b"plx\n"), "not a PLY file"),
])
def test_bad_ply_files(mutate, problem):
    data = mutate(generate_ply(_cube(), binary=True))
    if problem is None:
        parse_ply(data)  # a trailing word after the count is tolerated
        return
    with pytest.raises(FormatError, match=problem):
        parse_ply(data, "brain.ply")


def test_read_mesh_rejects_unknown_formats_and_missing_files(tmp_path):
    with pytest.raises(FormatError, match="unknown mesh format '.vtk'"):
        read_mesh(tmp_path / "brain.vtk")
    with pytest.raises(FileNotFoundError):
        read_mesh(tmp_path / "absent.obj")


def test_mesh_checks_and_scaling():
    with pytest.raises(ValueError, match="refer to vertices"):
        Mesh(CUBE_VERTICES, [[0, 1, 8]])
    scaled = _cube().scaled(1000.0, offset=(1, 2, 3))
    assert scaled.vertices[7].tolist() == [2001.0, 3002.0, 5003.0]


def test_vertex_normals_point_out_of_a_closed_cube():
    mesh = _cube()
    normals = vertex_normals(mesh.vertices, mesh.faces)
    outward = mesh.vertices - mesh.vertices.mean(axis=0)
    assert np.allclose(np.linalg.norm(normals, axis=1), 1.0)
    assert np.all(np.sum(normals * outward, axis=1) > 0)
