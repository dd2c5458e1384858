"""The scorer's array set operations against Python sets, and its postings reader against Whoosh's."""

from __future__ import annotations

import pickle
import random

import numpy as np
import pytest

from searchsvc import SearchEngine, scoring
from searchsvc.execution import kth_largest
from searchsvc.scoring import Scored
from searchsvc.store.postings import _block_ids_weights, _fast_block, read_postings


def scored(rng: np.random.Generator, n: int, size: int) -> Scored:
    ids = np.sort(rng.choice(n, size=size, replace=False)).astype(np.int64)
    return Scored(ids, rng.random(size) + 0.5)


def as_dict(s: Scored) -> dict[int, float]:
    assert list(s.ids) == sorted(set(s.ids.tolist()))
    return dict(zip(s.ids.tolist(), s.scores.tolist(), strict=True))


@pytest.mark.parametrize(
    "n, sizes", [(100_000, (30, 50_000, 40)), (1000, (600, 700, 20)), (10_000, (5, 8, 3))]
)
def test_set_operations_agree_with_python_sets(n, sizes):
    rng = np.random.default_rng(sum(sizes))
    a, b, c = (scored(rng, n, size) for size in sizes)
    da, db, dc = as_dict(a), as_dict(b), as_dict(c)

    union = as_dict(scoring.union([a, b, c], n))
    assert set(union) == set(da) | set(db) | set(dc)
    for doc, score in union.items():
        assert score == pytest.approx(da.get(doc, 0) + db.get(doc, 0) + dc.get(doc, 0))

    both = as_dict(scoring.intersect(a, b, n))
    assert both == pytest.approx({d: da[d] + db[d] for d in set(da) & set(db)})

    rest = as_dict(scoring.minus(a, b.ids, n))
    assert rest == pytest.approx({d: da[d] for d in set(da) - set(db)})

    maybe = as_dict(scoring.maybe(a, c, n))
    assert maybe == pytest.approx({d: da[d] + dc.get(d, 0) for d in da})


def test_union_keeps_documents_that_score_zero():
    n = 100
    zero = Scored(np.arange(0, 90, dtype=np.int64), np.zeros(90))
    other = Scored(np.array([95], dtype=np.int64), np.array([1.0]))
    assert len(scoring.union([zero, other], n).ids) == 91


def whoosh_postings(reader, fieldname, tbytes):
    """Docnums and weights as Whoosh's own matcher reads them."""
    matcher = reader._terms.matcher(fieldname, tbytes, reader.schema[fieldname].format)
    ids, weights = [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return ids, weights


def test_postings_read_from_blocks_are_whooshs(tmp_path):
    # Dense terms (every gap a byte), sparse ones (gaps past 255, docnums past
    # 65535 in a block's first delta), repeated words (varied weights), facet
    # values (all weights 1.0), and short lists inlined in the term index.
    docs = []
    for i in range(3000):
        words = ["common"] * (1 + i % 3)
        if i % 290 == 0:
            words.append("sparse")
        if i % 7 == 0:
            words += ["seventh"] * (1 + i % 5)
        if i < 5:
            words.append("rare")
        docs.append({"id": f"d{i}", "title": f"t{i}", "body": " ".join(words), "source": f"s{i % 2}"})
    with SearchEngine(tmp_path / "ix", variants=None) as eng:
        eng.add(docs)
        eng.commit()
        pooled = eng.pool.acquire()
        try:
            checked = 0
            for reader, _offset in pooled.snapshot.searcher.reader().leaf_readers():
                for fieldname in ("body", "title", "source", "id"):
                    for tbytes in reader.lexicon(fieldname):
                        ids, weights = read_postings(reader, fieldname, tbytes)
                        expected_ids, expected_weights = whoosh_postings(reader, fieldname, tbytes)
                        assert ids.tolist() == expected_ids
                        assert weights.astype(np.float64).tolist() == pytest.approx(
                            expected_weights, rel=1e-6
                        )
                        checked += 1
            assert checked > 6000
        finally:
            eng.pool.release(pooled)


def test_block_decoding_falls_back_to_unpickling_other_shapes():
    deltas = (70000, 1, 300, 2, 5)
    for weights in (None, 2.5, (1.0, 2.0, 3.0, 4.0, 5.0), (1, 2, 3, 4, 5)):
        data = pickle.dumps((deltas, weights, tuple(b"p" for _ in deltas)), 2)
        got_deltas, got_weights = _block_ids_weights(data, len(deltas))
        assert got_deltas.tolist() == list(deltas)
        expected = [1.0] * 5 if weights is None else [weights] * 5 if isinstance(weights, float) else weights
        assert got_weights.tolist() == [float(w) for w in expected]
    # Three postings pickle as a TUPLE3, not MARK ... TUPLE.
    got = _block_ids_weights(pickle.dumps(((4, 1, 1), None, ()), 2), 3)
    assert got[0].tolist() == [4, 1, 1]


@pytest.mark.parametrize("protocol", [2, 4])
def test_block_decoding_reads_both_protocols_without_unpickling_positions(protocol):
    # Whoosh's writer pickles blocks with protocol 2, searchsvc's with protocol 4.
    rng = random.Random(protocol)
    for count in (4, 5, 128, 300, 1024):
        for weights in (None, 2.0, tuple(rng.random() * 5 for _ in range(count))):
            deltas = tuple(
                rng.choice([rng.randint(256, 70_000), rng.randint(70_000, 2**30)])
                if rng.random() < 0.1
                else rng.randint(0, 255)
                for _ in range(count)
            )
            positions = tuple(b"\x01" + pickle.dumps([rng.randint(0, 300)], 2) for _ in range(count))
            data = pickle.dumps((deltas, weights, positions), protocol)
            start = 2 if protocol == 2 else 11
            assert _fast_block(data, start, count) is not None  # the fast path, not the fallback
            got_deltas, got_weights = _block_ids_weights(data, count)
            assert got_deltas.tolist() == list(deltas)
            expected = np.asarray(
                [1.0] * count
                if weights is None
                else [weights] * count
                if isinstance(weights, float)
                else weights,
                dtype=np.float32,
            )
            assert got_weights.tolist() == expected.tolist()


@pytest.mark.parametrize(
    ("size", "k"),
    [(size, k) for size in (1, 10, 639, 640, 641, 5000, 60_000) for k in (1, 10, 100) if k <= size],
)
def test_kth_largest_is_the_kth_of_the_sorted_scores(size, k):
    rng = np.random.default_rng(size + k)
    # Few distinct values make many ties; sorted input puts every maximum in the last chunks.
    for scores in (rng.random(size), rng.integers(0, 5, size).astype(np.float64), np.sort(rng.random(size))):
        assert kth_largest(scores, k) == sorted(scores.tolist(), reverse=True)[k - 1]
