"""Index and search through the embedding API, on the sample articles of conftest."""

from __future__ import annotations

import functools
import json
import random
import threading

import numpy as np
import pytest
from pyroaring import BitMap
from samples import ARTICLES
from whoosh import query as wq
from whoosh.collectors import TopCollector

from searchsvc import (
    EngineClosed,
    IndexVersionMismatch,
    InvalidDate,
    InvalidDocument,
    InvalidParameter,
    NotFound,
    QueryError,
    SearchEngine,
    Settings,
    UnknownField,
)
from searchsvc.execution import top_scored
from searchsvc.store.generations import FORMAT_VERSION
from searchsvc.store.postings import _positions_by_matcher, read_positions
from searchsvc.store.query import VariantPhrase


def ids(result):
    return [hit.id for hit in result.hits]


def facet(result, name):
    return {b.value: (b.count, b.selected) for b in result.facets[name]}


def test_words_are_anded_and_stemmed(engine):
    assert sorted(ids(engine.search("fight"))) == ["kharkiv-power", "kyiv-drones"]
    assert ids(engine.search("fighting electricity")) == ["kharkiv-power"]
    assert engine.search("fighting grain").total == 0


def test_query_language(engine):
    assert sorted(ids(engine.search("grain OR election"))) == ["election", "grain-deal"]
    assert sorted(ids(engine.search("fighting NOT kyiv"))) == ["kharkiv-power"]
    assert sorted(ids(engine.search("fighting -kyiv"))) == ["kharkiv-power"]
    assert ids(engine.search('"power grid"')) == ["kharkiv-power"]
    assert engine.search('"grid power"').total == 0
    assert ids(engine.search("title:grain")) == ["grain-deal"]
    assert ids(engine.search("electri*")) == ["kharkiv-power"]
    assert sorted(ids(engine.search("source:bbc"))) == ["football", "kharkiv-power"]
    assert sorted(ids(engine.search("date:[2024-03-01 TO 2024-03-31]"))) == ["kharkiv-power", "kyiv-drones"]


@pytest.mark.parametrize(
    "query, error",
    [
        ("(grain", QueryError),
        ('"grain', QueryError),
        ("grain AND", QueryError),
        ("OR grain", QueryError),
        ("grain AND OR oil", QueryError),
        ("colour:red", UnknownField),
        ("date:[tomorrow TO x]", InvalidDate),
        ("NOT grain", None),
    ],
)
def test_bad_queries_are_clear_errors_never_silent(engine, query, error):
    if error is None:
        assert engine.search(query).total == 4
    else:
        with pytest.raises(error) as info:
            engine.search(query)
        assert info.value.status == 400
        assert "Traceback" not in str(info.value)


def test_title_weighs_more_than_body():
    with SearchEngine.in_memory(variants=None) as eng:
        eng.add(
            [
                {"id": "body", "title": "Markets", "body": "A word about grain in the body of a text."},
                {"id": "title", "title": "Grain", "body": "Markets about a word in the body of a text."},
            ]
        )
        eng.commit()
        assert ids(eng.search("grain")) == ["title", "body"]


def test_filters_and_within_a_field_or(engine):
    assert sorted(ids(engine.search("", filters={"source": "reuters"}))) == ["grain-deal", "kyiv-drones"]
    both = engine.search("", filters={"source": ["Reuters", "BBC"], "category": "war"})
    assert sorted(ids(both)) == ["kharkiv-power", "kyiv-drones"]
    assert sorted(ids(engine.search("", filters=["tags:energy"]))) == ["grain-deal", "kharkiv-power"]
    assert ids(engine.search("", filters=["tags:air defence"])) == ["kyiv-drones"]
    assert engine.search("", filters={"source": "Nobody"}).total == 0


def test_date_filters(engine):
    march = engine.search("", date_from="2024-03-01", date_to="2024-03-31", sort="date:asc")
    assert ids(march) == ["kyiv-drones", "kharkiv-power"]
    # A time narrows within a day; a bare upper date covers the whole day.
    assert ids(engine.search("", date_from="2024-03-02T07:00:00Z", date_to="2024-03-15")) == ["kharkiv-power"]
    assert ids(engine.search("", date_from="2024-03-02T06:00:00", date_to="2024-03-02")) == ["kyiv-drones"]


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"filters": ["colour:red"]}, UnknownField),
        ({"filters": ["source"]}, InvalidParameter),
        ({"facets": ["colour"]}, UnknownField),
        ({"sort": "colour"}, UnknownField),
        ({"limit": 0}, InvalidParameter),
        ({"limit": 101}, InvalidParameter),
        ({"offset": -1}, InvalidParameter),
        ({"date_from": "03/02/2024"}, InvalidDate),
        ({"date_from": "2024-05-01", "date_to": "2024-01-01"}, InvalidParameter),
    ],
)
def test_bad_parameters(engine, kwargs, error):
    with pytest.raises(error):
        engine.search("grain", **kwargs)


def test_facet_counts_cover_all_matches_not_one_page(engine):
    result = engine.search("", facets=["source", "category", "tags", "lang"], limit=1)
    assert len(result.hits) == 1 and result.total == 5
    assert facet(result, "source") == {
        "Reuters": (2, False),
        "BBC": (2, False),
        "Kyiv Independent": (1, False),
    }
    assert [b.value for b in result.facets["source"]] == ["BBC", "Reuters", "Kyiv Independent"]
    assert facet(result, "category") == {
        "war": (2, False),
        "economy": (1, False),
        "politics": (1, False),
        "sport": (1, False),
    }
    assert facet(result, "tags") == {
        "energy": (2, False),
        "drones": (1, False),
        "air defence": (1, False),
        "grain": (1, False),
        "football": (1, False),
    }
    assert facet(result, "lang") == {"en": (5, False)}


def test_facets_are_disjunctive(engine):
    result = engine.search("", filters={"source": "Reuters"}, facets=["source", "category"])
    assert result.total == 2
    # The source facet ignores the source filter and marks the selection...
    assert facet(result, "source") == {
        "Reuters": (2, True),
        "BBC": (2, False),
        "Kyiv Independent": (1, False),
    }
    # ...while the other facets are narrowed by it.
    assert facet(result, "category") == {"war": (1, False), "economy": (1, False)}


@pytest.mark.parametrize("sort", [1, ["date"], {"date": "asc"}])
def test_a_sort_that_is_not_text_is_a_clear_error(engine, sort):
    with pytest.raises(InvalidParameter, match="sort must be a string"):
        engine.search("grain", sort=sort)


def test_facets_say_when_they_have_more_values_than_shown(engine):
    everything = engine.search("", facets=["source", "date"], facet_size=3)
    assert everything.facets_truncated == {"source": False, "date": False}
    cut = engine.search("", filters={"source": "Kyiv Independent"}, facets=["source", "date"], facet_size=1)
    # One of three sources shown, and the selected one kept visible besides it.
    assert [b.value for b in cut.facets["source"]] == ["BBC", "Kyiv Independent"]
    assert cut.facets_truncated == {"source": True, "date": False}
    months = engine.search("", facets=["date"], facet_size=2)
    assert months.facets_truncated == {"date": True}
    assert len(months.facets["date"]) == 2
    assert engine.search("", facets=["source"], facet_size=3).to_dict()["facets_truncated"] == {
        "source": False
    }


def test_date_facet_buckets(engine):
    result = engine.search("", facets=["date"])
    assert facet(result, "date") == {"2023-11": (1, False), "2024-03": (2, False), "2024-04": (1, False)}
    assert [b.value for b in result.facets["date"]] == ["2023-11", "2024-03", "2024-04"]
    years = engine.search("", facets=["date"], date_interval="year")
    assert facet(years, "date") == {"2023": (1, False), "2024": (3, False)}
    days = engine.search(
        "", facets=["date"], date_interval="day", date_from="2024-03-01", date_to="2024-03-31"
    )
    assert facet(days, "date")["2024-03-02"] == (1, True)
    assert facet(days, "date")["2023-11-20"] == (1, False)


def test_sort_by_date_and_field(engine):
    assert ids(engine.search("", sort="date")) == [
        "grain-deal",
        "kharkiv-power",
        "kyiv-drones",
        "election",
        "football",
    ]
    assert ids(engine.search("", sort="date:asc")) == [
        "election",
        "kyiv-drones",
        "kharkiv-power",
        "grain-deal",
        "football",
    ]
    assert ids(engine.search("", sort="source"))[:2] == ["kharkiv-power", "football"] or ids(
        engine.search("", sort="source")
    )[:2] == ["football", "kharkiv-power"]
    assert [h.document["source"] for h in engine.search("", sort="-source").hits] == [
        "Reuters",
        "Reuters",
        "Kyiv Independent",
        "BBC",
        "BBC",
    ]
    assert all(h.score is None for h in engine.search("fight", sort="date").hits)


def test_sorting_many_ties_and_missing_values_matches_a_plain_sort():
    rng = random.Random(5)
    days = [f"2024-0{m}-1{d}" for m in range(1, 4) for d in range(3)]
    docs = []
    for n in range(400):
        doc = {"id": f"d{n:03}", "title": f"report {n}"}
        if rng.random() > 0.1:
            doc["date"] = rng.choice(days)
        if rng.random() > 0.1:
            doc["source"] = rng.choice(["alpha", "beta", "gamma", "delta"])
        docs.append(doc)
    with SearchEngine.in_memory(variants=None) as eng:
        eng.add(docs)
        eng.commit()
        # One segment: docnums follow the order of adding, and ties go by docnum.
        order = {doc["id"]: n for n, doc in enumerate(docs)}

        def expected(field: str, descending: bool) -> list[str]:
            with_value = [d for d in docs if field in d]
            with_value.sort(key=lambda d: order[d["id"]])
            with_value.sort(key=lambda d: d[field], reverse=descending)
            return [d["id"] for d in with_value] + [d["id"] for d in docs if field not in d]

        for sort, field, descending in [
            ("date", "date", True),
            ("date:asc", "date", False),
            ("source", "source", False),
            ("-source", "source", True),
        ]:
            want = expected(field, descending)
            for offset, limit in [(0, 10), (35, 20), (300, 100), (390, 100)]:
                got = ids(eng.search("", sort=sort, limit=limit, offset=offset))
                assert got == want[offset : offset + limit], (sort, offset)


def test_pagination_is_stable_and_total_exact(engine):
    everything = ids(engine.search("", sort="date", limit=5))
    pages = [ids(engine.search("", sort="date", limit=2, offset=o)) for o in (0, 2, 4)]
    assert [i for page in pages for i in page] == everything
    assert engine.search("", limit=2, offset=4).total == 5
    assert engine.search("", offset=50).hits == []


def test_highlights_mark_stemmed_matches_as_written_and_escape_html():
    with SearchEngine.in_memory(variants=None) as eng:
        eng.add(
            [
                {
                    "id": "x",
                    "title": "Fights & <script>alert(1)</script> fighting",
                    "body": "Troops <b>fought</b> on. "
                    + "filler words here. " * 30
                    + "Fighting resumed at dawn.",
                }
            ]
        )
        eng.commit()
        hit = eng.search("fight", fragments=2, fragment_chars=60).hits[0]
    assert hit.highlights["title"] == (
        "<mark>Fights</mark> &amp; &lt;script&gt;alert(1)&lt;/script&gt; <mark>fighting</mark>"
    )
    body = hit.highlights["body"]
    assert len(body) == 1
    assert "<mark>Fighting</mark> resumed at dawn." in body[0]
    assert "<b>" not in "".join(body)


def test_highlight_fragments_are_limited_and_in_document_order():
    text = " ".join(f"word{i} grain" if i in (5, 60, 120) else f"word{i}" for i in range(200))
    with SearchEngine.in_memory(variants=None) as eng:
        eng.add([{"id": "long", "body": text}])
        eng.commit()
        two = eng.search("grain", fragments=2, fragment_chars=40).hits[0].highlights["body"]
        three = eng.search("grain", fragments=3, fragment_chars=40).hits[0].highlights["body"]
    assert len(two) == 2 and len(three) == 3
    assert "word5 <mark>grain</mark>" in three[0] and "word120 <mark>grain</mark>" in three[2]
    assert all(len(f) < 120 for f in three)


def test_highlighting_looks_through_a_bounded_start_and_never_half_a_word():
    from searchsvc.highlight import LOOKED_THROUGH_CHARS, looked_through

    head = "x" * (LOOKED_THROUGH_CHARS - 3)
    assert looked_through(head + " grain more") == head + " "
    assert looked_through(head + "a grain") == head + "a "
    assert looked_through("a" * (2 * LOOKED_THROUGH_CHARS)) == "a" * LOOKED_THROUGH_CHARS
    assert looked_through("grain exports") == "grain exports"
    # The API marks what the page marks: nothing past the bound.
    with SearchEngine.in_memory(variants=None) as eng:
        eng.add([{"id": "long", "title": "grain", "body": head + " grain", "lead": "grain"}])
        eng.commit()
        hit = eng.search("grain").hits[0]
    assert hit.highlights["body"] == ["<mark>grain</mark>…"]


def test_highlight_off_and_no_match_in_body(engine):
    assert engine.search("grain", highlight=False).hits[0].highlights is None
    hit = engine.search("title:parliament").hits[0]
    assert hit.highlights["title"] == "<mark>Parliament</mark> debates election date"
    assert hit.highlights["body"] == [
        "Lawmakers argued about when an election could be held during martial law."
    ]


def test_result_shape(engine):
    data = engine.search("grain", facets=["source"]).to_dict()
    assert set(data) == {
        "query",
        "total",
        "limit",
        "offset",
        "took_ms",
        "hits",
        "facets",
        "facets_truncated",
        "suggestion",
        "shards",
    }
    assert data["shards"] == {"total": 1, "successful": 1, "failed": 0}
    assert data["facets_truncated"] == {"source": False}
    assert set(data["hits"][0]) == {"id", "score", "document", "highlights"}
    assert set(data["hits"][0]["highlights"]) == {"title", "body"}
    assert data["facets"]["source"] == [{"value": "Reuters", "count": 1, "selected": False}]
    assert json.loads(json.dumps(data)) == data


def test_add_replaces_by_id_and_reports_added_updated_rejected(engine):
    summary = engine.add(
        [
            {"id": "grain-deal", "title": "Grain deal collapses", "source": "AP"},
            {"id": "new", "title": "Something new"},
            {"title": "no id"},
            {"id": "bad-date", "date": "yesterday"},
            {"id": "bad-type", "title": ["a", "list"]},
        ]
    )
    assert (summary.added, summary.updated, summary.rejected) == (1, 1, 3)
    reasons = [r.reason for r in summary.rejections]
    assert "missing required field 'id'" in reasons[0]
    assert "yesterday" in reasons[1]
    assert "must be a string" in reasons[2]
    # A real-time get sees the staged version; a search sees it after the commit.
    assert engine.get("grain-deal")["source"] == "AP"
    assert [h.document["source"] for h in engine.search("exports resume").hits] == ["Reuters"]
    engine.commit()
    assert engine.get("grain-deal")["title"] == "Grain deal collapses"
    assert len(engine) == 6
    assert facet(engine.search("", facets=["source"]), "source")["AP"] == (1, False)


def test_the_same_id_twice_in_one_batch_keeps_the_last(engine):
    summary = engine.add([{"id": "dup", "title": "first"}, {"id": "dup", "title": "second"}])
    assert (summary.added, summary.updated) == (1, 1)
    engine.commit()
    assert engine.search("", filters=None).total == 6
    assert engine.get("dup")["title"] == "second"


def test_unknown_fields_are_kept_but_not_searched(engine):
    engine.add([{"id": "extra", "title": "Plain", "author": "Zorya Vasylenko", "views": 12}])
    engine.commit()
    assert engine.get("extra")["author"] == "Zorya Vasylenko"
    assert engine.get("extra")["views"] == 12
    assert engine.search("Zorya").total == 0


def test_delete(engine):
    assert engine.delete(["grain-deal", "missing"]) == 1
    engine.commit()
    with pytest.raises(NotFound):
        engine.get("grain-deal")
    result = engine.search("", facets=["tags", "source"])
    assert result.total == 4
    assert facet(result, "tags")["energy"] == (1, False)
    assert "Reuters" in facet(result, "source") and facet(result, "source")["Reuters"] == (1, False)


def test_strict_add_raises(engine):
    with pytest.raises(InvalidDocument):
        engine.add([{"title": "no id"}], strict=True)


def test_searchers_are_reused_and_refreshed_after_commit(engine):
    engine.search("grain")
    with engine.pool.snapshot() as first:
        pass
    engine.search("grain")
    with engine.pool.snapshot() as again:
        assert again is first
    engine.add([{"id": "late", "title": "Late grain"}])
    engine.commit()
    assert engine.search("grain").total == 2


def test_parsed_queries_are_kept_until_the_index_changes(engine):
    first = engine.search("fighting electricity")
    with engine.pool.snapshot() as snapshot:
        assert "fighting electricity" in engine.executor.facets.view(snapshot).queries
    again = engine.search("fighting electricity")
    assert ids(again) == ids(first) == ["kharkiv-power"]
    # Facet values resolve against the index: a new source is found after the commit.
    assert engine.search("source:newsroom").total == 0
    engine.add([{"id": "late", "title": "Electricity fighting", "source": "Newsroom"}])
    engine.commit()
    assert sorted(ids(engine.search("fighting electricity"))) == ["kharkiv-power", "late"]
    assert ids(engine.search("source:newsroom")) == ["late"]


def test_update_after_refresh_has_no_stale_copy(engine):
    # The forks of Whoosh return both versions here; 2.7.4 must not.
    engine.search("grain")
    engine.add([{"id": "grain-deal", "title": "Grain deal revised"}])
    engine.commit()
    assert engine.search("grain").total == 1
    assert len(engine) == 5


def test_scores_every_match_exactly_as_whoosh_would_without_its_shortcut():
    """Whoosh's default top-N collection can miss the best documents; ours scores every match.

    The array scorer must give each document the BM25F score Whoosh's own
    matchers give it, so the top 10 are the true top 10.
    """
    rng = random.Random(7)
    words = [f"w{i}" for i in range(200)]
    docs = []
    for n in range(3000):
        body = " ".join(
            rng.choice(words[:40]) if rng.random() < 0.5 else rng.choice(words) for _ in range(60)
        )
        docs.append({"id": str(n), "title": rng.choice(words) + " " + rng.choice(words), "body": body})
    queries = [
        wq.And([wq.Term("body", "w3"), wq.Term("body", "w150")]),
        wq.Or([wq.Term("title", "w5"), wq.Term("body", "w5", boost=0.5)]),
        wq.AndNot(wq.Term("body", "w1"), wq.Term("body", "w2")),
        wq.Phrase("body", ["w1", "w2"]),
        *PHRASES,
        wq.Phrase("title", docs[0]["title"].split()),
        wq.Or([wq.Phrase("title", ["w1", "w2"]), wq.Phrase("body", ["w1", "w2"], boost=0.5)]),
    ]
    with SearchEngine.in_memory(variants=None) as eng:
        # Two commits make two segments, and a deletion, to cover offsets and
        # deleted documents; the statistics kept from the first commit's
        # searches must not leak into the second's.
        eng.add(docs[:1500])
        eng.commit()
        _check_scores(eng, queries)
        eng.add(docs[1500:])
        eng.delete(["7"])
        eng.commit()
        _check_scores(eng, queries)
        eng.delete(["8"])
        eng.commit()
        _check_scores(eng, queries)


#: Phrases the array scorer evaluates itself: more words, a repeated word, slop, a boost, and a missing word.
PHRASES = [
    wq.Phrase("body", ["w1", "w2", "w3"]),
    wq.Phrase("body", ["w4", "w4"]),
    wq.Phrase("body", ["w1", "w7"], slop=3),
    wq.Phrase("body", ["w9", "w8", "w9"], slop=2),
    wq.Phrase("body", ["w5", "w6"], slop=25),
    wq.Phrase("body", ["w7", "w3"], slop=10**12),
    wq.Phrase("body", ["w2", "w1"], boost=2.0),
    wq.Phrase("body", ["w1", "absent"]),
]


def test_phrases_match_what_whooshs_span_matcher_matches():
    # Few distinct words, so that every phrase of PHRASES but the last occurs.
    rng = random.Random(11)
    words = [f"w{i}" for i in range(12)]
    docs = [{"id": str(n), "body": " ".join(rng.choice(words) for _ in range(30))} for n in range(400)]
    with SearchEngine.in_memory(variants=None) as eng:
        eng.add(docs)
        eng.commit()
        pooled = eng.pool.acquire()
        try:
            searcher = pooled.snapshot.searcher
            for q in PHRASES:
                truth = sorted(d for d, _score in _all_scores(searcher, q))
                assert truth or "absent" in q.words, q
                assert eng.executor.arrays.evaluator(pooled.snapshot).run(q).ids.tolist() == truth, q
            # A word with alternatives: the phrase of any of them, scored as the
            # AND of the words' queries.
            variant = VariantPhrase("body", ["w1", "w2"], [[("w1", 1.0), ("w3", 0.5)], [("w2", 1.0)]])
            either = {
                d for w in ("w1", "w3") for d, _s in _all_scores(searcher, wq.Phrase("body", [w, "w2"]))
            }
            got = eng.executor.arrays.evaluator(pooled.snapshot).run(variant)
            assert either and got.ids.tolist() == sorted(either)
            words = wq.And(
                [wq.Or([wq.Term("body", "w1"), wq.Term("body", "w3", boost=0.5)]), wq.Term("body", "w2")]
            )
            expected = dict(_all_scores(searcher, words))
            assert got.scores.tolist() == pytest.approx([expected[d] for d in got.ids.tolist()])
            # Readers of another codec go through Whoosh's matcher for positions.
            reader = next(iter(searcher.reader().leaf_readers()))[0]
            docnums = np.arange(0, 400, 3, dtype=np.int64)
            for word in ("w1", "w4", "w11"):
                tbytes = word.encode()
                assert read_positions(reader, "body", tbytes, docnums).tolist() == (
                    _positions_by_matcher(reader, "body", tbytes, docnums).tolist()
                )
        finally:
            eng.pool.release(pooled)


def _check_scores(eng, queries):
    pooled = eng.pool.acquire()
    try:
        searcher = pooled.snapshot.searcher
        for q in queries:
            truth = dict(_all_scores(searcher, q))
            scored = eng.executor.arrays.evaluator(pooled.snapshot).run(q)
            assert sorted(truth) == scored.ids.tolist()
            ours = dict(zip(scored.ids.tolist(), scored.scores.tolist(), strict=True))
            assert all(abs(ours[d] - truth[d]) < 1e-6 * max(1.0, truth[d]) for d in truth)
            view = eng.executor.facets.view(pooled.snapshot)
            ids_of = functools.partial(view.ids_of, pooled.snapshot)
            id_of = {d: ids_of(np.array([d]))[0] for d in truth}
            best = sorted(truth, key=lambda d: (-truth[d], id_of[d]))[:10]
            assert [d for _s, d in top_scored(scored, None, 10, ids_of)] == best
            # Within a filter: the matches it lets through, as search passes them.
            through = sorted(truth)[::3]
            best_through = sorted(through, key=lambda d: (-truth[d], id_of[d]))[:10]
            assert [d for _s, d in top_scored(scored, BitMap(through), 10, ids_of)] == best_through
        collector = TopCollector(10, usequality=False)
        searcher.search_with_collector(queries[0], collector)
        assert collector.results().scored_length() == 10
    finally:
        eng.pool.release(pooled)


def _all_scores(searcher, q):
    matcher = q.matcher(searcher, searcher.context())
    while matcher.is_active():
        yield matcher.id(), matcher.score()
        matcher.next()


def test_grouped_results_are_not_walked(engine, monkeypatch):
    """Facets never come from Whoosh's groupedby, which keeps every match."""
    from whoosh import searching

    def forbidden(*args, **kwargs):
        raise AssertionError("groupedby was used")

    monkeypatch.setattr(searching.Searcher, "search", forbidden)
    result = engine.search("fighting", facets=["source", "category", "date"])
    assert result.total == 2


def test_many_threads_search_while_one_writes(engine):
    errors = []

    def reader():
        try:
            for _ in range(30):
                result = engine.search("fighting", facets=["source"])
                assert result.total >= 2
        except Exception as exc:  # pragma: no cover - the assertion is below
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    for n in range(10):
        engine.add([{"id": f"w{n}", "title": "More fighting"}])
        engine.commit()
    for t in threads:
        t.join()
    assert errors == []
    assert engine.search("fighting").total == 12


def test_closed_engine_is_a_typed_error():
    eng = SearchEngine.in_memory(variants=None)
    eng.close()
    with pytest.raises(EngineClosed):
        eng.search("x")


def test_on_disk_index_persists_and_rebuild_swaps_atomically(tmp_path):
    path = tmp_path / "ix"
    with SearchEngine(path, variants=None) as writer_engine:
        writer_engine.add(ARTICLES)
    reader = SearchEngine(path, variants=None)
    assert reader.search("grain").total == 1
    with SearchEngine(path, variants=None) as rebuilder:
        summary = rebuilder.rebuild(
            iter([{"id": "only", "title": "Only grain now"}, {"id": "two", "title": "oil"}])
        )
        assert (summary.added, summary.rejected) == (2, 0)
        assert len(rebuilder) == 2
    # The long-lived reader picks up the new generation without a restart.
    assert ids(reader.search("grain")) == ["only"]
    assert sorted(p.name for p in path.iterdir()) == ["gen-000001", "gen-000002", "searchsvc.json"]
    reader.close()


def test_rebuild_failure_leaves_the_live_index(tmp_path):
    path = tmp_path / "ix"
    with SearchEngine(path, variants=None) as eng:
        eng.add(ARTICLES)
        eng.commit()

        def broken():
            yield {"id": "a", "title": "a"}
            raise OSError("disk gone")

        with pytest.raises(OSError):
            eng.rebuild(broken())
        assert len(eng) == 5
    assert sorted(p.name for p in path.iterdir()) == ["gen-000001", "searchsvc.json"]


def test_other_format_versions_and_foreign_folders_are_clear_errors(tmp_path):
    path = tmp_path / "ix"
    SearchEngine(path, variants=None).close()
    meta = json.loads((path / "searchsvc.json").read_text())
    meta["version"] = 999
    (path / "searchsvc.json").write_text(json.dumps(meta))
    with pytest.raises(IndexVersionMismatch, match="reindex") as caught:
        SearchEngine(path, variants=None)
    assert caught.value.message.endswith(
        f"needs {FORMAT_VERSION}; rebuild it with 'searchsvc reindex PATH...'"
    )
    foreign = tmp_path / "photos"
    foreign.mkdir()
    (foreign / "cat.jpg").write_bytes(b"\xff\xd8")
    with pytest.raises(IndexVersionMismatch, match="not a searchsvc index"):
        SearchEngine(foreign, variants=None)
    assert (foreign / "cat.jpg").exists()


def test_stats(tmp_path):
    with SearchEngine(tmp_path / "ix", variants=None) as eng:
        eng.add(ARTICLES)
        eng.commit()
        stats = eng.stats()
    assert stats["documents"] == 5
    assert stats["size_bytes"] > 0
    assert stats["format_version"] == FORMAT_VERSION
    assert stats["last_commit"].endswith("Z")


def test_bulk_index_in_parallel_matches_one_process(tmp_path):
    docs = [dict(a, id=f"{a['id']}-{n}") for n in range(40) for a in ARTICLES]
    results = []
    for procs in (1, 2):
        with SearchEngine(tmp_path / f"p{procs}", variants=None) as eng:
            summary = eng.bulk_index(iter(docs), procs=procs, batch=70)
            assert (summary.added, summary.rejected) == (200, 0)
            result = eng.search("fighting", facets=["source", "tags"], limit=100)
            results.append((result.total, sorted(ids(result)), result.to_dict()["facets"]))
    assert results[0] == results[1]
    assert results[0][0] == 80


def test_highlight_candidates_find_the_same_words_as_a_full_scan():
    from searchsvc.highlight import Highlightable, mark_spans

    texts = [
        "Happy families; the happiest city. Russia’s forces were fighting, fought and fights.",
        "Shelling in Slavyansk and Славянск, near Sloviansk’s market: the Slov'yansk road.",
        "Kyiv-based analysts and KYIV officials; kyivstar is a company. Electricity electric.",
    ]
    with SearchEngine.in_memory() as eng:
        eng.add([{"id": str(i), "body": t} for i, t in enumerate(texts)])
        eng.commit()
        for query in ["happy", "fighting russia", "Sloviansk", "Kyiv", "electri*", "family OR market"]:
            result = eng.search(query, limit=10)
            with eng.pool.snapshot() as snapshot:
                view = eng.executor.facets.view(snapshot)
                marks = Highlightable.of(eng.executor.queries.build(query, view, snapshot))
            for text in texts:
                match = marks.matches("body", eng.analyzer)
                assert mark_spans(text, match, marks.finder("body")) == mark_spans(text, match), (query, text)
            assert result.total >= 1, query


@pytest.mark.parametrize("procs", [1, 2])
def test_rebuild_keeps_the_last_version_of_a_repeated_id(tmp_path, procs):
    docs = [
        {"id": "a", "title": "first grain"},
        {"id": "b", "title": "oil"},
        {"id": "a", "title": "second wheat"},
    ]
    with SearchEngine(tmp_path / "ix", variants=None) as eng:
        summary = eng.rebuild(iter(docs), procs=procs)
        assert (summary.added, summary.updated) == (2, 1)
        assert len(eng) == 2
        assert eng.get("a")["title"] == "second wheat"
        assert eng.search("grain").total == 0
        assert ids(eng.search("wheat")) == ["a"]


def test_a_rebuild_from_nothing_is_refused_and_keeps_the_index(tmp_path):
    from searchsvc.errors import EmptyRebuild

    with SearchEngine(tmp_path / "ix", variants=None) as eng:
        eng.rebuild([{"id": "a", "title": "grain"}, {"id": "b", "title": "oil"}])
        generations = sorted(p.name for p in (tmp_path / "ix").glob("gen-*"))
        with pytest.raises(EmptyRebuild, match="left as it was"):
            eng.rebuild([])
        with pytest.raises(EmptyRebuild, match="1 rejected"):
            eng.rebuild([{"title": "no id"}])
        assert len(eng) == 2
        assert sorted(p.name for p in (tmp_path / "ix").glob("gen-*")) == generations
        eng.rebuild([], allow_empty=True)
        assert len(eng) == 0


def test_writes_committed_during_a_rebuild_reach_the_new_index(tmp_path):
    # Two engines on one folder, as the server and `searchsvc reindex` are.
    path = tmp_path / "ix"
    server = SearchEngine(path, variants=None)
    server.add([{"id": "old", "title": "Before the rebuild"}])
    server.commit()

    def source():
        yield {"id": "r1", "title": "Rebuilt grain"}
        # Committed to the old generation while the rebuild runs.
        server.add([{"id": "during", "title": "Written during the rebuild"}])
        server.delete("old")
        server.commit()
        yield {"id": "r2", "title": "Rebuilt oil"}
        yield {"id": "old", "title": "Back from the files"}

    try:
        with SearchEngine(path, variants=None) as rebuilder:
            rebuilder.rebuild(source(), procs=1)
            assert rebuilder.get("during")["title"] == "Written during the rebuild"
            # The delete came after the rebuild started: it stands over the files' version.
            with pytest.raises(NotFound):
                rebuilder.get("old")
        assert sorted(h.id for h in server.search("").hits) == ["during", "r1", "r2"]
        # The server's next commit goes into the new generation.
        server.add([{"id": "after", "title": "After the swap"}])
        server.commit()
        assert server.search("swap").total == 1
        assert not (path / "wal" / "journal").exists()
    finally:
        server.close()


@pytest.mark.parametrize("query", ["grain", '"power grid"', "electri*", "-grain", "source:bbc"])
def test_an_index_that_never_had_a_document_answers_every_query(query):
    with SearchEngine.in_memory(variants=None) as eng:
        result = eng.search(query, facets=["source", "date"])
        assert result.total == 0 and result.hits == []


def test_engines_in_memory_commit_side_by_side():
    # Whoosh's in-memory storage keeps a writer's scratch files in one folder of the
    # system's temporary directory, named after the index: one engine's commit
    # removed the scratch files of another's, in this process or any other.
    failures: list[BaseException] = []

    def commit_often(name: str) -> None:
        try:
            with SearchEngine.in_memory(variants=None) as engine:
                for n in range(15):
                    engine.add([{"id": f"{name}-{n}-{m}", "title": f"grain {m}"} for m in range(40)])
                    engine.commit()
                assert engine.search("grain").total == 15 * 40
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=commit_often, args=(f"e{n}",), daemon=True) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        # Broken, they got stuck as often as they failed: a hang must fail too, not hang the suite.
        thread.join(timeout=120)
        assert not thread.is_alive(), "a commit got stuck"
    assert failures == []


def test_bm25_parameters_come_from_the_settings():
    docs = [
        {"id": "short", "body": "grain"},
        {"id": "long", "body": "grain " + "and other words " * 20},
        {"id": "twice", "body": "grain grain"},
    ]

    def scores(**settings):
        with SearchEngine.in_memory(settings=Settings(**settings), variants=None) as engine:
            engine.add(docs)
            engine.commit()
            return {hit.id: hit.score for hit in engine.search("grain", highlight=False).hits}

    default = scores()
    assert default["short"] > default["long"]
    # b = 0: a field's length does not count, so one occurrence scores the same anywhere.
    flat = scores(bm25_b=0.0)
    assert flat["short"] == pytest.approx(flat["long"])
    # k1 = 0: a second occurrence adds nothing.
    saturated = scores(bm25_k1=0.0, bm25_b=0.0)
    assert saturated["twice"] == pytest.approx(saturated["short"])
    assert default["twice"] > default["short"]
    with pytest.raises(InvalidParameter, match="bm25_b"):
        Settings(bm25_b=1.5)
