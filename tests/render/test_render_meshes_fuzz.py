"""Mutated mesh files give a valid mesh or a FormatError naming the file, never anything else."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brainview.connectome.io.errors import FormatError
from brainview.connectome.meshes import Mesh, read_mesh, write_obj, write_ply, write_stl

WRITERS = {
    "obj": (write_obj, {}),
    "ply-binary": (write_ply, {"binary": True}),
    "ply-ascii": (write_ply, {"binary": False}),
    "stl-binary": (write_stl, {"binary": True}),
    "stl-ascii": (write_stl, {"binary": False}),
}


def _valid_bytes(kind: str, folder) -> tuple[bytes, str]:
    vertices = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]], np.float32)
    faces = np.array([[0, 1, 2], [0, 1, 3], [1, 2, 3]])
    write, options = WRITERS[kind]
    suffix = kind.split("-")[0]
    path = write(Mesh(vertices, faces, "tetra"), folder / f"valid.{suffix}", **options)
    return path.read_bytes(), suffix


HOSTILE = [b"nan", b"inf", b"-1", b"1e39", b"99999999999", b"4294967295", b"\xff\xfe", b"\x00", b"", b" ", b"\n"]


@st.composite
def mutations(draw, data: bytes) -> bytes:
    data = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "hostile", "count"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 16))]
        elif kind == "truncate":
            del data[at:]
        elif kind == "hostile":
            data[at : at + draw(st.integers(0, 6))] = draw(st.sampled_from(HOSTILE))
        elif kind == "count":  # a huge element or triangle count where a header gives one
            for token in (b"element vertex ", b"element face "):
                where = data.find(token)
                if where >= 0:
                    end = data.find(b"\n", where)
                    data[where + len(token) : end] = draw(st.sampled_from([b"4000000000", b"-3", b"0"]))
            if len(data) >= 84 and draw(st.booleans()):
                data[80:84] = (2**31 + 7).to_bytes(4, "little")  # binary STL triangle count
    return bytes(data)


def _check(mesh: Mesh) -> None:
    assert mesh.vertices.dtype == np.float32 and mesh.vertices.ndim == 2 and mesh.vertices.shape[1] == 3
    assert np.isfinite(mesh.vertices).all()
    assert mesh.faces.dtype == np.uint32 and mesh.faces.ndim == 2 and mesh.faces.shape[1] == 3
    if mesh.faces.size:
        assert int(mesh.faces.max()) < mesh.vertices.shape[0]


@pytest.mark.parametrize("kind", list(WRITERS))
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_mutated_mesh_file_reads_as_a_valid_mesh_or_a_format_error(tmp_path_factory, kind, data):
    folder = tmp_path_factory.mktemp("mesh")
    valid, suffix = _valid_bytes(kind, folder)
    path = folder / f"mutated.{suffix}"
    path.write_bytes(data.draw(mutations(valid)))
    try:
        mesh = read_mesh(path)
    except FormatError as error:
        assert error.path == str(path)
        return
    _check(mesh)


def test_a_face_property_that_is_not_a_list_is_a_format_error(tmp_path):
    header = (
        "ply\nformat binary_little_endian 1.0\nelement vertex 3\nproperty float x\nproperty float y\n"
        "property float z\nelement face 1\nproperty int vertex_indices\nend_header\n"
    )
    body = np.zeros(9, "<f4").tobytes() + np.array([2], "<i4").tobytes()
    path = tmp_path / "scalar_face.ply"
    path.write_bytes(header.encode() + body)
    with pytest.raises(FormatError, match="face 0 is not a list"):
        read_mesh(path)
