"""How well searchsvc ranks, on a test collection with relevance judgments (Cranfield 1400).

Every system indexes the same documents, retrieves its top 100 for each judged
query, and is scored with ir_measures: MAP (average precision, relevance >= 1
counts as relevant), nDCG@10 (the graded gains as given), P@10 and R@100
(relevance >= 1). The systems:

- ``searchsvc``: the library API, ``SearchEngine.in_memory()`` with its default
  settings and variants, searched with ``mode="any"``;
- ``searchsvc feedback``: the same with ``feedback=True`` (RM3 pseudo-relevance
  feedback with the default feedback settings);
- ``whoosh-defaults``: plain Whoosh, BM25F, ``StemmingAnalyzer``, the query's
  words OR-ed over title and body;
- ``bm25s``: bm25s with its default BM25, Snowball stemming and English stop
  words over title + body (when installed: ``pip install -e '.[bench]'``).

Run from the repository's folder::

    python bench/relevance.py                  # ../shared/data/cranfield; prints the tables
    python bench/relevance.py --write          # also updates the relevance section of bench/RESULTS.md
    python bench/relevance.py --quick          # 300 documents, at most 20 queries: a smoke test
    python bench/relevance.py --json out.json  # every figure, with per-query AP and nDCG@10

Tuning code evaluates a searchsvc variant without touching the harness::

    run = run_searchsvc(collection, engine_factory=lambda: SearchEngine.in_memory(settings=...),
                        search_options={"mode": "any"})
    evaluate(collection, run.ranking).means
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import shlex
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # Run as a script: make ``bench`` and ``searchsvc`` importable from the repo root.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import ir_measures
from ir_measures import AP, P, R, nDCG

from bench import REPO_ROOT
from bench.report import RELEVANCE_END, RELEVANCE_START, RESULTS_MD, placeholder_results_md, relevance_section
from bench.stats import machine
from searchsvc import SearchEngine

DEFAULT_COLLECTION = Path("../shared/data/cranfield")
#: How many hits each system returns per query.
DEPTH = 100
MEASURES = {"MAP": AP(rel=1), "nDCG@10": nDCG @ 10, "P@10": P(rel=1) @ 10, "R@100": R(rel=1) @ 100}
QUICK_DOCS = 300
QUICK_QUERIES = 20
BM25S_MISSING = "not installed (pip install -e '.[bench]')"

#: Per query id, the hits best first as (document id, score).
Ranking = dict[str, list[tuple[str, float]]]


@dataclass(frozen=True)
class Collection:
    """Documents, queries and graded judgments (query id -> document id -> relevance)."""

    name: str
    docs: list[dict[str, str]]
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]

    @property
    def judged(self) -> dict[str, str]:
        """The queries with at least one relevant document: the ones measured."""
        return {
            qid: text
            for qid, text in self.queries.items()
            if any(rel >= 1 for rel in self.qrels.get(qid, {}).values())
        }


@dataclass
class SystemRun:
    """One system's hits for every judged query, or why it did not run (``ranking`` None)."""

    name: str
    ranking: Ranking | None = None
    note: str = ""
    setup_s: float = 0.0
    index_s: float = 0.0
    query_s: float = 0.0


@dataclass
class Evaluation:
    """Mean of each measure over the judged queries, and each query's values."""

    queries: int
    means: dict[str, float]
    per_query: dict[str, dict[str, float]] = field(default_factory=dict)


def load_collection(folder: Path) -> Collection:
    """Read ``docs.jsonl``, ``queries.jsonl`` and ``qrels.tsv`` from ``folder``."""
    docs = [
        {"id": str(d["id"]), "title": d.get("title") or "", "body": d.get("body") or ""}
        for d in _jsonl(folder / "docs.jsonl")
    ]
    queries = {str(q["id"]): q["text"] for q in _jsonl(folder / "queries.jsonl")}
    qrels: dict[str, dict[str, int]] = {}
    with (folder / "qrels.tsv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            qrels.setdefault(row["query_id"], {})[row["doc_id"]] = int(row["relevance"])
    return Collection(folder.name, docs, queries, qrels)


def _jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def quick_subset(collection: Collection, docs: int = QUICK_DOCS, queries: int = QUICK_QUERIES) -> Collection:
    """The first ``docs`` documents and the first ``queries`` queries judged relevant to one of them."""
    kept = collection.docs[:docs]
    ids = {d["id"] for d in kept}
    # Judgments of documents left out would cap recall below 1.
    qrels = {
        qid: {d: rel for d, rel in judged.items() if d in ids} for qid, judged in collection.qrels.items()
    }
    subset = Collection(collection.name, kept, collection.queries, qrels)
    chosen = dict(list(subset.judged.items())[:queries])
    return Collection(collection.name, kept, chosen, {qid: qrels[qid] for qid in chosen})


# -- systems -----------------------------------------------------------------------


def run_searchsvc(
    collection: Collection,
    *,
    engine_factory: Callable[[], SearchEngine] = SearchEngine.in_memory,
    search_options: Mapping[str, Any] | None = None,
    name: str = "searchsvc",
) -> SystemRun:
    """searchsvc through its library API; ``search_options`` go to ``engine.search`` as given."""
    options = {"mode": "any", "limit": DEPTH, "highlight": False, **(search_options or {})}
    run = SystemRun(name)
    started = time.perf_counter()
    with engine_factory() as engine:
        run.setup_s = time.perf_counter() - started
        started = time.perf_counter()
        summary = engine.add(collection.docs)
        engine.commit()
        run.index_s = time.perf_counter() - started
        if summary.rejected:
            run.note = f"{summary.rejected} documents rejected"
        ranking: Ranking = {}
        started = time.perf_counter()
        for qid, text in collection.judged.items():
            result = engine.search(text, **options)
            ranking[qid] = [(hit.id, hit.score if hit.score is not None else 0.0) for hit in result.hits]
        run.query_s = time.perf_counter() - started
    run.ranking = ranking
    return run


def run_whoosh(collection: Collection) -> SystemRun:
    """Whoosh as its documentation has it: BM25F over title and body, any word may match."""
    from whoosh.analysis import StemmingAnalyzer
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.filedb.filestore import RamStorage
    from whoosh.qparser import MultifieldParser, OrGroup, WhitespacePlugin
    from whoosh.qparser.plugins import MultifieldPlugin

    run = SystemRun("whoosh-defaults")
    started = time.perf_counter()
    schema = Schema(
        id=ID(stored=True), title=TEXT(analyzer=StemmingAnalyzer()), body=TEXT(analyzer=StemmingAnalyzer())
    )
    ix = RamStorage().create_index(schema)
    parser = MultifieldParser(["title", "body"], schema, group=OrGroup)
    # The queries are questions in plain English: Whoosh's default syntax would read their
    # '?' as a wildcard, an apostrophe as a quoted term and parentheses as groups. With
    # only the plugins that split on blanks and spread each word over the fields, any
    # text parses, and each word goes through the field's analyzer like indexed text.
    for plugin in list(parser.plugins):
        if not isinstance(plugin, WhitespacePlugin | MultifieldPlugin):
            parser.remove_plugin(plugin)
    run.setup_s = time.perf_counter() - started
    started = time.perf_counter()
    writer = ix.writer()
    for doc in collection.docs:
        # Whoosh rejects empty field values; the empty documents keep their id.
        writer.add_document(**{k: v for k, v in doc.items() if v})
    writer.commit()
    run.index_s = time.perf_counter() - started
    ranking: Ranking = {}
    started = time.perf_counter()
    with ix.searcher() as searcher:
        for qid, text in collection.judged.items():
            hits = searcher.search(parser.parse(text), limit=DEPTH)
            ranking[qid] = [(hit["id"], float(hit.score)) for hit in hits]
    run.query_s = time.perf_counter() - started
    run.ranking = ranking
    return run


def _stem_words() -> tuple[Callable[[list[str]], list[str]], str]:
    try:
        import Stemmer

        return Stemmer.Stemmer("english").stemWords, "PyStemmer"
    except ImportError:
        from nltk.stem.snowball import SnowballStemmer

        stem = SnowballStemmer("english").stem
        return (lambda words: [stem(w) for w in words]), "NLTK"


def run_bm25s(collection: Collection) -> SystemRun:
    """bm25s with its default BM25 over title + body, Snowball stemming, English stop words."""
    try:
        import bm25s
    except ImportError:
        return SystemRun("bm25s", note=BM25S_MISSING)
    run = SystemRun("bm25s")
    started = time.perf_counter()
    stem, stemmer_name = _stem_words()
    run.note = f"Snowball by {stemmer_name}"
    retriever = bm25s.BM25()
    run.setup_s = time.perf_counter() - started
    started = time.perf_counter()
    texts = [f"{d['title']} {d['body']}" for d in collection.docs]
    retriever.index(
        bm25s.tokenize(texts, stopwords="en", stemmer=stem, show_progress=False), show_progress=False
    )
    run.index_s = time.perf_counter() - started
    judged = collection.judged
    started = time.perf_counter()
    tokens = bm25s.tokenize(
        list(judged.values()), stopwords="en", stemmer=stem, return_ids=False, show_progress=False
    )
    found, scores = retriever.retrieve(
        tokens, k=min(DEPTH, len(collection.docs)), show_progress=False, return_as="tuple"
    )
    run.query_s = time.perf_counter() - started
    # bm25s always fills k places; documents that match no query word (score 0) are not hits.
    run.ranking = {
        qid: [
            (collection.docs[int(i)]["id"], float(s)) for i, s in zip(row, row_scores, strict=True) if s > 0
        ]
        for qid, row, row_scores in zip(judged, found, scores, strict=True)
    }
    return run


# -- measuring ---------------------------------------------------------------------


def evaluate(collection: Collection, ranking: Ranking) -> Evaluation:
    """Each measure averaged over the judged queries; a query without hits scores 0."""
    judged = collection.judged
    qrels = {qid: collection.qrels[qid] for qid in judged}
    # The scores fed to ir_measures are the ranks, so that it keeps each system's
    # order: it would sort equal scores by document id instead.
    run = {
        qid: {doc: float(len(hits) - rank) for rank, (doc, _) in enumerate(hits)}
        for qid, hits in ranking.items()
        if qid in judged and hits
    }
    label = {measure: name for name, measure in MEASURES.items()}
    per_query: dict[str, dict[str, float]] = {name: dict.fromkeys(judged, 0.0) for name in MEASURES}
    if run:
        for metric in ir_measures.iter_calc(list(MEASURES.values()), qrels, run):
            per_query[label[metric.measure]][metric.query_id] = float(metric.value)
    means = {
        name: sum(values.values()) / len(values) if values else 0.0 for name, values in per_query.items()
    }
    return Evaluation(len(judged), means, per_query)


def tied_queries(ranking: Ranking, depth: int = 10) -> int:
    """Queries whose first ``depth`` hits hold two with the same score (their order is arbitrary)."""
    tied = 0
    for hits in ranking.values():
        scores = [score for _, score in hits[:depth]]
        tied += len(set(scores)) < len(scores)
    return tied


# -- reporting ---------------------------------------------------------------------


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def measures_table(report: Mapping[str, Any]) -> list[str]:
    rows = []
    for name, system in report["systems"].items():
        if system["status"] != "ok":
            rows.append([name, system["note"], *["–"] * (len(MEASURES) - 1), "–"])
            continue
        rows.append([name, *(f"{system['measures'][m]:.3f}" for m in MEASURES), str(system["queries"])])
    return _table(["system", *MEASURES, "queries"], rows)


def timing_table(report: Mapping[str, Any]) -> list[str]:
    rows = []
    for name, system in report["systems"].items():
        if system["status"] != "ok":
            continue
        per_query = 1000 * system["query_s"] / max(1, system["queries"])
        rows.append(
            [
                name,
                f"{system['setup_s']:.2f}",
                f"{system['index_s']:.2f}",
                f"{system['query_s']:.2f}",
                f"{per_query:.1f}",
                str(system["tied_queries_top10"]),
                system["note"] or "",
            ]
        )
    header = ["system", "setup s", "index s", "query s", "ms / query", "queries with ties in top 10", "note"]
    return _table(header, rows)


def section(report: Mapping[str, Any]) -> str:
    """The RESULTS.md section, between its markers."""
    m = report["machine"]
    subset = " (quick subset)" if report["quick"] else ""
    lines = [
        RELEVANCE_START,
        f"## Relevance: {report['collection']}{subset}, {report['docs']:,} documents, "
        f"{report['queries']} judged queries",
        "",
        f"Written by `{report['command']}` on {report['date']}; {m['cores']} cores "
        f"({m['cpu'] or 'unknown CPU'}), Python {m['python']}. Measured with ir_measures: MAP is average "
        f"precision over the top {DEPTH}; it, P@10 and R@100 count relevance >= 1 as relevant, nDCG@10 "
        "uses the graded gains. Each system returns its top "
        f"{DEPTH} per query and is scored in its own order; a query without hits scores 0. searchsvc: "
        '`mode="any"`, default settings and variants; searchsvc feedback: the same with `feedback=True` '
        "(RM3 pseudo-relevance feedback, default feedback settings); whoosh-defaults: BM25F, "
        "StemmingAnalyzer, the query's words OR-ed over title and body; bm25s: default BM25, Snowball stemming, English stop "
        "words, title + body.",
        "",
        *measures_table(report),
        "",
        "Time in seconds (setup: creating the engine, e.g. loading stemmers and the gazetteer):",
        "",
        *timing_table(report),
        RELEVANCE_END,
    ]
    return "\n".join(lines)


def write_section(path: Path, block: str) -> None:
    """Replace the relevance section of ``path`` in place, or add it at the end."""
    text = path.read_text(encoding="utf-8") if path.exists() else placeholder_results_md()
    old = relevance_section(text)
    text = text.replace(old, block, 1) if old is not None else f"{text.rstrip()}\n\n{block}\n"
    path.write_text(text, encoding="utf-8")


def measure(collection: Collection, runs: Sequence[SystemRun]) -> dict[str, dict[str, Any]]:
    """The figures of each system's run, as the JSON report holds them."""
    systems: dict[str, dict[str, Any]] = {}
    for run in runs:
        if run.ranking is None:
            systems[run.name] = {"status": "unavailable", "note": run.note}
            continue
        result = evaluate(collection, run.ranking)
        systems[run.name] = {
            "status": "ok",
            "note": run.note,
            "queries": result.queries,
            "measures": result.means,
            "setup_s": round(run.setup_s, 3),
            "index_s": round(run.index_s, 3),
            "query_s": round(run.query_s, 3),
            "tied_queries_top10": tied_queries(run.ranking),
            "per_query": {"AP": result.per_query["MAP"], "nDCG@10": result.per_query["nDCG@10"]},
        }
    return systems


# -- command line ------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python bench/relevance.py",
        description="MAP, nDCG@10, P@10 and R@100 of searchsvc, plain Whoosh and bm25s on a judged collection.",
    )
    p.add_argument(
        "--collection",
        type=Path,
        default=DEFAULT_COLLECTION,
        help="folder with docs.jsonl, queries.jsonl and qrels.tsv; a relative path is read from the "
        f"repository's folder (default {DEFAULT_COLLECTION})",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help=f"the first {QUICK_DOCS} documents and at most {QUICK_QUERIES} queries with a relevant one among them",
    )
    p.add_argument(
        "--json", type=Path, metavar="FILE", help="write every figure, with per-query AP and nDCG@10"
    )
    p.add_argument("--write", action="store_true", help="update the relevance section of RESULTS.md")
    p.add_argument(
        "--results-md", type=Path, default=RESULTS_MD, metavar="FILE", help="the file --write updates"
    )
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser().parse_args(argv)
    folder = args.collection if args.collection.is_absolute() else REPO_ROOT / args.collection
    missing = [n for n in ("docs.jsonl", "queries.jsonl", "qrels.tsv") if not (folder / n).is_file()]
    if missing:
        print(f"relevance: no test collection at {folder} (missing {', '.join(missing)})", file=sys.stderr)
        return 1
    collection = load_collection(folder)
    if args.quick:
        collection = quick_subset(collection)
    runs = [
        run_searchsvc(collection),
        run_searchsvc(collection, search_options={"feedback": True}, name="searchsvc feedback"),
        run_whoosh(collection),
        run_bm25s(collection),
    ]
    m = machine()
    report: dict[str, Any] = {
        "collection": collection.name,
        "quick": args.quick,
        "command": "python bench/relevance.py" + "".join(" " + shlex.quote(a) for a in argv),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d"),
        "machine": {k: m[k] for k in ("cores", "cpu", "python", "platform")},
        "docs": len(collection.docs),
        "queries": len(collection.judged),
        "depth": DEPTH,
        "systems": measure(collection, runs),
    }
    print("\n".join([*measures_table(report), "", *timing_table(report)]))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1), encoding="utf-8")
    if args.write:
        write_section(args.results_md, section(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
