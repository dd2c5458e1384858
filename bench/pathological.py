"""Expensive queries on a synthetic index: each must answer within 2 s, or be refused.

```sh
python bench/pathological.py --size 100k --index-dir /tmp/patho-100k
python bench/pathological.py --size 100k --index-dir /tmp/patho-100k --settings max_query_length=10000
```

Builds the index from :mod:`bench.synth` when ``--index-dir`` holds none (about
1.5 minutes at 100k), then runs each case ``--repeat`` times through the
library API and prints the slowest time per case and whether it was refused
(an :class:`~searchsvc.errors.InvalidInput`, which HTTP answers with a 4xx).
The first run of a case reads its postings cold, so the slowest is usually the
first.

Besides fixed cases, some are made to sit just inside a limit of the settings
(the prefix that matches the most terms ``max_expansion_terms`` allows, as
many prefixes as ``max_query_terms`` allows, ``max_query_phrases`` phrases of
common words): they show what the most expensive query a limit lets through
costs. They are found by looking at the index's terms, and checked against a
second engine, so the timed engine reads them cold. ``--settings NAME=VALUE``
changes a setting, to see what a raised limit would cost.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # Run as a script: make ``searchsvc`` and ``bench`` importable from the repo root.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.corpus import parse_size, size_label
from bench.synth import FUNCTION_WORDS, NEWS_WORDS, generate
from searchsvc import SearchEngine, Settings
from searchsvc.errors import InvalidInput, QueryTooExpensive

#: Every facet a search may ask for.
ALL_FACETS = ["source", "category", "lang", "tags", "places", "date"]
#: The fields a word without ``field:`` searches.
TEXT_FIELDS = ("title", "lead", "body")
#: What the issue asks of every case.
BUDGET_MS = 2000.0


@dataclass(frozen=True)
class Case:
    name: str
    q: str
    params: dict[str, Any] = field(default_factory=dict)


def _fill(words: Iterable[str], joiner: str, length: int) -> str:
    """As many of ``words`` joined by ``joiner`` as fit in ``length`` characters."""
    text = ""
    for word in words:
        longer = word if not text else text + joiner + word
        if len(longer) > length:
            break
        text = longer
    return text


def _cycle(words: tuple[str, ...]) -> Iterator[str]:
    while True:
        yield from words


def _nested(depth: int, operators: tuple[str, str]) -> str:
    q = "said"
    for i in range(depth):
        q = f"({'war' if i % 3 else 'attack'} {operators[i % 2]} {q})"
    return q


def cases(max_query_length: int) -> list[Case]:
    """The fixed cases: wildcards, many terms, deep pages, facets, date ranges, phrases and slop."""
    common = tuple(dict.fromkeys(w for w in NEWS_WORDS if len(w) >= 3))
    prefixes = tuple(dict.fromkeys(w[:2] for w in common))
    thousand = " ".join(w for w, _ in zip(_cycle(common), range(1000), strict=False))
    pairs = (f'"{a} {b}"~500' for a, b in zip(_cycle(common), _cycle(common[1:]), strict=False))
    every_facet = {"facets": ALL_FACETS, "facet_size": 1000, "date_interval": "day"}
    return [
        Case("every document: *", "*"),
        Case("wildcard: ?", "?"),
        Case("wildcard: ??", "??"),
        Case("wildcard: *ing", "*ing"),
        Case("wildcard: *e*", "*e*"),
        Case("wildcard: ?*", "?*"),
        Case("wildcard: *a*e*", "*a*e*"),
        Case("wildcard: title:*ing", "title:*ing"),
        Case("wildcard: s*ing", "s*ing"),
        Case("prefix: co*", "co*"),
        Case("prefix: a* (one letter)", "a*"),
        Case("range: [a TO z]", "[a TO z]"),
        Case("range: body:[co TO cz]", "body:[co TO cz]"),
        Case("range: tags:[a TO z]", "tags:[a TO z]"),
        Case("keyword wildcard: tags:*", "tags:*"),
        Case("keyword wildcard: source:*a*", "source:*a*"),
        Case("1,000 terms", thousand),
        Case("longest query of words AND-ed", _fill(_cycle(common), " ", max_query_length)),
        Case("longest query of words OR-ed", _fill(_cycle(common), " OR ", max_query_length)),
        Case("longest query of prefixes OR-ed", _fill((p + "*" for p in prefixes), " OR ", max_query_length)),
        Case("longest query of *x* wildcards", _fill((f"*{p}*" for p in prefixes), " OR ", max_query_length)),
        Case("longest query of NOT words", _fill((f"-{w}" for w in _cycle(common)), " ", max_query_length)),
        Case("longest word", "x" * max_query_length),
        Case("200 nested parentheses", "(" * 200 + "said" + ")" * 200),
        Case("nested ANDNOT, longest", _nested(max_query_length // 16, ("AND", "ANDNOT"))),
        Case("nested OR/AND, longest", _nested(max_query_length // 14, ("OR", "AND"))),
        Case("offset=10000000", "said", {"offset": 10_000_000}),
        Case("limit=100000", "said", {"limit": 100_000}),
        Case("offset=10000 limit=100: *", "*", {"offset": 10_000, "limit": 100}),
        Case("offset=10000 limit=100: said", "said", {"offset": 10_000, "limit": 100}),
        Case(
            "offset=10000 limit=100 sort=date: said", "said", {"offset": 10_000, "limit": 100, "sort": "date"}
        ),
        Case("limit=100 highlighted: said OR war", "said OR war", {"limit": 100}),
        Case("every facet, day buckets: *", "*", every_facet),
        Case("every facet, day buckets: said", "said", every_facet),
        Case(
            "every facet and filter: government",
            "government",
            {**every_facet, "filters": {"lang": "en"}, "date_from": "1900-01-01"},
        ),
        Case("date:[* TO *]", "date:[* TO *]"),
        Case("date:[1900-01-01 TO 2100-12-31]", "date:[1900-01-01 TO 2100-12-31]"),
        Case("date:>1900-01-01 said", "date:>1900-01-01 said"),
        Case("date_from/date_to over all time: *", "*", {"date_from": "1900-01-01", "date_to": "2100-12-31"}),
        Case("date_from/date_to, sort=date: said", "said", {"date_from": "1900-01-01", "sort": "date"}),
        Case('phrase, slop 1000000: "said government officials"', '"said government officials"~1000000'),
        Case('phrase, slop 10000: "of the and to in"', '"of the and to in"~10000'),
        Case("phrase of 60 common words, slop 1000", f'"{" ".join(common[:60])}"~1000'),
        Case("longest query of phrases OR-ed, slop 500", _fill(pairs, " OR ", max_query_length)),
        Case("stop words only", " ".join(FUNCTION_WORDS[:40])),
    ]


# -- cases just inside a limit ---------------------------------------------------------------


def _lexicons(engine: SearchEngine) -> dict[str, list[str]]:
    """Each text field's distinct terms (tools may look below the engine: see SearchEngine.pool)."""
    with engine.pool.snapshot() as snapshot:
        reader = snapshot.searcher.reader()
        return {name: [t.decode("utf-8") for t in reader.lexicon(name)] for name in TEXT_FIELDS}


def _accepted(engine: SearchEngine, q: str) -> bool:
    try:
        engine.search(q, limit=1, highlight=False)
    except QueryTooExpensive:
        return False
    return True


def limit_cases(probe: SearchEngine, settings: Settings) -> list[Case]:
    """Cases made to sit just inside ``settings``' limits on this index, checked on ``probe``."""
    lexicons = _lexicons(probe)
    most = settings.max_expansion_terms
    found: list[Case] = []

    # Patterns by the most terms they match in one field: prefixes of two and three
    # letters, and "s?*" (every longer term that starts with a letter).
    counts: dict[str, list[int]] = {}
    for column, name in enumerate(TEXT_FIELDS):
        per_field: Counter[str] = Counter()
        for t in lexicons[name]:
            for size in (2, 3):
                if len(t) >= size and t[:size].isalpha():
                    per_field[t[:size] + "*"] += 1
            if len(t) >= 2 and t[0].isalpha():
                per_field[t[0] + "?*"] += 1
        for pattern, count in per_field.items():
            counts.setdefault(pattern, [0] * len(TEXT_FIELDS))[column] = count
    inside = sorted(((max(c), sum(c), p) for p, c in counts.items() if max(c) <= most), reverse=True)
    if inside:
        widest, _total, pattern = inside[0]
        found.append(Case(f"pattern with {widest} terms (max_expansion_terms {most}): {pattern}", pattern))

    # As many prefixes as max_query_terms allows, biggest first.
    chosen: list[str] = []
    total = 0
    prefixes = [(terms, p[:-1]) for _widest, terms, p in inside if not p.endswith("?*")]
    for terms, start in sorted(prefixes, reverse=True):
        q = " OR ".join(f"{p}*" for p in [*chosen, start])
        if total + terms + 3 > settings.max_query_terms or len(q) > settings.max_query_length:
            continue
        chosen.append(start)
        total += terms
    while chosen and not _accepted(probe, " OR ".join(f"{p}*" for p in chosen)):
        chosen.pop()
    if chosen:
        found.append(
            Case(
                f"{len(chosen)} prefixes, ~{total} terms (max_query_terms {settings.max_query_terms})",
                " OR ".join(f"{p}*" for p in chosen),
            )
        )

    # A wildcard without a start that matches the most terms allowed: it looks through every term.
    best = None
    sample = lexicons["body"][:: max(1, len(lexicons["body"]) // 2000)]
    for pair in sorted({t[i : i + 2] for t in sample for i in range(len(t) - 1)}):
        if not pair.isalpha():
            continue
        pattern = re.compile(fnmatch.translate(f"*{pair}*"))
        widest = max(sum(1 for t in lexicons[name] if pattern.match(t)) for name in TEXT_FIELDS)
        if widest <= most and (best is None or widest > best[0]):
            best = (widest, f"*{pair}*")
    if best is not None and _accepted(probe, best[1]):
        found.append(Case(f"wildcard with {best[0]} terms, no start: {best[1]}", best[1]))

    # max_query_phrases phrases of the commonest words, with a large slop.
    common = [w for w in NEWS_WORDS if len(w) >= 4][:40]
    phrases = [f'"{a} {b}"~500' for a, b in zip(common[::2], common[1::2], strict=False)]
    q = " OR ".join(phrases[: settings.max_query_phrases])
    if len(q) <= settings.max_query_length and _accepted(probe, q):
        found.append(Case(f"{settings.max_query_phrases} phrases of common words, slop 500", q))

    # All at once: the wildcard, the phrases, and as many of the prefixes as still fit.
    parts = ([best[1]] if best is not None else []) + phrases[: settings.max_query_phrases]
    extra = [f"{p}*" for p in chosen]
    while True:
        q = " OR ".join(parts + extra)
        if len(q) <= settings.max_query_length and _accepted(probe, q):
            found.append(Case(f"every limit at once, with {len(extra)} prefixes", q))
            break
        if not extra:
            break
        extra.pop()
    return found


# -- running ---------------------------------------------------------------------------------


def build(path: Path, size: int) -> None:
    with SearchEngine(path) as engine:
        if len(engine):
            return
        started = time.perf_counter()
        engine.bulk_index(generate(size), procs=2)
        print(f"built {size_label(size)} documents in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def run(engine: SearchEngine, case: Case, repeat: int) -> dict[str, Any]:
    slowest = 0.0
    refused = None
    total = None
    for _ in range(repeat):
        started = time.perf_counter()
        try:
            result = engine.search(case.q, **case.params)
            total = result.total
        except InvalidInput as exc:
            refused = f"{exc.status} {exc.code}: {exc.message}"
        slowest = max(slowest, (time.perf_counter() - started) * 1000)
    return {"case": case.name, "slowest_ms": round(slowest, 1), "refused": refused, "total": total}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--size", default="100k", help="documents in the synthetic index (100k, 10k, 2500...)"
    )
    parser.add_argument("--index-dir", required=True, type=Path, help="index folder, built when empty")
    parser.add_argument("--repeat", type=int, default=3, help="runs per case; the slowest is reported")
    parser.add_argument("--only", default="", help="run only the cases whose name contains this")
    parser.add_argument("--settings", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args(argv)
    build(args.index_dir, parse_size(args.size))
    overrides: dict[str, Any] = {}
    for item in args.settings:
        name, _, value = item.partition("=")
        overrides[name] = type(getattr(Settings(), name))(value)
    settings = Settings(**overrides)
    with SearchEngine(args.index_dir, settings=settings) as probe:
        at_limits = limit_cases(probe, settings)
    rows = []
    with SearchEngine(args.index_dir, settings=settings) as engine:
        documents = len(engine)
        print(f"{documents} documents, {args.repeat} runs per case, budget {BUDGET_MS:.0f} ms")
        if overrides:
            print("settings: " + ", ".join(f"{k}={v}" for k, v in overrides.items()))
        print(f"\n| {'case':<60} | {'slowest ms':>10} | {'total':>7} | refused |")
        print(f"|{'-' * 62}|{'-' * 12}|{'-' * 9}|---------|")
        for case in [*cases(settings.max_query_length), *at_limits]:
            if args.only and args.only not in case.name:
                continue
            row = run(engine, case, args.repeat)
            rows.append(row)
            over = " OVER" if row["slowest_ms"] > BUDGET_MS and not row["refused"] else ""
            total = "" if row["total"] is None else row["total"]
            print(
                f"| {row['case'][:60]:<60} | {row['slowest_ms']:>10.1f} | {total!s:>7} | "
                f"{row['refused'] or 'no'}{over} |",
                flush=True,
            )
    if args.json:
        args.json.write_text(
            json.dumps({"documents": documents, "settings": overrides, "rows": rows}, indent=1)
        )
    slow = [r for r in rows if r["slowest_ms"] > BUDGET_MS and not r["refused"]]
    return 1 if slow else 0


if __name__ == "__main__":
    raise SystemExit(main())
