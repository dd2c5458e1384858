"""Choose ranking parameters by cross-validation over query folds, and report the held-out figures.

Each candidate configuration of searchsvc runs every judged query of a test
collection once (see :mod:`bench.relevance`). The queries are then split into
folds; for each fold, the configuration with the best mean average precision
on the *other* folds is chosen, and scored on this one. The held-out figures
pooled over the folds say what tuning would really gain on queries it never
saw; the in-sample best says only how far a collection can be fitted.

Run from the repository's folder::

    python bench/tuning.py                       # BM25's k1 and b on ../shared/data/cranfield
    python bench/tuning.py --folds 5 --json tuning.json
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import REPO_ROOT
from bench.relevance import (
    DEFAULT_COLLECTION,
    Collection,
    Evaluation,
    evaluate,
    load_collection,
    run_searchsvc,
)
from searchsvc import SearchEngine, Settings

#: The grid of BM25 parameters tried; Whoosh's defaults (k1 1.2, b 0.75) are in it.
K1_VALUES = (0.6, 0.9, 1.2, 1.6, 2.0)
B_VALUES = (0.3, 0.5, 0.75, 0.9, 1.0)
DEFAULT = "k1=1.2 b=0.75"


@dataclass
class FoldResult:
    fold: int
    chosen: str
    train_map: float
    held_out: dict[str, float]
    default_held_out: dict[str, float]


def bm25_grid() -> dict[str, dict[str, Any]]:
    """Settings of each configuration, by name."""
    return {
        f"k1={k1} b={b}": {"bm25_k1": k1, "bm25_b": b} for k1, b in itertools.product(K1_VALUES, B_VALUES)
    }


def folds_of(query_ids: Sequence[str], k: int) -> list[list[str]]:
    """``k`` folds of the queries, dealt in turn: the same split on every run."""
    ordered = sorted(query_ids, key=lambda q: (len(q), q))
    return [ordered[i::k] for i in range(k)]


def _mean(per_query: Mapping[str, float], ids: Sequence[str]) -> float:
    return sum(per_query[q] for q in ids) / len(ids) if ids else 0.0


def cross_validate(evaluations: Mapping[str, Evaluation], folds: list[list[str]]) -> list[FoldResult]:
    """For each fold: the configuration best on the others by MAP, and its figures on this one."""
    results = []
    for n, held in enumerate(folds):
        train = [q for i, fold in enumerate(folds) if i != n for q in fold]
        chosen = max(evaluations, key=lambda name: _mean(evaluations[name].per_query["MAP"], train))
        measures = evaluations[chosen].per_query
        default = evaluations[DEFAULT].per_query
        results.append(
            FoldResult(
                n + 1,
                chosen,
                _mean(measures["MAP"], train),
                {m: _mean(measures[m], held) for m in ("MAP", "nDCG@10")},
                {m: _mean(default[m], held) for m in ("MAP", "nDCG@10")},
            )
        )
    return results


def run_grid(
    collection: Collection, grid: Mapping[str, Mapping[str, Any]], log: Any = print
) -> dict[str, Evaluation]:
    """Every configuration's figures over the whole collection."""
    # The gazetteer is loaded once: each configuration only changes how hits are scored.
    with SearchEngine.in_memory() as first:
        variants = first.variants
    evaluations = {}
    for name, settings in grid.items():

        def factory(settings: Mapping[str, Any] = settings) -> SearchEngine:
            return SearchEngine.in_memory(settings=Settings(**settings), variants=variants)

        run = run_searchsvc(collection, engine_factory=factory, name=name)
        assert run.ranking is not None
        evaluations[name] = evaluate(collection, run.ranking)
        means = evaluations[name].means
        log(f"{name}: MAP {means['MAP']:.4f}, nDCG@10 {means['nDCG@10']:.4f}")
    return evaluations


def report(evaluations: Mapping[str, Evaluation], folds: list[FoldResult], queries: int) -> list[str]:
    best = max(evaluations, key=lambda name: evaluations[name].means["MAP"])
    default = evaluations[DEFAULT].means
    lines = [
        f"{len(evaluations)} configurations, {queries} queries, {len(folds)} folds",
        "",
        "| fold | chosen on the other folds | their MAP | held-out MAP | default's | held-out nDCG@10 | default's |",
        "|---|---|---|---|---|---|---|",
    ]
    for f in folds:
        lines.append(
            f"| {f.fold} | {f.chosen} | {f.train_map:.4f} | {f.held_out['MAP']:.4f} | "
            f"{f.default_held_out['MAP']:.4f} | {f.held_out['nDCG@10']:.4f} | {f.default_held_out['nDCG@10']:.4f} |"
        )
    held_map = sum(f.held_out["MAP"] for f in folds) / len(folds)
    held_ndcg = sum(f.held_out["nDCG@10"] for f in folds) / len(folds)
    lines += [
        "",
        f"held out, mean of the folds: MAP {held_map:.4f}, nDCG@10 {held_ndcg:.4f}",
        f"default ({DEFAULT}), whole collection: MAP {default['MAP']:.4f}, nDCG@10 {default['nDCG@10']:.4f}",
        f"best in sample ({best}): MAP {evaluations[best].means['MAP']:.4f}, "
        f"nDCG@10 {evaluations[best].means['nDCG@10']:.4f}",
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python bench/tuning.py", description=__doc__.split("\n")[0])
    p.add_argument("--collection", type=Path, default=DEFAULT_COLLECTION)
    p.add_argument("--folds", type=int, default=5)
    p.add_argument(
        "--json", type=Path, metavar="FILE", help="write each configuration's figures and the folds"
    )
    args = p.parse_args(argv)
    folder = args.collection if args.collection.is_absolute() else REPO_ROOT / args.collection
    if not (folder / "qrels.tsv").is_file():
        print(f"tuning: no test collection at {folder}", file=sys.stderr)
        return 1
    collection = load_collection(folder)
    evaluations = run_grid(collection, bm25_grid(), log=lambda line: print(line, file=sys.stderr))
    folds = cross_validate(evaluations, folds_of(list(collection.judged), args.folds))
    print("\n".join(report(evaluations, folds, len(collection.judged))))
    if args.json:
        data = {
            "configurations": {name: e.means for name, e in evaluations.items()},
            "folds": [f.__dict__ for f in folds],
        }
        args.json.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
