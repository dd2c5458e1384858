"""Recall and precision of name-variant search on real war news: plain stemming against ours.

    python bench/variants_eval.py [--data DIR] [--out bench/out/variants_eval.md]
                                  [--json bench/out/variants_eval.json] [--index-runs 3] [--rounds 3]

Indexes RUWA, GDELT and the Guardian set together (read with
``searchsvc.ingest.read_records``) into two engines with ``bulk_index``: the
baseline ``SearchEngine(path, variants=None)`` and ours ``SearchEngine(path)``
(default variants). Then every spelling of every group in
``bench/variant_groups.py`` is searched in both, as written and in lower case,
and the matched documents are scored against a truth set computed from the
raw JSON, without searchsvc.

Ground truth (one set per group, shared by all its spellings)
-------------------------------------------------------------
A document belongs to a group when its title or body (raw JSON text, joined by
a newline) contains one of the group's spellings (``spellings`` and ``extra``)
as a whole word, ignoring case:

* a whole word: no letter or digit on either side, and no letter glued on by an
  apostrophe ("Slov'yansk" is not "Slov"). A hyphen is a boundary, so
  "Kyiv-based" and "pro-Kyiv" mention Kyiv: searchsvc indexes hyphen parts,
  and a reader would say they do;
* apostrophes ' ’ ʼ are one character, in spellings and in text;
* Latin: the spelling itself, optionally followed by the English possessive
  's/’s. Derived words do not count ("Kievan", "Kyivites", "Zelenska"), nor
  words glued together by bad extraction ("KyivRead");
* Cyrillic: the case endings of Russian and Ukrainian are allowed by matching
  the stem of the spelling followed by up to 3 Cyrillic letters. The stem is
  the spelling less a final -ий/-ій/-ый/-ой or a final vowel, soft sign or й
  (Маріуполь → Маріупол: Маріуполі, Маріуполю; Буча → Буч: Буче), never
  shorter than 3 letters. Adjectives (Київський, 4+ letters) stay out; stems
  that change inside the word (Київ → Києва) are not caught. The data holds
  almost no Cyrillic, so this rule decides few documents;
* a multi-word spelling ("Chasiv Yar") matches its words separated by spaces
  or a hyphen; its query is typed as is, so searchsvc ANDs the words.

Scoring
-------
For each query form, the full matched id set is read by paging the search
(100 per page, up to searchsvc's offset limit of 10,000).

* recall = |found ∩ truth| / |truth|; a group whose truth is empty is not
  scored (listed as absent from the data);
* precision = |found ∩ truth| / |found|; an empty result has precision 1.0
  (it returned nothing wrong) and recall 0.

Lower-case query forms ("slavyansk", "славянск") are reported separately from
the spellings as written, never folded into the headline averages. Targets
(from the issue), per set: average recall and precision at least 0.98, and no
single query below 0.9 on either.

For each query where ours misses or over-matches, up to 3 example documents
are printed with the surface word: for a miss, the word the truth regex found
(and the terms searchsvc indexed for it); for an over-match, the words
searchsvc highlighted in that document.

Cost
----
Indexing docs/s and CPU seconds of both engines (``--index-runs`` interleaved
builds, best run kept; CPU time includes the writer processes and is the
steadier figure on a shared machine), and p50/p95 query latency in both, each query run ``--rounds``
times after one warm-up pass, alternating which engine goes first:

* the variant queries as typed, as a default search (top 10, highlighted) and
  as a count (limit 1, no highlights). Ours then matches the whole group where
  plain stemming matches one spelling, so this mixes the cost of the terms with
  the cost of a bigger result;
* the same, but the baseline gets every spelling of the group OR-ed: both
  engines return (about) the same documents;
* ordinary news queries with no names in them.

The issue allows indexing 25% and queries 10% slower than plain stemming.

Exits 0 with a message when the data folder is absent. Results are saved to
``bench/out/`` (git-ignored).
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # Run as a script: make ``bench.variant_groups`` importable from the repo root.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.variant_groups import GROUPS, VariantGroup
from searchsvc import SearchEngine, SearchsvcError
from searchsvc.ingest import read_records

DATA_FILES = (
    "ruwa_ukraine_war_news/ruwa.jsonl",
    "ukraine_war_gdelt_articles/articles.jsonl",
    "guardian_ukraine_nato_2022/articles.jsonl",
)
OUT_DIR = Path(__file__).resolve().parent / "out"

# searchsvc caps a page at 100 hits and the offset at 10,000: enough for every
# group here (the largest match about 3,000 documents); a capped read is flagged.
PAGE = 100
MAX_OFFSET = 10_000

TARGET_MEAN = 0.98
TARGET_MIN = 0.9
EXAMPLES = 3
# Over-matched documents whose highlighted words are tallied per query: each
# costs one extra search, and a few dozen show the pattern.
EXTRA_WORDS_SAMPLE = 25

# ----------------------------------------------------------------- the truth

_APOSTROPHES = "'’ʼ"
_APOS_CLASS = "['’ʼ]"
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_CYR_LETTERS = "[а-яёіїєґ]"  # lower case is enough: the regex ignores case
_CYR_TWO_LETTER_ENDINGS = ("ий", "ій", "ый", "ой")
_CYR_FINAL = set("аеєиіїоуюяьйыэё")
_MIN_STEM = 3
# No letter or digit before, and not the tail of a word after an apostrophe.
_LEFT = r"(?<![^\W_])(?<![^\W_]['’ʼ])"
# No letter or digit after, and no apostrophe leading into more letters
# (a possessive is consumed by the pattern before this is checked).
_RIGHT = r"(?![^\W_])(?!['’ʼ][^\W_])"


def cyrillic_stem(word: str) -> str:
    """The word less one inflectional ending, never shorter than ``_MIN_STEM`` letters."""
    low = word.lower()
    if low.endswith(_CYR_TWO_LETTER_ENDINGS) and len(word) - 2 >= _MIN_STEM:
        return word[:-2]
    if low[-1] in _CYR_FINAL and len(word) - 1 >= _MIN_STEM:
        return word[:-1]
    return word


def _literal(text: str) -> str:
    # Escape, then let any apostrophe stand for all three.
    return "".join(_APOS_CLASS if ch in _APOSTROPHES else re.escape(ch) for ch in text)


def spelling_pattern(spelling: str) -> str:
    """The regex (without flags) that finds one spelling as a whole word; see the module doc."""
    words = spelling.split()
    parts = []
    for word in words:
        if _CYRILLIC.search(word):
            parts.append(_literal(cyrillic_stem(word)) + _CYR_LETTERS + "{0,3}")
        else:
            parts.append(_literal(word))
    body = r"(?:\s+|-)".join(parts)
    if not _CYRILLIC.search(words[-1]):
        body += rf"(?:{_APOS_CLASS}s)?"
    return _LEFT + body + _RIGHT


def compile_spellings(spellings: Iterable[str]) -> re.Pattern[str]:
    # Longest first, so "Chasiv Yar" is tried before a shorter spelling at the same spot.
    ordered = sorted(set(spellings), key=len, reverse=True)
    return re.compile("|".join(f"(?:{spelling_pattern(s)})" for s in ordered), re.IGNORECASE)


@dataclass
class Truth:
    """Who mentions a group: document ids, and the words that matched in each."""

    ids: set[str]
    words: dict[str, list[str]]  # id -> distinct matched words, in text order
    per_spelling: dict[str, int]  # spelling -> documents where it alone occurs
    extra_only: int  # documents found only through ``extra`` forms


def read_raw_texts(paths: Sequence[Path]) -> dict[str, str]:
    """id -> title + newline + body, straight from the JSON lines (independent of searchsvc)."""
    texts: dict[str, str] = {}
    for path in paths:
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if not line.strip():
                    continue
                raw = json.loads(line)
                title = raw.get("title") or ""
                body = raw.get("body") or ""
                texts[str(raw["id"])] = f"{title}\n{body}"
    return texts


def compute_truth(group: VariantGroup, texts: Mapping[str, str]) -> Truth:
    everything = compile_spellings(group.spellings + group.extra)
    main = compile_spellings(group.spellings)
    singles = {s: compile_spellings([s]) for s in group.spellings}
    ids: set[str] = set()
    words: dict[str, list[str]] = {}
    per_spelling = dict.fromkeys(group.spellings, 0)
    extra_only = 0
    for doc_id, text in texts.items():
        found = [m.group(0) for m in everything.finditer(text)]
        if not found:
            continue
        ids.add(doc_id)
        words[doc_id] = list(dict.fromkeys(found))
        if group.extra and not main.search(text):
            extra_only += 1
        for spelling, pattern in singles.items():
            if pattern.search(text):
                per_spelling[spelling] += 1
    return Truth(ids, words, per_spelling, extra_only)


# -------------------------------------------------------------- the engines


@dataclass
class BuildRun:
    engine: str
    seconds: float
    docs_per_second: float
    cpu_seconds: float  # user + system, this process and its (joined) writer processes


def _cpu_seconds() -> float:
    # Wall time swings when other jobs share the machine; CPU time much less.
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def build_engines(
    docs: list[dict[str, Any]], workdir: Path, runs: int
) -> tuple[SearchEngine, SearchEngine, list[BuildRun], dict[str, float]]:
    """Build baseline and ours ``runs`` times each, interleaved; keep the last of each open."""
    timings: list[BuildRun] = []
    opened: dict[str, float] = {}
    engines: dict[str, SearchEngine] = {}
    for run in range(runs):
        # Alternate who goes first, so neither always gets the colder caches.
        order = ("baseline", "ours") if run % 2 == 0 else ("ours", "baseline")
        for label in order:
            old = engines.pop(label, None)
            if old is not None:
                old.close()
            path = workdir / label
            shutil.rmtree(path, ignore_errors=True)
            started = time.perf_counter()
            engine = SearchEngine(path, variants=None) if label == "baseline" else SearchEngine(path)
            # Opening ours loads the gazetteer once per process; kept apart from
            # indexing so the docs/s compare the analysis and writing only.
            opened.setdefault(label, time.perf_counter() - started)
            started, cpu = time.perf_counter(), _cpu_seconds()
            summary = engine.bulk_index(docs)
            seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
            if summary.rejected:
                print(f"  {label}: {summary.rejected} documents rejected", file=sys.stderr)
            timings.append(BuildRun(label, seconds, len(docs) / seconds, cpu))
            print(
                f"  build {run + 1}/{runs} {label}: {seconds:.1f} s ({cpu:.1f} s CPU), "
                f"{len(docs) / seconds:.0f} docs/s"
            )
            engines[label] = engine
    return engines["baseline"], engines["ours"], timings, opened


def matched_ids(engine: SearchEngine, query: str) -> tuple[set[str], int, str | None]:
    """Every matching id (paged), the reported total, and an error message if the query failed."""
    try:
        first = engine.search(query, limit=PAGE, highlight=False)
    except SearchsvcError as exc:
        return set(), 0, f"{type(exc).__name__}: {exc}"
    ids = {hit.id for hit in first.hits}
    offset = PAGE
    while offset < first.total and offset <= MAX_OFFSET:
        page = engine.search(query, limit=PAGE, offset=offset, highlight=False)
        ids.update(hit.id for hit in page.hits)
        offset += PAGE
    return ids, first.total, None


_MARK = re.compile(r"<mark>(.*?)</mark>", re.DOTALL)


def highlighted_words(engine: SearchEngine, query: str, doc_id: str) -> list[str]:
    """The words searchsvc marks for ``query`` in one document: why it matched."""
    restricted = f'({query}) id:"{doc_id}"'
    try:
        result = engine.search(restricted, limit=1, highlight=True, fragments=10)
    except SearchsvcError:
        return []
    words: list[str] = []
    for hit in result.hits:
        for value in (hit.highlights or {}).values():
            for fragment in value if isinstance(value, list) else [value]:
                if isinstance(fragment, str):
                    words.extend(html.unescape(w) for w in _MARK.findall(fragment))
    return list(dict.fromkeys(words))


def query_terms(engine: SearchEngine, query: str) -> set[str]:
    """Terms searchsvc looks up for a query's words (diagnostics: what an extra match went through)."""
    analyzer = getattr(engine, "analyzer", None)
    word_terms = getattr(analyzer, "word_terms", None)
    variant_terms = getattr(getattr(engine, "variants", None), "query_terms", None)
    terms: set[str] = set()
    for word in query.split():
        try:
            if word_terms is not None:
                terms.update(t for t, _b in word_terms(word, "query"))
            if variant_terms is not None:
                terms.update(t for t, _b in variant_terms(word))
        except Exception:  # a diagnostic must never stop the report
            continue
    return terms


def index_terms(engine: SearchEngine, word: str) -> list[str]:
    """Terms searchsvc indexes for one word as written (diagnostics only)."""
    analyzer = getattr(engine, "analyzer", None)
    word_terms = getattr(analyzer, "word_terms", None)
    if word_terms is None:
        return []
    terms: list[str] = []
    for part in re.split(r"\s+|-", word):
        try:
            terms.extend(t for t, _b in word_terms(part.translate(str.maketrans("’ʼ", "''"))))
        except Exception:  # a diagnostic must never stop the report
            return terms
    return terms


# ----------------------------------------------------------------- scoring


@dataclass
class Side:
    """One engine's answer to one query."""

    hits: int
    total: int
    recall: float | None
    precision: float
    missed: int
    extra: int
    error: str | None = None
    capped: bool = False


@dataclass
class Example:
    doc_id: str
    words: list[str]
    terms: list[str] = field(default_factory=list)  # indexed for the first word
    via: list[str] = field(default_factory=list)  # of those, the ones the query looks up


@dataclass
class QueryRow:
    group: str
    kind: str
    spelling: str
    form: str  # "as written" or "lower case"
    query: str
    own_docs: int
    truth: int
    baseline: Side
    ours: Side
    missed_examples: list[Example] = field(default_factory=list)
    extra_examples: list[Example] = field(default_factory=list)
    missed_words: list[tuple[str, int]] = field(default_factory=list)
    extra_words: list[tuple[str, int]] = field(default_factory=list)
    query_terms: list[str] = field(default_factory=list)


def score(found: set[str], total: int, truth: set[str], error: str | None) -> Side:
    hit = len(found & truth)
    recall = hit / len(truth) if truth else None
    precision = hit / len(found) if found else 1.0
    capped = total > len(found)
    return Side(len(found), total, recall, precision, len(truth - found), len(found - truth), error, capped)


def query_forms(spelling: str) -> list[tuple[str, str]]:
    forms = [("as written", spelling)]
    if spelling.lower() != spelling:
        forms.append(("lower case", spelling.lower()))
    return forms


def evaluate(
    baseline: SearchEngine,
    ours: SearchEngine,
    groups: Sequence[VariantGroup],
    truths: Mapping[str, Truth],
    texts: Mapping[str, str],
) -> list[QueryRow]:
    rows: list[QueryRow] = []
    for group in groups:
        truth = truths[group.name]
        for spelling in group.spellings:
            for form, query in query_forms(spelling):
                base_ids, base_total, base_err = matched_ids(baseline, query)
                our_ids, our_total, our_err = matched_ids(ours, query)
                row = QueryRow(
                    group.name,
                    group.kind,
                    spelling,
                    form,
                    query,
                    truth.per_spelling[spelling],
                    len(truth.ids),
                    score(base_ids, base_total, truth.ids, base_err),
                    score(our_ids, our_total, truth.ids, our_err),
                )
                if truth.ids:
                    explain_failures(row, ours, query, our_ids, truth, texts)
                rows.append(row)
    return rows


def explain_failures(
    row: QueryRow,
    ours: SearchEngine,
    query: str,
    found: set[str],
    truth: Truth,
    texts: Mapping[str, str],
) -> None:
    """Fill in examples and word tallies for what ours missed and over-matched."""
    if not (truth.ids - found or found - truth.ids):
        return
    looked_up = query_terms(ours, query)
    row.query_terms = sorted(looked_up)
    missed = sorted(truth.ids - found)
    missed_words: Counter[str] = Counter()
    for doc_id in missed:
        missed_words.update(truth.words[doc_id])
    row.missed_words = missed_words.most_common(8)
    for doc_id in missed[:EXAMPLES]:
        words = truth.words[doc_id]
        row.missed_examples.append(Example(doc_id, words, index_terms(ours, words[0])))
    extra = sorted(found - truth.ids)
    extra_words: Counter[str] = Counter()
    for n, doc_id in enumerate(extra[:EXTRA_WORDS_SAMPLE]):
        words = highlighted_words(ours, query, doc_id)
        if not words:
            # Not highlighted (e.g. matched only in a joined hyphen form): show the text start.
            words = [_snippet(texts.get(doc_id, ""))]
        extra_words.update(words)
        if n < EXAMPLES:
            terms = index_terms(ours, words[0])
            row.extra_examples.append(Example(doc_id, words, terms, [t for t in terms if t in looked_up]))
    row.extra_words = extra_words.most_common(8)


def _snippet(text: str) -> str:
    return "(no highlight) " + " ".join(text.split())[:80]


# ------------------------------------------------------------------ latency

# Ordinary news queries with no names in them: what everybody else pays for variants.
ORDINARY_QUERIES = (
    "grain exports",
    "missile strike",
    "humanitarian corridor",
    "sanctions",
    "nuclear power plant",
    "drone attack",
    "prisoner exchange",
    "evacuation of civilians",
    "air defence",
    "peace talks",
    "refugees",
    "energy infrastructure",
    "counteroffensive",
    "ceasefire",
    "mobilisation",
)


def or_query(group: VariantGroup) -> str:
    """What plain stemming needs to find a group: every spelling OR-ed (multi-word ones as phrases)."""
    return " OR ".join(f'"{s}"' if " " in s else s for s in group.spellings)


def paired_latency(
    baseline: SearchEngine,
    ours: SearchEngine,
    pairs: Sequence[tuple[str, str]],
    rounds: int,
    **kwargs: Any,
) -> dict[str, dict[str, float]]:
    """p50/p95/mean in ms per engine; each pair is (baseline query, ours query).

    Round 0 warms caches and is not measured; which engine goes first
    alternates by query and round, so neither always runs on a warmer CPU.
    """
    engines = {"baseline": baseline, "ours": ours}
    samples: dict[str, list[float]] = {name: [] for name in engines}
    for rnd in range(rounds + 1):
        for i, (base_q, our_q) in enumerate(pairs):
            order = ("baseline", "ours") if (i + rnd) % 2 == 0 else ("ours", "baseline")
            for name in order:
                query = base_q if name == "baseline" else our_q
                started = time.perf_counter()
                try:
                    engines[name].search(query, **kwargs)
                except SearchsvcError:
                    continue
                if rnd > 0:
                    samples[name].append((time.perf_counter() - started) * 1000)
    out: dict[str, dict[str, float]] = {}
    for name, values in samples.items():
        values.sort()
        out[name] = {
            "p50_ms": statistics.median(values),
            "p95_ms": values[min(len(values) - 1, int(0.95 * len(values)))],
            "mean_ms": statistics.fmean(values),
            "n": float(len(values)),
        }
    return out


LATENCY_SETS = {
    "typed": "variant queries as typed, top 10 highlighted",
    "typed_count": "variant queries as typed, count only",
    "same_results": "baseline ORs all spellings (same documents), top 10 highlighted",
    "ordinary": "ordinary queries without names, top 10 highlighted",
}


def latency(
    baseline: SearchEngine,
    ours: SearchEngine,
    rows: Sequence[QueryRow],
    groups: Sequence[VariantGroup],
    rounds: int,
) -> dict[str, dict[str, dict[str, float]]]:
    typed = [(r.query, r.query) for r in rows]
    by_name = {g.name: g for g in groups}
    same = [(or_query(by_name[r.group]), r.query) for r in rows if r.form == "as written"]
    ordinary = [(q, q) for q in ORDINARY_QUERIES]
    return {
        "typed": paired_latency(baseline, ours, typed, rounds, limit=10),
        "typed_count": paired_latency(baseline, ours, typed, rounds, limit=1, highlight=False),
        "same_results": paired_latency(baseline, ours, same, rounds, limit=10),
        # Few queries: more rounds for a stable median.
        "ordinary": paired_latency(baseline, ours, ordinary, rounds * 10, limit=10),
    }


# ------------------------------------------------------------------ summary


@dataclass
class Summary:
    queries: int
    mean_recall: float
    mean_precision: float
    below: list[str]

    @property
    def passed(self) -> bool:
        return self.mean_recall >= TARGET_MEAN and self.mean_precision >= TARGET_MEAN and not self.below


def summarize(rows: Sequence[QueryRow], side: str, form: str | None) -> Summary:
    chosen = [r for r in rows if r.truth and (form is None or r.form == form)]
    sides = [(r, getattr(r, side)) for r in chosen]
    recalls = [s.recall for _r, s in sides if s.recall is not None]
    precisions = [s.precision for _r, s in sides]
    below = [
        f"{r.query} (R {_num(s.recall)}, P {_num(s.precision)})"
        for r, s in sides
        if (s.recall is not None and s.recall < TARGET_MIN) or s.precision < TARGET_MIN
    ]
    return Summary(
        len(chosen),
        statistics.fmean(recalls) if recalls else 0.0,
        statistics.fmean(precisions) if precisions else 0.0,
        below,
    )


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _cell(side: Side) -> str:
    text = f"{_num(side.recall)} / {_num(side.precision)}"
    low = (side.recall is not None and side.recall < TARGET_MIN) or side.precision < TARGET_MIN
    if side.error:
        text += " (error)"
    return f"**{text}**" if low else text


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(report: dict[str, Any], rows: Sequence[QueryRow]) -> str:
    out: list[str] = []
    add = out.append
    meta = report["meta"]
    add("# Name-variant search: plain stemming (baseline) vs ours\n")
    add(
        f"Data: {', '.join(meta['files'])}: {meta['documents']:,} documents. "
        f"{meta['groups_scored']} groups scored ({meta['places']} places, {meta['people']} people), "
        f"{meta['spellings']} spellings, {meta['queries_scored']} queries scored "
        f"(each spelling as written and in lower case). Run took {meta['seconds']:.0f} s.\n"
    )
    if meta["groups_absent"]:
        add(f"Groups with no document in the data (not scored): {', '.join(meta['groups_absent'])}.\n")
    add("Recall / precision against a regex truth set per group (see the script's docstring for the rule).")
    add("An empty result has precision 1.0 and recall 0. Lower-case forms are a separate set.\n")

    add("## Headline\n")
    add(
        "| queries | n | baseline mean R | baseline mean P | ours mean R | ours mean P | ours < 0.9 | target met |"
    )
    add("|---|---|---|---|---|---|---|---|")
    for label, key in (("as written", "as_written"), ("lower case", "lower_case"), ("all", "all")):
        b = report["summary"][key]["baseline"]
        o = report["summary"][key]["ours"]
        add(
            f"| {label} | {o['queries']} | {b['mean_recall']:.3f} | {b['mean_precision']:.3f} | "
            f"{o['mean_recall']:.3f} | {o['mean_precision']:.3f} | {len(o['below'])} | "
            f"{'yes' if o['passed'] else 'no'} |"
        )
    add("")

    cost = report["cost"]
    runs_text = ", ".join(f"{r['engine']} {r['seconds']:.1f}" for r in cost["runs"])
    add("## Cost\n")
    add("| | baseline | ours | ours vs baseline | allowed |")
    add("|---|---|---|---|---|")
    add(
        f"| indexing, docs/s (best of {cost['index_runs']}) | {cost['baseline_docs_per_s']:.0f} | "
        f"{cost['ours_docs_per_s']:.0f} | {cost['index_slowdown']:+.1%} | +25% |"
    )
    add(
        f"| indexing, CPU s incl. writer processes (best of {cost['index_runs']}) | "
        f"{cost['baseline_cpu_s']:.1f} | {cost['ours_cpu_s']:.1f} | {cost['index_cpu_slowdown']:+.1%} | +25% |"
    )
    for key, label in LATENCY_SETS.items():
        b = cost["latency"][key]["baseline"]
        o = cost["latency"][key]["ours"]
        add(
            f"| p50 ms: {label} (n={int(o['n'])}) | {b['p50_ms']:.2f} | {o['p50_ms']:.2f} | "
            f"{o['p50_ms'] / b['p50_ms'] - 1:+.1%} | +10% |"
        )
        add(
            f"| p95 ms, same | {b['p95_ms']:.2f} | {o['p95_ms']:.2f} | {o['p95_ms'] / b['p95_ms'] - 1:+.1%} | |"
        )
    add(
        f"\nIndexing runs (s): {runs_text}. Load average at start: {cost['load_average_at_start']:.1f} "
        f"on {os.cpu_count()} CPUs (wall times are only comparable on an otherwise idle machine). "
        f"Opening the engine (first time in the process): baseline {cost['open_s']['baseline']:.2f} s, "
        f"ours {cost['open_s']['ours']:.2f} s. Latency: {cost['rounds']} timed rounds after a warm-up "
        "(ordinary queries: 10x as many). Typed as written, ours matches the whole group where plain "
        "stemming matches one spelling, so part of its cost is the bigger result; the same-results "
        "line gives the baseline the OR of every spelling instead.\n"
    )

    add("## Queries below 0.9 (ours)\n")
    for key, label in (("as_written", "as written"), ("lower_case", "lower case")):
        below = report["summary"][key]["ours"]["below"]
        add(f"- {label}: {', '.join(below) if below else 'none'}")
    add("")

    add("## Per group and spelling\n")
    add(
        "R / P = recall / precision; **bold** = below 0.9. `docs` = documents containing that spelling itself.\n"
    )
    add(
        "| group | spelling | docs | truth | base hits | base R / P | ours hits | ours R / P "
        "| lc base R / P | lc ours R / P |"
    )
    add("|---|---|---|---|---|---|---|---|---|---|")
    lower = {(r.group, r.spelling): r for r in rows if r.form == "lower case"}
    last_group = ""
    for r in rows:
        if r.form != "as written":
            continue
        lc = lower.get((r.group, r.spelling))
        name = r.group if r.group != last_group else ""
        last_group = r.group
        add(
            f"| {name} | {_md_escape(r.spelling)} | {r.own_docs} | {r.truth} | {r.baseline.hits} | "
            f"{_cell(r.baseline)} | {r.ours.hits} | {_cell(r.ours)} | "
            f"{_cell(lc.baseline) if lc else '='} | {_cell(lc.ours) if lc else '='} |"
        )
    add("")
    extra_only = report["extra_only"]
    if extra_only:
        add(
            "Truth documents found only through a group's `extra` forms (misspellings, Polish): "
            + ", ".join(f"{k} {v}" for k, v in extra_only.items())
            + ".\n"
        )

    add("## Where ours misses or over-matches\n")
    add(
        "Missed: the truth words in the document, and the terms searchsvc indexed for the first. "
        "Over-matched: the words searchsvc highlighted there.\n"
    )
    written = {(r.group, r.spelling): r for r in rows if r.form == "as written"}

    def same_as_written(r: QueryRow) -> bool:
        twin = written.get((r.group, r.spelling))
        return twin is not None and (twin.ours.recall, twin.ours.precision) == (
            r.ours.recall,
            r.ours.precision,
        )

    failing = [r for r in rows if r.truth and (r.ours.missed or r.ours.extra)]
    failing.sort(key=lambda r: (min(r.ours.recall or 0.0, r.ours.precision), r.group, r.form))
    same_lower = [r.query for r in failing if r.form == "lower case" and same_as_written(r)]
    failing = [r for r in failing if not (r.form == "lower case" and same_as_written(r))]
    if not failing:
        add("None.\n")
    if same_lower:
        add(f"Lower-case forms that fail exactly like their spelling as written: {', '.join(same_lower)}.\n")
    for r in failing:
        add(
            f"- `{r.query}` ({r.group}, {r.form}): R {_num(r.ours.recall)} "
            f"(missed {r.ours.missed} of {r.truth}), P {_num(r.ours.precision)} "
            f"(extra {r.ours.extra} of {r.ours.hits})" + (f"; error: {r.ours.error}" if r.ours.error else "")
        )
        if r.query_terms:
            add(
                f"  - query looks up: {', '.join(r.query_terms[:12])}{' ...' if len(r.query_terms) > 12 else ''}"
            )
        if r.missed_words:
            add("  - missed words: " + ", ".join(f"{w} ×{n}" for w, n in r.missed_words))
        for ex in r.missed_examples:
            add(
                f"  - missed {ex.doc_id}: {', '.join(ex.words)} → indexed as {', '.join(ex.terms) or '(none)'}"
            )
        if r.extra_words:
            add("  - over-matched words: " + ", ".join(f"{w} ×{n}" for w, n in r.extra_words))
        for ex in r.extra_examples:
            via = f" → matched via {', '.join(ex.via)}" if ex.via else ""
            add(f"  - extra {ex.doc_id}: {', '.join(ex.words)}{via}")
    add("")
    return "\n".join(out)


# --------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    parser.add_argument("--out", default=str(OUT_DIR / "variants_eval.md"), help="Markdown report path.")
    parser.add_argument("--json", default=str(OUT_DIR / "variants_eval.json"), help="JSON report path.")
    parser.add_argument("--workdir", default=None, help="Folder for the two indexes (default: a temp dir).")
    parser.add_argument("--index-runs", type=int, default=3, help="Interleaved builds per engine.")
    parser.add_argument("--rounds", type=int, default=3, help="Timed rounds over the variant queries.")
    args = parser.parse_args(argv)

    data = Path(args.data)
    paths = [data / name for name in DATA_FILES if (data / name).is_file()]
    if not data.is_dir() or not paths:
        print(f"variants_eval: skipped, no evaluation data under {data}")
        return 0
    missing = [name for name in DATA_FILES if not (data / name).is_file()]
    if missing:
        print(f"variants_eval: missing {', '.join(missing)}; evaluating the rest", file=sys.stderr)
    started = time.perf_counter()
    load_at_start = os.getloadavg()[0]

    rejected: list[str] = []
    docs = []
    for record in read_records(paths):
        if record.document is not None:
            docs.append(record.document)
        else:
            rejected.append(f"{record.source}:{record.line}: {record.error}")
    indexed = {str(d["id"]) for d in docs}
    # The truth covers exactly the documents the engines got.
    texts = {k: v for k, v in read_raw_texts(paths).items() if k in indexed}
    print(f"{len(docs):,} documents ({len(rejected)} rejected) from {len(paths)} files")

    truths = {g.name: compute_truth(g, texts) for g in GROUPS}
    scored = [g for g in GROUPS if truths[g.name].ids]
    absent = [g.name for g in GROUPS if not truths[g.name].ids]

    own_workdir = args.workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="variants-eval-")) if own_workdir else Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        print("building indexes (bulk_index)")
        baseline, ours, runs, opened = build_engines(docs, workdir, max(1, args.index_runs))
        with baseline, ours:
            print("searching every spelling in both engines")
            rows = evaluate(baseline, ours, GROUPS, truths, texts)
            print(f"timing the queries, {args.rounds} rounds")
            lat = latency(baseline, ours, rows, GROUPS, max(1, args.rounds))
    finally:
        for label in ("baseline", "ours"):
            shutil.rmtree(workdir / label, ignore_errors=True)
        if own_workdir:
            shutil.rmtree(workdir, ignore_errors=True)

    best = {
        label: max(r.docs_per_second for r in runs if r.engine == label) for label in ("baseline", "ours")
    }
    best_cpu = {
        label: min(r.cpu_seconds for r in runs if r.engine == label) for label in ("baseline", "ours")
    }
    summary: dict[str, dict[str, dict[str, Any]]] = {}
    for key, form in (("as_written", "as written"), ("lower_case", "lower case"), ("all", None)):
        summary[key] = {}
        for side in ("baseline", "ours"):
            s = summarize(rows, side, form)
            summary[key][side] = {**asdict(s), "passed": s.passed}
    report: dict[str, Any] = {
        "meta": {
            "files": [str(p.relative_to(data)) for p in paths],
            "documents": len(docs),
            "rejected": rejected[:20],
            "groups": len(GROUPS),
            "groups_scored": len(scored),
            "groups_absent": absent,
            "places": sum(1 for g in scored if g.kind == "place"),
            "people": sum(1 for g in scored if g.kind == "person"),
            "spellings": sum(len(g.spellings) for g in scored),
            "queries_scored": sum(1 for r in rows if r.truth),
            "seconds": time.perf_counter() - started,
        },
        "summary": summary,
        "cost": {
            "index_runs": max(1, args.index_runs),
            "runs": [asdict(r) for r in runs],
            "open_s": opened,
            "baseline_docs_per_s": best["baseline"],
            "ours_docs_per_s": best["ours"],
            # Positive = ours takes longer per document.
            "index_slowdown": best["baseline"] / best["ours"] - 1,
            "baseline_cpu_s": best_cpu["baseline"],
            "ours_cpu_s": best_cpu["ours"],
            "index_cpu_slowdown": best_cpu["ours"] / best_cpu["baseline"] - 1,
            # Other jobs on the machine skew wall times: say how busy it was.
            "load_average_at_start": load_at_start,
            "latency": lat,
            "latency_sets": LATENCY_SETS,
            "rounds": max(1, args.rounds),
        },
        "extra_only": {g.name: truths[g.name].extra_only for g in GROUPS if truths[g.name].extra_only},
        "groups": [asdict(g) for g in GROUPS],
        "rows": [asdict(r) for r in rows],
    }
    markdown = render_markdown(report, rows)
    for target, content in (
        (args.out, markdown),
        (args.json, json.dumps(report, ensure_ascii=False, indent=1)),
    ):
        path = Path(target)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content + "\n", encoding="utf-8")
    print(markdown)
    print(f"saved {args.out} and {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
