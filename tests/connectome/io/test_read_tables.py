"""The shared CSV helper: both engines, gzip by content, and errors that point at a line."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from brainview.connectome.io import FormatError
from brainview.connectome.io._columns import (
    Field,
    index_in,
    readable_names,
    sorted_categorical,
)
from brainview.connectome.io._tables import read_batches, read_table

FIELDS = (
    Field("pre", "int"),
    Field("post", "int", ("target",)),
    Field("count", "float"),
    Field("label", "text", required=False),
    Field("score", "float", required=False, missing_ok=True),
)
TEXT = "pre,target,count,label,score,ignored\n1,2,3.5,NA,0.5,x\n2,3,4,,,y\n3,1,1e1,b,nan,z\n"
ENGINES = ["pyarrow", "pandas"]


def write(path: Path, text: str, compress: bool = False) -> Path:
    path.write_bytes(gzip.compress(text.encode()) if compress else text.encode())
    return path


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("compress", [False, True])
def test_read_table_types_aliases_and_missing_values(tmp_path, engine, compress):
    # Gzip is recognised by content, whatever the file is called.
    table = read_table(write(tmp_path / "edges.csv", TEXT, compress), FIELDS, engine=engine)
    assert table.n_rows == 3 and table.source["post"] == "target"
    assert table["pre"].dtype == np.int64 and list(table["post"]) == [2, 3, 1]
    assert list(table["count"]) == [3.5, 4.0, 10.0]
    # Only an empty field is missing text: "NA" is a label (a cell type could be called that).
    assert list(table["label"].to_strings()) == ["NA", "", "b"]
    assert table["score"][0] == 0.5 and np.isnan(table["score"][1:]).all()


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("text", "line", "column", "got"),
    [
        ("pre,post,count\n1,2,3\n2,x,4\n", 3, "post", "'x'"),
        ("pre,post,count\n1,2,3\n2,3,4\n3,1,abc\n", 4, "count", "'abc'"),
        ("pre,post,count\n1,2,3\n2,3,\n", 3, "count", "an empty value"),
        ("pre,post,count\n1,2.5,3\n", 2, "post", "'2.5'"),
    ],
)
def test_bad_value_names_line_column_and_value(tmp_path, engine, text, line, column, got):
    with pytest.raises(FormatError) as info:
        read_table(write(tmp_path / "e.csv", text), FIELDS, engine=engine)
    error = info.value
    assert (error.line, error.column) == (line, column)
    assert got in str(error) and str(tmp_path / "e.csv") in str(error)


@pytest.mark.parametrize("engine", ENGINES)
def test_missing_column_lists_what_was_found(tmp_path, engine):
    with pytest.raises(FormatError) as info:
        read_table(write(tmp_path / "e.csv", "pre,dst,count\n1,2,3\n"), FIELDS, engine=engine)
    message = str(info.value)
    assert "missing column 'post' (or 'target')" in message and "'dst'" in message and info.value.line == 1


@pytest.mark.parametrize("engine", ENGINES)
def test_headerless_and_renamed_tables(tmp_path, engine):
    path = write(tmp_path / "e.csv", "1,2,3\n4,5,x\n")
    with pytest.raises(FormatError) as info:
        read_table(path, FIELDS[:3], names=["pre", "post", "count"], has_header=False, engine=engine)
    assert info.value.line == 2  # no header: data row 1 is line 2
    path = write(tmp_path / "c.csv", ",Completed\n7,True\n8,False\n")
    table = read_table(path, (Field("root_id", "int"),), names=["root_id", "Completed"], engine=engine)
    assert list(table["root_id"]) == [7, 8]


def test_ragged_row_is_reported_with_its_line(tmp_path):
    # pyarrow (the default engine) refuses rows whose field count differs from the header's.
    with pytest.raises(FormatError, match="expected 3 fields like the header, got 5") as info:
        read_table(write(tmp_path / "e.csv", "pre,post,count\n1,2,3\n1,2,3,4,5\n"), FIELDS[:3], engine="pyarrow")
    assert info.value.line == 3


def test_empty_unreadable_and_tab_separated_files(tmp_path):
    for text in ("", "\n\n"):
        with pytest.raises(FormatError, match="the file is empty"):
            read_table(write(tmp_path / "e.csv", text), FIELDS)
    with pytest.raises(FormatError, match="cannot read"):
        read_table(_truncated_gzip(tmp_path), FIELDS)
    table = read_table(write(tmp_path / "e.tsv", "pre\tpost\tcount\n1\t2\t3\n"), FIELDS[:3])
    assert list(table["count"]) == [3.0]


def _truncated_gzip(tmp_path: Path) -> Path:
    data = gzip.compress(b"pre,post,count\n" + b"1,2,3\n" * 1000)
    path = tmp_path / "broken.csv.gz"
    path.write_bytes(data[:20])
    return path


def test_helpers_sorted_categorical_index_and_names():
    column = sorted_categorical(np.array([1, 0, -1, 1]), ["b", "a", "unused"])
    assert column.categories == ("a", "b") and list(column.to_strings()) == ["a", "b", "", "a"]
    assert list(index_in(np.array([30, 10, 20]), np.array([10, 20, 40, 30]))) == [1, 2, -1, 0]
    assert list(index_in(np.array(["x", "y"]), np.array(["y", "z"]))) == [1, -1]
    names = readable_names(np.array(["A_L", "B_R", "B_R", ""], dtype=object), np.array([1, 2, 3, 4]))
    assert list(names) == ["A_L", "B_R_2", "B_R_3", "4"]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("compress", [False, True])
def test_read_batches_split_the_rows_of_read_table(tmp_path, engine, compress):
    rows = "".join(f"{i},{i + 1},{i / 2},{'ab'[i % 2]},\n" for i in range(7))
    path = write(tmp_path / "edges.csv", "pre,target,count,label,score\n" + rows, compress)
    batches = list(read_batches(path, FIELDS, batch_rows=3, engine=engine))
    assert [b.n_rows for b in batches] == [3, 3, 1] and [b.first_row for b in batches] == [0, 3, 6]
    whole = read_table(path, FIELDS, engine=engine)
    for name in ("pre", "post", "count", "score"):
        np.testing.assert_array_equal(np.concatenate([b[name] for b in batches]), whole[name])
    labels = np.concatenate([b["label"].to_strings() for b in batches])
    assert list(labels) == list(whole["label"].to_strings())
    # A row of a later batch is located at its line of the file.
    error = batches[1].error("bad", 1, "post")
    assert (error.line, error.column) == (6, "target")


@pytest.mark.parametrize("engine", ENGINES)
def test_read_batches_bad_value_in_a_later_batch_names_its_line(tmp_path, engine):
    text = "pre,post,count\n" + "".join(f"{i},{i},1\n" for i in range(5)) + "5,x,1\n"
    batches = read_batches(write(tmp_path / "e.csv", text), FIELDS[:3], batch_rows=2, engine=engine)
    with pytest.raises(FormatError) as info:
        list(batches)
    assert (info.value.line, info.value.column) == (7, "post") and "'x'" in str(info.value)


def test_read_batches_check_the_header_at_once(tmp_path):
    with pytest.raises(FormatError, match="missing column 'post'"):
        read_batches(write(tmp_path / "e.csv", "pre,dst,count\n1,2,3\n"), FIELDS)
    with pytest.raises(FormatError, match="the file is empty"):
        read_batches(write(tmp_path / "e.csv", ""), FIELDS)
    header_only = read_batches(write(tmp_path / "e.csv", "pre,post,count\n"), FIELDS[:3])
    assert sum(b.n_rows for b in header_only) == 0


def test_read_batches_stream_a_file_larger_than_one_block(tmp_path):
    # About 6 MB of text: more than one block of pyarrow's streaming reader.
    path = write(tmp_path / "big.csv.gz", "pre,post,count\n" + "100000,200000,3\n" * 400_000, compress=True)
    batches = list(read_batches(path, FIELDS[:3], engine="pyarrow"))
    assert len(batches) > 1 and sum(b.n_rows for b in batches) == 400_000
    assert [b.first_row for b in batches] == list(np.cumsum([0] + [b.n_rows for b in batches[:-1]]))
    assert all((b["count"] == 3).all() for b in batches)


# -- hostile input (found by fuzzing, tests/connectome/io/test_fuzz_text_readers.py) ------------
@pytest.mark.parametrize("engine", ENGINES)
def test_header_field_beyond_the_csv_modules_limit(tmp_path, engine):
    # The csv module refuses fields over 131,072 characters; the header is split with it.
    path = write(tmp_path / "e.csv", "pre,post," + "x" * 140_000 + "\n1,2,3\n")
    with pytest.raises(FormatError) as info:
        read_table(path, FIELDS[:3], engine=engine)
    assert info.value.path == str(path) and info.value.line == 1 and len(str(info.value)) < 500


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("column", [2, 5])  # a column that is read, and one that is not
def test_invalid_utf8_in_a_data_row_names_its_line(tmp_path, engine, column):
    rows = [b"pre,target,count,label,score,ignored", b"1,2,3,a,0.5,x", b"2,3,4,b,0.1,y", b"3,1,1,c,0.2,z"]
    fields = rows[2].split(b",")
    fields[column] += b"\xff"  # a byte that starts no UTF-8 character
    rows[2] = b",".join(fields)
    path = tmp_path / "e.csv"
    path.write_bytes(b"\n".join(rows) + b"\n")
    with pytest.raises(FormatError, match="not UTF-8") as info:
        read_table(path, FIELDS, engine=engine)
    assert info.value.path == str(path) and info.value.line == 3


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("value", "expected"),
    [("9223372036854775808", "an integer within int64"), ("1" * 1_000_000, "an integer within int64")],
)
def test_integer_beyond_int64_names_line_and_column(tmp_path, engine, value, expected):
    path = write(tmp_path / "e.csv", f"pre,post,count\n1,2,3\n{value},2,3\n")
    with pytest.raises(FormatError, match=expected) as info:
        read_table(path, FIELDS[:3], engine=engine)
    assert (info.value.line, info.value.column) == (3, "pre") and len(str(info.value)) < 500


@pytest.mark.parametrize("engine", ENGINES)
def test_bounds_and_float32_range_of_numeric_fields(tmp_path, engine):
    fields = (Field("pre", "int"), Field("count", "int", minimum=0, maximum=100), Field("w", "float"))
    for row, column, got in (("1,-1,2", "count", "'-1'"), ("1,101,2", "count", "'101'"), ("1,5,1e39", "w", "'1e39'"),
                             ("1,5,inf", "w", "'inf'")):
        path = write(tmp_path / "e.csv", f"pre,count,w\n1,2,3\n{row}\n")
        with pytest.raises(FormatError) as info:
            read_table(path, fields, engine=engine)
        assert (info.value.line, info.value.column) == (3, column) and got in str(info.value)
    table = read_table(write(tmp_path / "e.csv", "pre,count,w\n1,100,3.4e38\n"), fields, engine=engine)
    assert table["count"][0] == 100 and table["w"][0] == 3.4e38


@pytest.mark.parametrize("engine", ENGINES)
def test_header_names_with_blanks_blank_lines_and_repeats(tmp_path, engine):
    # Blanks around header names are stripped (as the fields are matched), blank lines before
    # the header skipped; a column the reader needs must not appear twice.
    path = write(tmp_path / "e.csv", "\n\n pre , target ,count\n1,2,3\n2,3,x\n")
    with pytest.raises(FormatError) as info:
        read_table(path, FIELDS[:3], engine=engine)
    assert (info.value.line, info.value.column) == (5, "count")
    table = read_table(write(tmp_path / "e.csv", "\n pre , target ,count,x,x\n1,2,3,4,5\n"), FIELDS[:3], engine=engine)
    assert list(table["post"]) == [2]
    with pytest.raises(FormatError, match="'pre' appears 2 times") as info:
        read_table(write(tmp_path / "e.csv", "pre,target,pre,count\n1,2,3,4\n"), FIELDS[:3], engine=engine)
    assert info.value.line == 1
    for text in ("pre,target,count", "\npre,target,count"):  # a header alone, without a line end
        table = read_table(write(tmp_path / "e.csv", text), FIELDS[:3], engine=engine)
        assert table.n_rows == 0 and table["pre"].dtype == np.int64


@pytest.mark.parametrize("engine", ENGINES)
def test_parse_errors_and_corrupt_gzip_are_one_line_format_errors(tmp_path, engine):
    for data in (b'pre,target,count\n1,2,"3\n4,5,6\n', gzip.compress(b"pre,target,count\n1,2,3\n")[:-12] + b"\x00" * 12):
        path = tmp_path / "e.csv"
        path.write_bytes(data)
        with pytest.raises(FormatError) as info:
            read_table(path, FIELDS[:3], engine=engine)
        assert info.value.path == str(path) and "\n" not in str(info.value)


def test_long_labels_and_nul_characters_are_kept_exactly():
    # No fixed-width copy: a 140,000-character label costs its own size, not the width of all.
    column = sorted_categorical(np.array([0, 1]), ["b" * 140_000, "a\x00"])
    assert column.categories == ("a\x00", "b" * 140_000)
    names = readable_names(np.array(["a\x00", "a", "a"], dtype=object), np.array([1, 2, 3]))
    assert list(names) == ["a\x00", "a_2", "a_3"]
