"""Fairness check: do the engines answer the same question?

Per pair of engines and per query class: the share of queries whose exact
totals match and whose facet counts match, plus the mean overlap of their top
10 (ranking functions differ, so that one is informative only). Differences
are expected where stemmers differ (Porter vs Snowball), where Whoosh drops
stop words inside phrases, and where searchsvc expands place-name variants;
they are reported, never treated as failures.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from .peers.base import BenchQuery


def _pct(match: int, n: int) -> float | None:
    return round(100.0 * match / n, 1) if n else None


def compare(
    queries: Sequence[BenchQuery],
    records: Mapping[str, Sequence[Mapping[str, Any]]],
    max_examples: int = 25,
) -> dict[str, Any]:
    """``records`` maps engine name -> its uncached per-query records."""
    by_engine = {
        engine: {r["qid"]: r for r in recs if "error" not in r} for engine, recs in records.items() if recs
    }
    engines = list(by_engine)
    qmap = {q.qid: q for q in queries}
    pairs: dict[str, Any] = {}
    for a, b in itertools.combinations(engines, 2):
        tot: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        fac: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        overlap: list[float] = []
        safe = [0, 0]
        for qid, ra in by_engine[a].items():
            rb = by_engine[b].get(qid)
            q = qmap.get(qid)
            if rb is None or q is None:
                continue
            same = ra["total"] == rb["total"]
            for key in (q.qclass, "all"):
                tot[key][0] += same
                tot[key][1] += 1
            if q.stem_safe:
                safe[0] += same
                safe[1] += 1
            if q.facets and "facets" in ra and "facets" in rb:
                fsame = ra["facets"] == rb["facets"]
                for key in (q.qclass, "all"):
                    fac[key][0] += fsame
                    fac[key][1] += 1
            ids_a, ids_b = set(ra.get("top_ids") or []), set(rb.get("top_ids") or [])
            if ids_a or ids_b:
                overlap.append(len(ids_a & ids_b) / max(len(ids_a), len(ids_b)))
        pairs[f"{a}~{b}"] = {
            "totals": {k: {"n": v[1], "match": v[0], "pct": _pct(v[0], v[1])} for k, v in tot.items()},
            "totals_stem_safe": {"n": safe[1], "match": safe[0], "pct": _pct(safe[0], safe[1])},
            "facets": {k: {"n": v[1], "match": v[0], "pct": _pct(v[0], v[1])} for k, v in fac.items()},
            "top10_overlap": round(sum(overlap) / len(overlap), 3) if overlap else None,
        }

    # Queries where not all engines agree on the total, for the report.
    examples: list[dict[str, Any]] = []
    all_agree = [0, 0]
    for q in queries:
        totals = {e: by_engine[e][q.qid]["total"] for e in engines if q.qid in by_engine[e]}
        if len(totals) < 2:
            continue
        all_agree[1] += 1
        if len(set(totals.values())) == 1:
            all_agree[0] += 1
        elif len(examples) < max_examples:
            examples.append({"qid": q.qid, "class": q.qclass, "query": q.text(), "totals": totals})
    return {
        "engines": engines,
        "pairs": pairs,
        "all_engines_totals": {"n": all_agree[1], "match": all_agree[0], "pct": _pct(*all_agree)},
        "disagreements": examples,
    }
