"""Readers of searchsvc.ingest: each format as plain data in, exact records out."""

from __future__ import annotations

import codecs
import io
import json
import random
from pathlib import Path
from typing import Any

import pytest

from searchsvc.errors import InputFormatError, InvalidDocument
from searchsvc.ingest import FORMATS, Record, detect_format, read_body, read_records
from searchsvc.ingest.jsonfiles import read_json
from searchsvc.ingest.text import parse_text

SEEDS = Path(__file__).parent.parent / "seeds"
SEED = SEEDS / "pokrovsk-fakti-2025-11-07.txt"
SEED_TITLE = "Russian forces advance in Pokrovsk: Taking it would give Putin a major victory"


def summary(records: list[Record]) -> list[tuple[int | None, str]]:
    """(line, id) of each good record and (line, "!" + error) of each bad one."""
    return [(r.line, r.document["id"] if r.document else "!" + (r.error or "")) for r in records]


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


# Plain text


def test_seed_article_fields() -> None:
    [record] = list(read_records([SEED]))
    assert record.ok and record.error is None
    assert record.source == str(SEED)
    assert record.line == 1
    assert record.note is None
    doc = record.document
    assert doc is not None
    assert doc["id"] == "pokrovsk-fakti-2025-11-07.txt"
    assert doc["source"] == "Fakti"
    assert doc["title"] == SEED_TITLE
    assert doc["lead"] == (
        "Some Western military analysts say taking Pokrovsk would give Russia a major victory,"
        " especially if it can do so by the end of the year"
    )
    assert doc["date"] == "2025-11-07T13:18:00Z"
    assert doc["views"] == 263
    paragraphs = doc["body"].split("\n\n")
    assert paragraphs[0].startswith("Russian forces are advancing on the eastern Ukrainian town of Pokrovsk,")
    assert paragraphs[-1].endswith("due to restrictions on access to information in the war zone.")
    assert "What is Pokrovsk?" in paragraphs
    assert SEED_TITLE + " - 1" not in doc["body"]
    assert all(p == p.strip() and p for p in paragraphs)
    assert set(doc) == {"id", "source", "title", "lead", "date", "views", "body"}


def test_article_without_lead_with_crlf_and_captions_between_paragraphs() -> None:
    text = (
        "Last news in Novinite\r\n\r\nA title\r\n\r\nMar 2, 2024 09:05\r\n\r\n"
        "A title - 1\r\n\r\nFirst.\r\n\r\nA title - 2\r\n\r\nSecond\r\nline.\r\n"
    )
    assert parse_text(text, "x.txt") == {
        "id": "x.txt",
        "source": "Novinite",
        "title": "A title",
        "date": "2024-03-02T09:05:00",
        "body": "First.\n\nSecond\nline.",
    }


def test_article_with_impossible_date_is_rejected_at_the_date_line(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", "Last news in Fakti\n\nT\n\nL\n\nFeb 30, 2025 10:00 5\n\nBody\n")
    assert summary(list(read_records([path]))) == [(7, "!invalid date line 'Feb 30, 2025 10:00 5'")]


def test_other_text_falls_back_to_title_and_body(tmp_path: Path) -> None:
    path = write(tmp_path / "note.txt", "\n\n  My title  \nsecond line\n\n\n\nlast paragraph  \n")
    [record] = list(read_records([path]))
    assert record.document == {
        "id": "note.txt",
        "title": "My title",
        "body": "second line\n\nlast paragraph",
    }


@pytest.mark.parametrize("name", ["empty.txt", "empty.jsonl", "empty.json", "empty.csv", "blank.txt"])
def test_an_empty_file_of_any_format_holds_no_documents_and_is_said_so(tmp_path: Path, name: str) -> None:
    path = write(tmp_path / name, " \n\n" if name.startswith("blank") else "")
    empty: list[str] = []
    assert list(read_records([path], on_empty=empty.append)) == []
    assert empty == [str(path)]


def test_latin1_text_file_is_decoded_and_the_guess_reported(tmp_path: Path) -> None:
    # Like the BBC's one Latin-1 article: ASCII but for a pound sign, which a detector
    # free to choose any encoding reads as Shift JIS.
    text = (
        "Chelsea sack Mutu\n\nChelsea have sacked Adrian Mutu after he failed a drugs test.\n\n"
        "Chelsea have decided to write off a possible transfer fee for Mutu, a \u00a315.8m signing"
        " from Parma last season.\n"
    )
    path = write(tmp_path / "latin1.txt", text.encode("latin-1"))
    good = write(tmp_path / "ok.txt", "Title\nbody\n")
    latin, utf8 = read_records([path, good])
    assert (latin.line, latin.error, latin.note) == (1, None, "not UTF-8: decoded as cp1252")
    assert latin.document is not None
    assert latin.document["title"] == "Chelsea sack Mutu"
    assert "a \u00a315.8m signing" in latin.document["body"]
    assert (utf8.document, utf8.note) == ({"id": "ok.txt", "title": "Title", "body": "body"}, None)


RUSSIAN = "Новости\nВ Славянске прошёл митинг, жители требовали мира.\n"


@pytest.mark.parametrize(
    ("encoding", "text"),
    [
        ("cp1252", "Café crème\nZürich, €5 – a naïve “quote”.\n"),
        ("cp1251", RUSSIAN),
        ("koi8_r", RUSSIAN),
        ("utf_16", "Café\nУ Слов'янську.\n"),
    ],
)
def test_legacy_encodings_are_detected(tmp_path: Path, encoding: str, text: str) -> None:
    path = write(tmp_path / "legacy.txt", text.encode(encoding))
    [record] = read_records([path])
    title, _, body = text.partition("\n")
    assert record.document == {"id": "legacy.txt", "title": title, "body": body.strip()}
    assert record.note == f"not UTF-8: decoded as {encoding}"


def test_text_in_an_encoding_we_do_not_read_is_rejected_not_garbled(tmp_path: Path) -> None:
    greek = "Η κυβέρνηση ανακοίνωσε νέα μέτρα\nγια την οικονομία και την ανάπτυξη της χώρας.\n" * 2
    path = write(tmp_path / "greek.txt", greek.encode("cp1253"))
    assert summary(list(read_records([path]))) == [
        (
            1,
            "!not valid UTF-8: byte 0xc7 at line 1, nor in a known legacy encoding"
            " (cp1252, cp1251, koi8_r, koi8_u, cp866, cp1250)",
        )
    ]


@pytest.mark.parametrize("bom", [b"", codecs.BOM_UTF8])
def test_utf8_text_needs_no_guess(tmp_path: Path, bom: bytes) -> None:
    path = write(tmp_path / "u.txt", bom + "Café £15\nbody\n".encode())
    [record] = read_records([path])
    assert (record.document, record.note) == ({"id": "u.txt", "title": "Café £15", "body": "body"}, None)


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)) * 4,
        # No NUL byte, so the detector itself has to see that this is no text.
        b"\x89" + bytes(byte or 1 for byte in random.Random(13).randbytes(3000)),
    ],
    ids=["png", "random-without-nul"],
)
def test_binary_file_is_rejected_as_binary_not_decoded(tmp_path: Path, data: bytes) -> None:
    path = write(tmp_path / "image.txt", data)
    assert summary(list(read_records([path]))) == [
        (None, "!binary data, not text (byte 0x89 at line 1 is not UTF-8)")
    ]


# JSON Lines


def test_jsonl_bad_lines_are_reported_and_good_ones_still_come(tmp_path: Path) -> None:
    lines = [
        '{"id": "a", "title": "A", "tags": ["x", "y"]}',
        '{"id": "b", "title": ',
        '{"id": "c"}',
        "",
        '{"title": "no id"}',
        '{"id": "e", "date": "yesterday"}',
        '{"id": "f", "title": ["not", "text"]}',
        "[1, 2]",
        '{"id": "h", "date": "2025-11-07T15:18:00+02:00"}',
    ]
    path = write(tmp_path / "docs.jsonl", "\n".join(lines) + "\n")
    records = list(read_records([path]))
    assert summary(records) == [
        (1, "a"),
        (2, "!invalid JSON: Expecting value at column 22"),
        (3, "c"),
        (5, "!missing required field 'id'"),
        (6, "!date: 'yesterday' is not an ISO 8601 date (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS)"),
        (7, "!field 'title' must be a string, got list"),
        (8, "!a document must be a JSON object, got array"),
        (9, "h"),
    ]
    assert {r.source for r in records} == {str(path)}
    assert records[0].document == {"id": "a", "title": "A", "tags": ["x", "y"]}
    assert records[-1].document == {"id": "h", "date": "2025-11-07T13:18:00Z"}


def test_jsonl_invalid_utf8_line_is_a_bad_record(tmp_path: Path) -> None:
    data = b'\xef\xbb\xbf{"id": "a"}\r\n{"id": "b", "title": "caf\xe9"}\n{"id": "c"}'
    path = write(tmp_path / "docs.ndjson", data)
    assert summary(list(read_records([path]))) == [
        (1, "a"),
        (2, "!not valid UTF-8: byte 0xe9 at column 26"),
        (3, "c"),
    ]


def test_jsonl_rejects_nan_and_lone_surrogates(tmp_path: Path) -> None:
    path = write(tmp_path / "d.jsonl", '{"id": "a", "x": NaN}\n{"id": "b", "t": "\\udc80"}\n{"id": "c"}\n')
    assert summary(list(read_records([path]))) == [
        (1, "!invalid JSON: NaN is not allowed"),
        (2, "!invalid JSON: a \\u escape encodes half of a surrogate pair"),
        (3, "c"),
    ]


# JSON


ARRAY_DOCS: list[dict[str, Any]] = [
    {"id": "a", "title": "Покровськ – Pokrovsk 🙂", "views": 12345},
    {"id": "b", "body": 'quotes " and \\ and \u00e9', "tags": ["x"], "score": -1.5e10},
    {"id": 3, "nested": {"list": [1, 2, {"deep": None}]}, "flag": True},
    {"id": "d", "views": 7},
]


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 5, 16, 64, 1 << 20])
def test_json_array_streams_across_chunk_boundaries(chunk_size: int) -> None:
    text = "[\n" + ",\n".join(json.dumps(doc, ensure_ascii=False, indent=2) for doc in ARRAY_DOCS) + "\n]\n"
    starts = [n for n, line in enumerate(text.split("\n"), start=1) if line == "{"]
    records = list(read_json(io.BytesIO(text.encode("utf-8")), source="s.json", chunk_size=chunk_size))
    assert [r.document for r in records] == [{**doc, "id": str(doc["id"])} for doc in ARRAY_DOCS]
    assert [r.line for r in records] == starts == [2, 7, 15, 28]
    assert {r.source for r in records} == {"s.json"}


@pytest.mark.parametrize("chunk_size", [1, 4, 1 << 20])
def test_json_array_bad_elements(chunk_size: int) -> None:
    data = b'[{"id": "a"},\n 42,\n {"title": "no id"},\n {"id": "b\xff"},\n {"id": "\\ud800"},\n {"id": "c"}]'
    records = list(read_json(io.BytesIO(data), source="s.json", chunk_size=chunk_size))
    assert summary(records) == [
        (1, "a"),
        (2, "!a document must be a JSON object, got number"),
        (3, "!missing required field 'id'"),
        (4, "!not valid UTF-8: byte 0xff at line 4"),
        (5, "!invalid JSON: a \\u escape encodes half of a surrogate pair"),
        (6, "c"),
    ]


@pytest.mark.parametrize("chunk_size", [1, 1 << 20])
def test_json_syntax_error_keeps_earlier_elements_and_stops(chunk_size: int) -> None:
    data = b'[\n{"id": "a"},\n{"id": "b",\n "title": tru},\n{"id": "c"}\n]'
    records = list(read_json(io.BytesIO(data), source="s.json", chunk_size=chunk_size))
    assert summary(records) == [
        (2, "a"),
        (3, "!invalid JSON at line 4: Expecting value; rest of input skipped"),
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"[]", []),
        (b"", []),
        (b'[{"id": "a"}', [(1, "a"), (1, "!invalid JSON: the array is not closed")]),
        (b'[{"id": "a"}] {}', [(1, "a"), (1, "!invalid JSON: extra data after the array")]),
        (
            b'[{"id": "a"} {"id": "b"}]',
            [(1, "a"), (1, "!invalid JSON: expecting ',' or ']'; rest of input skipped")],
        ),
        (b'{"id": "a"}\n{"id": "b"}\n', [(1, "a"), (2, "b")]),
    ],
)
def test_json_edge_cases(data: bytes, expected: list[tuple[int, str]]) -> None:
    assert summary(list(read_json(io.BytesIO(data), source="s.json", chunk_size=3))) == expected


def test_json_file_with_one_object_is_one_document(tmp_path: Path) -> None:
    path = write(tmp_path / "one.json", '\n\n{"id": "solo", "title": "Only one", "date": "2025-01-02"}\n')
    [record] = list(read_records([path]))
    assert (record.source, record.line) == (str(path), 3)
    assert record.document == {"id": "solo", "title": "Only one", "date": "2025-01-02T00:00:00Z"}


# CSV


def test_csv_with_tags_multiline_fields_and_bad_rows(tmp_path: Path) -> None:
    data = (
        (
            "\ufeffid,title,body,tags,date,views\r\n"
            'a,First,"two\r\nlines","war, Ukraine ,",2025-11-07,263\r\n'
            "b,Second,,,,\r\n"
            "c,Too,many,fields,2025-11-07,1,extra\r\n"
            ",No id,x,,,\r\n"
            "e,Bad date,x,,07/11/2025,\r\n"
        ).encode()
        + b"f,Caf\xe9,x,,,\r\n"
        + b"g,Last,x,,,\r\n"
    )
    path = write(tmp_path / "news.csv", data)
    records = list(read_records([path]))
    assert summary(records) == [
        (2, "a"),
        (4, "b"),
        (5, "!row has 7 fields, the header has 6"),
        (6, "!missing required field 'id'"),
        (7, "!date: '07/11/2025' is not an ISO 8601 date (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS)"),
        (8, "!not valid UTF-8"),
        (9, "g"),
    ]
    assert records[0].document == {
        "id": "a",
        "title": "First",
        "body": "two\r\nlines",
        "tags": ["war", "Ukraine"],
        "date": "2025-11-07T00:00:00Z",
        "views": "263",
    }
    assert records[1].document == {"id": "b", "title": "Second"}


def test_csv_duplicate_header_column_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", "id,title,title\n1,a,b\n")
    assert summary(list(read_records([path]))) == [(1, "!invalid CSV header: column 'title' appears twice")]


# Folders and paths


def make_tree(root: Path) -> None:
    write(root / "b.txt", "B title\nB body")
    write(root / "a" / "x.jsonl", '{"id": "j1"}\n{"id": "j2"}\n')
    write(root / "a" / "b.txt", "AB title\n")
    write(root / "a" / "sub" / "deep.txt", "Deep title\n")
    write(root / "a.txt", "A title\n")
    write(root / "c.csv", "id,title\nc1,C\n")
    write(root / "notes.md", "# not a document")
    write(root / ".hidden.txt", "hidden")
    write(root / ".git" / "x.txt", "hidden folder")
    write(root / "z" / ".secret" / "y.txt", "hidden folder")


def test_folder_is_read_recursively_in_sorted_order_with_relative_ids(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    make_tree(root)
    skipped: list[str] = []
    records = list(read_records([root], on_skip=skipped.append))
    # Depth first, in the order of the relative paths as strings ("a.txt" < "a/...").
    assert [
        (Path(r.source).relative_to(root).as_posix(), r.document["id"]) for r in records if r.document
    ] == [
        ("a.txt", "a.txt"),
        ("a/b.txt", "a/b.txt"),
        ("a/sub/deep.txt", "a/sub/deep.txt"),
        ("a/x.jsonl", "j1"),
        ("a/x.jsonl", "j2"),
        ("b.txt", "b.txt"),
        ("c.csv", "c1"),
    ]
    assert all(r.ok for r in records)
    assert skipped == [str(root / "notes.md")]
    # The same tree read through a relative spelling gives the same ids.
    again = list(read_records([str(tmp_path / "corpus" / ".." / "corpus")]))
    assert [r.document for r in again] == [r.document for r in records]


def test_ids_from_a_root_do_not_depend_on_the_folder_given(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write(corpus / "plain.txt", "Top\n")
    write(corpus / "sub" / "plain.txt", "Nested\n")
    write(corpus / "sub" / "d.jsonl", '{"id": "j"}\n')

    def ids(path: Path, root: Path | str | None) -> list[str]:
        return [r.document["id"] for r in read_records([path], root=root) if r.document]

    # Without a root, the ids are relative to the folder given, as they always were:
    # sub/plain.txt becomes "plain.txt" when sub is given, and collides with the top file.
    assert ids(corpus, None) == ["plain.txt", "j", "sub/plain.txt"]
    assert ids(corpus / "sub", None) == ["j", "plain.txt"]
    for root in (corpus, str(tmp_path / "corpus" / "sub" / "..")):
        assert ids(corpus, root) == ["plain.txt", "j", "sub/plain.txt"]
        assert ids(corpus / "sub", root) == ["j", "sub/plain.txt"]
        assert ids(corpus / "sub" / "plain.txt", root) == ["sub/plain.txt"]
    assert ids(corpus / "sub", tmp_path) == ["j", "corpus/sub/plain.txt"]


def test_root_must_be_a_folder_holding_every_path(tmp_path: Path) -> None:
    inside = write(tmp_path / "corpus" / "a.txt", "A\n")
    outside = write(tmp_path / "other" / "b.txt", "B\n")
    with pytest.raises(InputFormatError, match=r"b\.txt: not inside the root folder .*corpus$"):
        read_records([inside, outside], root=tmp_path / "corpus")
    records = read_records((p for p in [inside, outside]), root=tmp_path / "corpus")
    assert next(records).document == {"id": "a.txt", "title": "A"}
    with pytest.raises(InputFormatError, match="not inside the root folder"):
        next(records)
    with pytest.raises(InputFormatError, match=r"a\.txt: the root is not a folder"):
        read_records([inside], root=inside)
    with pytest.raises(InputFormatError, match="the root is not a folder"):
        read_records([inside], root=tmp_path / "missing")


def test_explicit_format_applies_to_every_file(tmp_path: Path) -> None:
    path = write(tmp_path / "export.dat", '{"id": "a"}\n')
    with pytest.raises(InputFormatError, match=r"export\.dat: unknown file type"):
        read_records([path])
    assert summary(list(read_records([path], format="jsonl"))) == [(1, "a")]
    assert summary(list(read_records(path, format="NDJSON"))) == [(1, "a")]


def test_unknown_format_name() -> None:
    with pytest.raises(
        InputFormatError, match="unknown format 'xml': expected one of text, jsonl, json, csv"
    ):
        read_records([SEED], format="xml")


def test_missing_path_raises_before_anything_is_read(tmp_path: Path) -> None:
    missing = tmp_path / "nope.jsonl"
    with pytest.raises(InputFormatError) as info:
        read_records([SEED, missing])
    assert str(info.value) == f"{missing}: no such file or folder"
    assert info.value.status == 400


def test_missing_path_from_a_lazy_iterable_raises_when_reached(tmp_path: Path) -> None:
    records = read_records(p for p in [SEED, tmp_path / "nope.txt"])
    assert next(records).ok
    with pytest.raises(InputFormatError, match="no such file or folder"):
        next(records)


def test_strict_raises_on_first_bad_record(tmp_path: Path) -> None:
    path = write(tmp_path / "d.jsonl", '{"id": "a"}\n{"id": "b", "date": "soon"}\n{"title": "x"}\n')
    records = read_records([path], strict=True)
    assert next(records).document == {"id": "a"}
    with pytest.raises(InvalidDocument) as info:
        next(records)
    assert (info.value.source, info.value.line) == (str(path), 2)
    assert str(info.value).startswith(f"{path}:2: date: 'soon' is not an ISO 8601 date")


def test_max_field_length_rejects_long_fields(tmp_path: Path) -> None:
    path = write(
        tmp_path / "d.jsonl", '{"id": "a", "title": "short"}\n{"id": "b", "title": "much too long"}\n'
    )
    assert summary(list(read_records([path], max_field_length=5))) == [
        (1, "a"),
        (2, "!field 'title' is longer than the limit of 5 characters"),
    ]


def test_detect_format() -> None:
    assert FORMATS == ("text", "jsonl", "json", "csv")
    assert [detect_format(n) for n in ["a.TXT", "b.jsonl", "c.ndjson", "d.json", "e.csv", "f.md", "g"]] == [
        "text",
        "jsonl",
        "jsonl",
        "json",
        "csv",
        None,
        None,
    ]


# Request bodies


def test_read_body_json_array_object_and_ndjson() -> None:
    array = b'[{"id": "a"}, {"title": "no id"}]'
    assert summary(list(read_body(array, "application/json; charset=utf-8"))) == [
        (1, "a"),
        (1, "!missing required field 'id'"),
    ]
    assert summary(list(read_body(b'{"id": "solo"}', "json"))) == [(1, "solo")]
    ndjson = b'{"id": "a"}\nnot json\n{"id": "c"}\n'
    records = list(read_body(ndjson, "application/x-ndjson"))
    assert summary(records) == [(1, "a"), (2, "!invalid JSON: Expecting value at column 1"), (3, "c")]
    assert {r.source for r in records} == {"<request>"}


def test_read_body_refuses_other_types_and_charsets() -> None:
    with pytest.raises(InputFormatError, match="unsupported content type 'text/plain'"):
        read_body(b"x", "text/plain")
    with pytest.raises(InputFormatError, match="bodies must be UTF-8"):
        read_body(b"[]", "application/json; charset=latin-1")


def test_read_body_strict() -> None:
    with pytest.raises(InvalidDocument) as info:
        list(read_body(b'{"id": "a"}\n{"x": 1}\n', "ndjson", strict=True))
    assert str(info.value) == "<request>:2: missing required field 'id'"


def test_symlinked_folder_cycle_is_entered_once(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    write(root / "sub" / "a.txt", "A\n")
    (root / "sub" / "loop").symlink_to(root, target_is_directory=True)
    assert [r.document["id"] for r in read_records([root]) if r.document] == ["sub/a.txt"]


def test_read_body_csv() -> None:
    records = list(read_body(b'id,tags\r\nx,"a, b"\r\n', "text/csv"))
    assert [(r.source, r.line, r.document) for r in records] == [
        ("<request>", 2, {"id": "x", "tags": ["a", "b"]})
    ]
