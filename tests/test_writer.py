"""The fast segment writer against Whoosh's own, and the parallel build."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from whoosh.codec.whoosh3 import W3TermInfo
from whoosh.filedb.filestore import FileStorage
from whoosh.writing import SegmentWriter

from bench.synth import generate
from searchsvc import SearchEngine
from searchsvc.documents import normalize_document
from searchsvc.errors import IndexWriteFailed
from searchsvc.staging import text_of
from searchsvc.store import writer as writer_module
from searchsvc.store.schema import to_index_fields
from searchsvc.store.writer import INLINE_LIMIT, FastSegmentWriter, encode_positions, write_parallel


@pytest.fixture(scope="module")
def variants_engine():
    with SearchEngine.in_memory() as eng:
        yield eng


@pytest.fixture(scope="module")
def fields(variants_engine):
    docs = [normalize_document(d) for d in generate(400, seed=7)]
    out = [to_index_fields(d, variants_engine.variants.places(text_of(d))) for d in docs]
    # Boost keywords take Whoosh's own path inside the fast writer.
    out[3] = {**out[3], "_boost": 2.0}
    return out


def build(path: Path, schema: Any, writer_class: type, fields: list[dict[str, Any]]) -> Any:
    ix = FileStorage(str(path)).create().create_index(schema)
    half = len(fields) // 2
    for part in (fields[:half], fields[half:]):
        writer = writer_class(ix)
        for f in part:
            writer.add_document(**f)
        writer.commit()
    # A deletion, then a merge of both segments into one.
    writer = writer_class(ix)
    writer.delete_by_term("id", fields[5]["id"])
    writer.commit(optimize=True)
    return ix


def postings(reader: Any, fieldname: str, btext: bytes) -> list[tuple[int, float, Any]]:
    matcher = reader.postings(fieldname, btext)
    out = []
    while matcher.is_active():
        # An inlined term of a field without values reads as "" rather than None.
        out.append((matcher.id(), matcher.weight(), matcher.value() or None))
        matcher.next()
    return out


@pytest.mark.parametrize("block_limit", [16, 128])
def test_writes_what_whoosh_writes(tmp_path, variants_engine, fields, monkeypatch, block_limit):
    # The test corpus is small: smaller blocks than the default make terms of many blocks.
    monkeypatch.setattr(writer_module, "BLOCK_LIMIT", block_limit)
    schema = variants_engine.schema
    ours = build(tmp_path / "ours", schema, FastSegmentWriter, fields).reader()
    theirs = build(tmp_path / "whoosh", schema, SegmentWriter, fields).reader()
    assert ours.doc_count() == theirs.doc_count() == len(fields) - 1

    terms = list(theirs.all_terms())
    assert list(ours.all_terms()) == terms
    multi_block = inlined = 0
    for fieldname, btext in terms:
        a, b = ours.term_info(fieldname, btext), theirs.term_info(fieldname, btext)
        stats = ("weight", "doc_frequency", "min_length", "max_length", "max_weight", "min_id", "max_id")
        assert [getattr(a, s)() for s in stats] == [getattr(b, s)() for s in stats], (fieldname, btext)
        assert postings(ours, fieldname, btext) == postings(theirs, fieldname, btext), (fieldname, btext)
        multi_block += a.doc_frequency() > block_limit
        inlined += a.is_inlined()
    # Both ways of storing postings were exercised.
    assert multi_block > 10 and inlined > 1000

    for docnum in range(ours.doc_count_all()):
        assert ours.stored_fields(docnum) == theirs.stored_fields(docnum)
        for fieldname in ("title", "lead", "body"):
            assert ours.doc_field_length(docnum, fieldname) == theirs.doc_field_length(docnum, fieldname)
    assert ours.field_length("body") == theirs.field_length("body")


@pytest.mark.parametrize("positions", [[0], [7], [3, 9, 300], [70000, 70001]])
def test_positions_encode_as_whoosh_encodes_them(positions):
    from whoosh.formats import Positions

    assert encode_positions(positions) == Positions().encode(positions)


def test_inline_limit_is_small():
    # Inlined postings live in the terms table, which readers scan and cache.
    assert 1 < INLINE_LIMIT <= 16


def test_parallel_build_finds_what_one_process_finds(tmp_path):
    docs = list(generate(600, seed=3))
    with SearchEngine(tmp_path / "one") as one, SearchEngine(tmp_path / "two") as two:
        one.rebuild(docs, procs=1)
        two.rebuild(docs, procs=2)
        queries = ("market", "Sloviansk", "growth OR election", '"the government"')
        for query in queries:
            a = one.search(query, facets=["source", "category"], limit=20)
            b = two.search(query, facets=["source", "category"], limit=20)
            assert a.total == b.total > 0, query
            assert a.facets == b.facets
            assert [h.score for h in a.hits] == pytest.approx([h.score for h in b.hits])
            assert {h.id for h in a.hits} == {h.id for h in b.hits}

        # Repeated ids: the last version wins, once.
        summary = two.rebuild(docs + docs[:10], procs=2)
        assert (summary.added, summary.updated) == (600, 10)
        assert len(two) == 600
        for query in queries:
            assert two.search(query).total == one.search(query).total


def test_parallel_build_writes_several_segments_per_process(tmp_path, variants_engine):
    ix = FileStorage(str(tmp_path)).create().create_index(variants_engine.schema)
    docs = [normalize_document(d) for d in generate(300, seed=5)]

    def make_fields(doc):
        return to_index_fields(doc, [])

    assert write_parallel(ix, docs, make_fields, procs=2, batch=20, segment_docs=60) == 300
    assert ix.doc_count() == 300
    assert len(ix._segments()) >= 5
    assert not list(Path(tmp_path).glob("*.tmp"))


class FailingPlaces:
    """A variant source with no variants, whose places fail on one text."""

    def __init__(self, trigger: str) -> None:
        self.trigger = trigger

    def index_terms(self, surface: str) -> tuple[str, ...]:
        return ()

    def unstemmed(self, word: str, query: bool = False) -> str | None:
        return None

    def query_terms(self, word: str) -> list[tuple[str, float]]:
        return []

    def places(self, text: str) -> list[str]:
        if self.trigger in text:
            raise RuntimeError("disk on fire")
        return []

    def canonical_place(self, spelling: str) -> str | None:
        return None

    def match_kind(self, word: str, term: str, kind: str) -> str:
        return kind

    def language_kind(self, word: str, term: str, language: str | None) -> str | None:
        return None


def test_a_failing_process_fails_the_build_and_leaves_the_index(tmp_path):
    docs = list(generate(200, seed=9))
    docs[120] = {**docs[120], "title": "the document that fails"}
    with SearchEngine(tmp_path / "ix", variants=FailingPlaces("document that fails")) as eng:
        eng.rebuild(docs[:50], procs=1)
        with pytest.raises(IndexWriteFailed, match="disk on fire"):
            eng.rebuild(docs, procs=2)
        # The live index is the one from before, whole.
        assert len(eng) == 50
        assert eng.search("").total == 50
    assert len(os.listdir(tmp_path / "ix")) <= 3


def test_postings_are_pickled_without_a_codecs_call_per_value(tmp_path, variants_engine, fields):
    ix = build(tmp_path / "ours", variants_engine.schema, FastSegmentWriter, fields)
    with ix.reader() as reader:
        # The terms table: per term, packed statistics (a flag first), then inlined postings.
        inline = [v for _k, v in reader._terms._tindex.items() if v[0] == 1]
    struct_size = W3TermInfo._struct.size
    assert inline
    # Protocol 2 writes each bytes value as a _codecs.encode call; ours does not.
    assert all(v[struct_size : struct_size + 2] == b"\x80\x04" for v in inline)
    assert not any(b"_codecs" in v for v in inline)


def test_commits_do_not_depend_on_the_programs_random_state(tmp_path: Path) -> None:
    # Whoosh names segments with the random module: a program that seeds it (a test,
    # a reproducible job) would name a new segment as one it wrote before.
    import random

    with SearchEngine(tmp_path / "ix", variants=None) as engine:
        for n in range(4):
            random.seed(7)
            engine.add({"id": f"d{n}", "title": "seeded"})
            engine.commit()
        assert len(engine) == 4
        assert engine.search("seeded").total == 4
