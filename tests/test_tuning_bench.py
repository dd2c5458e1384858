"""bench/tuning.py: configurations are chosen on the other folds and scored on the held-out one."""

from __future__ import annotations

from bench.relevance import Evaluation
from bench.tuning import DEFAULT, bm25_grid, cross_validate, folds_of


def evaluation(maps: dict[str, float]) -> Evaluation:
    return Evaluation(len(maps), {}, {"MAP": maps, "nDCG@10": {q: v / 2 for q, v in maps.items()}})


def test_folds_cover_every_query_once_and_are_the_same_each_run() -> None:
    ids = [str(n) for n in range(1, 24)]
    folds = folds_of(ids, 5)
    assert sorted(q for fold in folds for q in fold) == sorted(ids)
    assert folds == folds_of(list(reversed(ids)), 5)
    assert {len(fold) for fold in folds} <= {4, 5}


def test_each_fold_is_scored_by_the_configuration_best_on_the_others() -> None:
    folds = [["1", "2"], ["3", "4"]]
    evaluations = {
        DEFAULT: evaluation({"1": 0.5, "2": 0.5, "3": 0.5, "4": 0.5}),
        # Best on fold 1 only: chosen for fold 2, where it does badly.
        "overfit": evaluation({"1": 1.0, "2": 1.0, "3": 0.0, "4": 0.0}),
    }
    first, second = cross_validate(evaluations, folds)
    assert (first.chosen, first.held_out["MAP"], first.default_held_out["MAP"]) == (DEFAULT, 0.5, 0.5)
    assert (second.chosen, second.train_map, second.held_out["MAP"]) == ("overfit", 1.0, 0.0)
    assert second.held_out["nDCG@10"] == 0.0


def test_the_grid_holds_the_default() -> None:
    grid = bm25_grid()
    assert grid[DEFAULT].settings == {"bm25_k1": 1.2, "bm25_b": 0.75}
