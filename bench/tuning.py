"""Choose ranking parameters by cross-validation over query folds, and report the held-out figures.

Each candidate configuration of searchsvc runs every judged query of a test
collection once (see :mod:`bench.relevance`). The queries are then split into
folds; for each fold, the configuration with the best mean average precision
on the *other* folds is chosen, and scored on this one. The held-out figures
pooled over the folds say what tuning would really gain on queries it never
saw; the in-sample best says only how far a collection can be fitted.

Run from the repository's folder::

    python bench/tuning.py                       # every experiment on ../shared/data/cranfield
    python bench/tuning.py --experiment bm25     # one: bm25, fields, analysis, proximity, feedback
    python bench/tuning.py --folds 5 --json tuning.json
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
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
from searchsvc.scoring import BM25

#: The grid of BM25 parameters tried; Whoosh's defaults (k1 1.2, b 0.75) are in it.
K1_VALUES = (0.6, 0.9, 1.2, 1.6, 2.0)
B_VALUES = (0.3, 0.5, 0.75, 0.9, 1.0)
#: Every experiment's grid holds searchsvc as it is by default, under this name.
DEFAULT = "default"


@dataclass(frozen=True)
class Configuration:
    """One way of running searchsvc: its settings, options of ``engine.search``,
    and a change made to each new engine before it indexes (the tries that no
    setting offers, such as another stemmer, are made on that engine alone)."""

    settings: Mapping[str, Any] = field(default_factory=dict)
    search: Mapping[str, Any] = field(default_factory=dict)
    prepare: Callable[[SearchEngine], None] | None = None


@dataclass
class FoldResult:
    fold: int
    chosen: str
    train_map: float
    held_out: dict[str, float]
    default_held_out: dict[str, float]


def bm25_grid() -> dict[str, Configuration]:
    """BM25's k1 and b, through the settings of the same names."""
    grid = {
        f"k1={k1} b={b}": Configuration({"bm25_k1": k1, "bm25_b": b})
        for k1, b in itertools.product(K1_VALUES, B_VALUES)
    }
    return {DEFAULT: grid.pop("k1=1.2 b=0.75"), **grid}


def fields_grid() -> dict[str, Configuration]:
    """The title's weight in BM25F, as a factor of the weight the index gives it."""
    grid = {DEFAULT: Configuration()}
    for factor in (0.33, 0.67, 1.5, 2.0):
        ranking = BM25(field_weights=(("title", factor),))
        grid[f"title x{factor}"] = Configuration(prepare=_ranked_by(ranking))
    return grid


def _ranked_by(ranking: BM25) -> Callable[[SearchEngine], None]:
    def prepare(engine: SearchEngine) -> None:
        engine.executor.ranking = ranking

    return prepare


def analysis_grid() -> dict[str, Configuration]:
    """Stop words kept or dropped, and the English stemmer: Snowball (searchsvc's), Porter, Lancaster, none."""
    from nltk.stem import LancasterStemmer, PorterStemmer

    stemmers: dict[str, Callable[[str], str]] = {
        "Porter": PorterStemmer().stem,
        "Lancaster": LancasterStemmer().stem,
        "no stemming": str,
    }
    grid = {DEFAULT: Configuration(), "stop words indexed": Configuration(prepare=_without_stop_words)}
    for name, stem in stemmers.items():
        grid[name] = Configuration(prepare=_stemmed_by(stem))
    return grid


def _without_stop_words(engine: SearchEngine) -> None:
    from whoosh.analysis import StopFilter

    _set_filters(engine, [f for f in engine.analyzer.filters if not isinstance(f, StopFilter)])


def _stemmed_by(stem: Callable[[str], str]) -> Callable[[SearchEngine], None]:
    def prepare(engine: SearchEngine) -> None:
        from searchsvc.analysis.analyzer import cyrillic_stem
        from searchsvc.analysis.filters import StemFilter

        filters = engine.analyzer.filters
        _set_filters(
            engine, [StemFilter(stem, cyrillic_stem) if isinstance(f, StemFilter) else f for f in filters]
        )

    return prepare


def _set_filters(engine: SearchEngine, filters: list[Any]) -> None:
    # This engine's analyzer only (it indexes and reads queries): nothing is
    # indexed yet, and no other engine shares it.
    engine.analyzer.filters = filters
    engine.analyzer._index_cache.clear()
    engine.analyzer._query_cache.clear()


def proximity_grid() -> dict[str, Configuration]:
    """Neighbouring query words found near each other in a hit, as an added score.

    Each pair of neighbouring words is a phrase with a slop, in title and in
    body, whose score (the pair's BM25F scores times the boost) is added to the
    documents the question matches; nothing else matches because of it.
    """
    grid = {DEFAULT: Configuration()}
    for slop, boost in itertools.product((1, 3, 8), (0.1, 0.3)):
        # A long question makes more pairs than a typed query may have phrases.
        grid[f"slop {slop} boost {boost}"] = Configuration(
            {"max_query_phrases": 1000}, prepare=_near_pairs(slop, boost)
        )
    return grid


def _near_pairs(slop: int, boost: float) -> Callable[[SearchEngine], None]:
    def prepare(engine: SearchEngine) -> None:
        from searchsvc.analysis import iter_words
        from searchsvc.store.query import any_of, optional_of, phrase

        builder = engine.executor.queries
        plain = builder.any_word

        def any_word(view: Any, text: str) -> Any:
            q = plain(view, text)
            stems = [
                terms[0][0]
                for _s, _e, word, _j in iter_words(text, joined=False)
                if (terms := engine.analyzer.word_terms(word, "query"))
            ]
            pairs = [
                phrase(name, [a, b], slop, boost)
                for a, b in zip(stems, stems[1:], strict=False)
                if a != b
                for name in ("title", "body")
            ]
            return optional_of(q, any_of(pairs)) if pairs and q is not None else q

        # This engine's query builder only.
        builder.any_word = any_word  # type: ignore[method-assign]

    return prepare


def feedback_grid() -> dict[str, Configuration]:
    """Pseudo-relevance feedback (RM3): first hits read, words added, the original query's share."""
    grid = {DEFAULT: Configuration()}
    for docs, terms, weight in itertools.product((5, 10, 20), (10, 20, 40), (0.3, 0.5, 0.7)):
        grid[f"rm3 docs={docs} terms={terms} weight={weight}"] = Configuration(
            {"feedback_docs": docs, "feedback_terms": terms, "feedback_weight": weight}, {"feedback": True}
        )
    return grid


EXPERIMENTS: dict[str, Callable[[], dict[str, Configuration]]] = {
    "bm25": bm25_grid,
    "fields": fields_grid,
    "analysis": analysis_grid,
    "proximity": proximity_grid,
    "feedback": feedback_grid,
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
    collection: Collection, grid: Mapping[str, Configuration], log: Any = print
) -> dict[str, Evaluation]:
    """Every configuration's figures over the whole collection."""
    # The gazetteer is loaded once: each configuration only changes how hits are scored.
    with SearchEngine.in_memory() as first:
        variants = first.variants
    evaluations = {}
    for name, configuration in grid.items():

        def factory(configuration: Configuration = configuration) -> SearchEngine:
            engine = SearchEngine.in_memory(settings=Settings(**configuration.settings), variants=variants)
            if configuration.prepare is not None:
                configuration.prepare(engine)
            return engine

        run = run_searchsvc(
            collection, engine_factory=factory, search_options=configuration.search, name=name
        )
        assert run.ranking is not None
        evaluations[name] = evaluate(collection, run.ranking)
        means = evaluations[name].means
        log(f"{name}: MAP {means['MAP']:.4f}, nDCG@10 {means['nDCG@10']:.4f}, query time {run.query_s:.1f} s")
    return evaluations


def report(
    name: str, evaluations: Mapping[str, Evaluation], folds: list[FoldResult], queries: int
) -> list[str]:
    best = max(evaluations, key=lambda config: evaluations[config].means["MAP"])
    default = evaluations[DEFAULT].means
    lines = [
        f"## {name}: {len(evaluations)} configurations, {queries} queries, {len(folds)} folds",
        "",
        "| configuration | MAP | nDCG@10 | P@10 | R@100 |",
        "|---|---|---|---|---|",
    ]
    for config, evaluation in evaluations.items():
        m = evaluation.means
        lines.append(
            f"| {config} | {m['MAP']:.4f} | {m['nDCG@10']:.4f} | {m['P@10']:.4f} | {m['R@100']:.4f} |"
        )
    lines += [
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
        f"default, whole collection: MAP {default['MAP']:.4f}, nDCG@10 {default['nDCG@10']:.4f}",
        f"best in sample ({best}): MAP {evaluations[best].means['MAP']:.4f}, "
        f"nDCG@10 {evaluations[best].means['nDCG@10']:.4f}",
        "",
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python bench/tuning.py", description=__doc__.split("\n")[0])
    p.add_argument("--collection", type=Path, default=DEFAULT_COLLECTION)
    p.add_argument("--folds", type=int, default=5)
    p.add_argument(
        "--experiment",
        action="append",
        choices=list(EXPERIMENTS),
        help="an experiment to run (repeatable); all of them by default",
    )
    p.add_argument(
        "--json", type=Path, metavar="FILE", help="write each configuration's figures and the folds"
    )
    args = p.parse_args(argv)
    folder = args.collection if args.collection.is_absolute() else REPO_ROOT / args.collection
    if not (folder / "qrels.tsv").is_file():
        print(f"tuning: no test collection at {folder}", file=sys.stderr)
        return 1
    collection = load_collection(folder)
    folds = folds_of(list(collection.judged), args.folds)
    data: dict[str, Any] = {}
    for name in args.experiment or list(EXPERIMENTS):
        evaluations = run_grid(collection, EXPERIMENTS[name](), log=lambda line: print(line, file=sys.stderr))
        chosen = cross_validate(evaluations, folds)
        print("\n".join(report(name, evaluations, chosen, len(collection.judged))), flush=True)
        data[name] = {
            "configurations": {config: e.means for config, e in evaluations.items()},
            "folds": [f.__dict__ for f in chosen],
        }
    if args.json:
        args.json.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
