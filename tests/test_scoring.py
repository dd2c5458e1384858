"""The array set operations of the scorer, against plain Python sets, on both of their paths."""

from __future__ import annotations

import numpy as np
import pytest

from searchsvc.scoring import Scored, _intersect, _maybe, _minus, _union


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

    union = as_dict(_union([a, b, c], n))
    assert set(union) == set(da) | set(db) | set(dc)
    for doc, score in union.items():
        assert score == pytest.approx(da.get(doc, 0) + db.get(doc, 0) + dc.get(doc, 0))

    both = as_dict(_intersect(a, b, n))
    assert both == pytest.approx({d: da[d] + db[d] for d in set(da) & set(db)})

    rest = as_dict(_minus(a, b.ids, n))
    assert rest == pytest.approx({d: da[d] for d in set(da) - set(db)})

    maybe = as_dict(_maybe(a, c, n))
    assert maybe == pytest.approx({d: da[d] + dc.get(d, 0) for d in da})


def test_union_keeps_documents_that_score_zero():
    n = 100
    zero = Scored(np.arange(0, 90, dtype=np.int64), np.zeros(90))
    other = Scored(np.array([95], dtype=np.int64), np.array([1.0]))
    assert len(_union([zero, other], n).ids) == 91
