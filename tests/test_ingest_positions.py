"""Every rejected record says where it was: file and line, and its index in a JSON array."""

from __future__ import annotations

from pathlib import Path

import pytest

from searchsvc.documents import normalize_document
from searchsvc.errors import InvalidDocument
from searchsvc.ingest import Record, position, read_body, read_records


def places(records: list[Record]) -> list[tuple[str, str]]:
    """(where, id) of each good record and (where, "!" + error) of each bad one."""
    return [(r.where, r.document["id"] if r.document else "!" + (r.error or "")) for r in records]


def write(path: Path, content: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    return path


def test_elements_of_a_one_line_array_are_told_apart_by_index(tmp_path: Path) -> None:
    path = write(
        tmp_path / "a.json",
        '[{"id": "x"}, {"title": "no id"}, {"id": "y", "date": "soon"}, {"id": "z", "title": "too long"}]',
    )
    records = list(read_records([path], max_field_length=5))
    assert [(r.line, r.index) for r in records] == [(1, 0), (1, 1), (1, 2), (1, 3)]
    assert places(records) == [
        (f"{path}:1 (index 0)", "x"),
        (f"{path}:1 (index 1)", "!missing required field 'id'"),
        (
            f"{path}:1 (index 2)",
            "!date: 'soon' is not an ISO 8601 date (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS)",
        ),
        (f"{path}:1 (index 3)", "!field 'title' is longer than the limit of 5 characters"),
    ]


def test_array_elements_keep_the_line_they_start_on(tmp_path: Path) -> None:
    path = write(
        tmp_path / "a.json", '[\n  {"id": "x"},\n  {"id": "y",\n   "tags": 7},\n  {"id": "z", "x": NaN}\n]'
    )
    assert places(list(read_records([path]))) == [
        (f"{path}:2 (index 0)", "x"),
        (f"{path}:3 (index 1)", "!field 'tags' must be a list of strings, got int"),
        (f"{path}:5 (index 2)", "!invalid JSON: NaN is not allowed; rest of input skipped"),
    ]


def test_values_outside_an_array_have_no_index(tmp_path: Path) -> None:
    one = write(tmp_path / "one.json", '{"id": "solo"}')
    many = write(tmp_path / "many.json", '{"id": "a"}\n{"title": "b"}\n')
    assert places(list(read_records([one, many]))) == [
        (f"{one}:1", "solo"),
        (f"{many}:1", "a"),
        (f"{many}:2", "!missing required field 'id'"),
    ]


def test_strict_names_the_array_index(tmp_path: Path) -> None:
    path = write(tmp_path / "a.json", '[{"id": "x"}, {"title": "no id"}]')
    with pytest.raises(InvalidDocument) as info:
        list(read_records([path], strict=True))
    assert (info.value.source, info.value.line, info.value.details["index"]) == (str(path), 1, 1)
    assert str(info.value) == f"{path}:1: index 1: missing required field 'id'"


def test_request_body_array_elements_have_an_index() -> None:
    records = list(read_body(b'[{"id": "a"}, {"title": "no id"}]', "application/json"))
    assert [(r.line, r.index, r.error) for r in records] == [
        (1, 0, None),
        (1, 1, "missing required field 'id'"),
    ]
    assert records[1].where == "<request>:1 (index 1)"


def article(title: str = "T", lead: str = "L", body: str = "B", source: str = "Fakti") -> str:
    return (
        f"Last news in {source}\n"  # line 1
        f"\n{title}\n"  # 3
        f"\n\n{lead}\n"  # 6
        "\nNov 7, 2025 13:18 263\n"  # 8
        f"\n{title} - 1\n"  # 10: an image caption, dropped
        f"\n{body}\ngoes on.\n"  # 12
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (article(source="Fakti and more"), (1, "source")),
        (article(title="A long title"), (3, "title")),
        (article(lead="A long lead"), (6, "lead")),
        (article(body="The body"), (12, "body")),
        ("\n\nA long title\n", (3, "title")),
        ("\n\nTitle\nThe long body\n\nmore\n", (4, "body")),
        ("\n\nTitle\n\n\nThe long body\n", (6, "body")),
    ],
    ids=["source", "title", "lead", "body", "plain-title", "plain-body-after-title", "plain-body"],
)
def test_text_field_errors_point_at_the_field_line(
    tmp_path: Path, text: str, expected: tuple[int, str]
) -> None:
    path = write(tmp_path / "a.txt", text)
    [record] = read_records([path], max_field_length=10)
    line, field = expected
    assert (record.line, record.error) == (line, f"field {field!r} is longer than the limit of 10 characters")


def test_text_date_line_error_points_at_it_and_a_crlf_file_counts_the_same(tmp_path: Path) -> None:
    text = article().replace("Nov 7", "Nov 31")
    for name, content in (("lf.txt", text), ("crlf.txt", text.replace("\n", "\r\n"))):
        [record] = read_records([write(tmp_path / name, content)])
        assert (record.line, record.error) == (8, "invalid date line 'Nov 31, 2025 13:18 263'")


def test_csv_and_jsonl_field_errors_carry_the_record_line(tmp_path: Path) -> None:
    csv = write(tmp_path / "a.csv", 'id,title\na,ok\nb,"far\ntoo long"\n')
    jsonl = write(tmp_path / "a.jsonl", '{"id": "a"}\n\n{"id": "b", "date": "2025-02-30"}\n')
    assert places(list(read_records([csv, jsonl], max_field_length=5))) == [
        (f"{csv}:2", "a"),
        (f"{csv}:3", "!field 'title' is longer than the limit of 5 characters"),
        (f"{jsonl}:1", "a"),
        (
            f"{jsonl}:3",
            "!date: '2025-02-30' is not an ISO 8601 date (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS)",
        ),
    ]


def test_dates_the_reader_accepts_are_accepted_again_by_the_engine(tmp_path: Path) -> None:
    # The engine normalizes each document again, and a rejection there has no position:
    # the year 5 used to be stored as "5-01-01T00:00:00Z", which it then refused.
    path = write(
        tmp_path / "a.jsonl", '{"id": "a", "date": "0005-01-01"}\n{"id": "b", "date": "2025-11-07"}\n'
    )
    docs = [r.document for r in read_records([path])]
    assert [d["date"] for d in docs if d] == ["0005-01-01T00:00:00Z", "2025-11-07T00:00:00Z"]
    assert [normalize_document(d) for d in docs if d] == docs


def test_a_date_out_of_range_in_utc_is_a_rejection_with_its_line(tmp_path: Path) -> None:
    # This used to raise OverflowError out of the reader, ending the whole run.
    path = write(tmp_path / "a.jsonl", '{"id": "a"}\n{"id": "b", "date": "0001-01-01T00:00:00+01:00"}\n')
    assert places(list(read_records([path]))) == [
        (f"{path}:1", "a"),
        (f"{path}:2", "!date: '0001-01-01T00:00:00+01:00' is out of range once converted to UTC"),
    ]


def test_position_leaves_out_what_is_not_known() -> None:
    assert position("a.json", 3, 0) == "a.json:3 (index 0)"
    assert position("a.txt", None) == "a.txt"
    assert position(None, None, 2) == "index 2"
    assert position(None, None) == ""
