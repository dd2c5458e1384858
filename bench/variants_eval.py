"""Recall and precision of name-variant search on real war news: plain stemming against ours.

    python bench/variants_eval.py [--part english|cyrillic|all] [--data DIR]
                                  [--out bench/out/variants_eval.md] [--json bench/out/variants_eval.json]
                                  [--index-runs 3] [--rounds 3] [--limit-docs N] [--compare OLD.json ...]

Two parts. The English part (the default, ``--part english``) is described
first; the Cyrillic part (``--part cyrillic``, or both with ``--part all``)
after it, under "Cyrillic part". ``--limit-docs N`` indexes at most N
documents, split evenly over the files, for a quick run of either part.

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

Cyrillic part
-------------
Russian and Ukrainian news (``cyrillic_news/{tsn_tg,nktkln_tg,rus495,segodnya2017}``,
read with ``read_records``, ``lang`` kept) indexed with ``bulk_index`` into one
engine, ``SearchEngine(path)`` with the default variants. The groups are in
``bench/cyrillic_groups.py``: for each, the Latin spellings and the Russian and
Ukrainian nominatives are the queries, typed as written (a multi-word name's
words are ANDed), and every matched id is read by paging as above.

Truth, per group, from the raw JSON (title + newline + body), without searchsvc.
The text is normalised first: the apostrophes ' ’ ʼ ` ‘ become ', a no-break
space becomes a space, and soft hyphens (U+00AD) and combining stress marks
(U+0301) are dropped. Words are then runs of letters and digits, with an
apostrophe allowed between letters (Слов'янськ); hyphens, underscores and all
other characters separate them; case is ignored. A document is

* relevant when it holds one of the group's listed noun forms (the
  nominatives and the written-out case forms, less the ``ambiguous`` ones) as
  a whole word, a multi-word form as its words separated by spaces or a hyphen;
* neutral, neither right nor wrong, when it holds none but holds a word of
  the same stem that is not a listed form (a word starting with one of the
  group's ``stems``: "Київський", "Харківщина", "славянские"), an
  ``ambiguous`` form, or a Latin spelling of the group (in this data almost
  only in links: t.me/moskva_...); and also when one of the group's
  ``homonyms`` occurs (a phrase where a form names something else: "Юрия
  Буданова", "Донецьку область"), whatever else it holds;
* negative otherwise, including when its only such words are the group's
  ``others`` (different words under the stem that name something else:
  "Покровское", "Херсонес").

Neutral documents are dropped from both the found and the truth set when a
group's queries are scored: recall = |found ∩ truth| / |truth| and precision
= |found ∩ truth| / |found - neutral| (1.0 when that is empty). Targets (from
the issue): mean recall at least 0.97, mean precision at least 0.98, no query
below 0.85 on either. The report adds recall on the Russian and the Ukrainian
documents apart, how often each case form occurs among the relevant
documents and how many of those the group's queries find, and for the worst
queries the forms they miss and the words they over-match.

Comparing with an earlier commit
--------------------------------
``--json`` saves a run; ``--compare OLD.json`` (repeatable: an English and a
Cyrillic report for ``--part all``) prints an earlier run's figures beside the
current ones, per query and in the headline, and adds them to the report. To
run this checkout's script against an older engine, check the older commit
out in a worktree and put it first on PYTHONPATH: run as a script,
``bench`` is always imported from the script's own checkout, ``searchsvc`` from
PYTHONPATH when set (the report's ``meta.searchsvc`` says which was used)::

    git worktree add /tmp/base 886e173
    PYTHONPATH=/tmp/base python bench/variants_eval.py --part cyrillic --json /tmp/base.json
    python bench/variants_eval.py --part cyrillic --json bench/out/cyr_today.json --compare /tmp/base.json
    git worktree remove /tmp/base

(``python -m bench.variants_eval`` puts the current folder first on sys.path,
so there PYTHONPATH cannot override ``searchsvc``: use the script form.)
"""

from __future__ import annotations

import argparse
import html
import itertools
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # Run as a script: import ``bench`` from this checkout, then move the checkout to the end of
    # sys.path, so that ``searchsvc`` comes from PYTHONPATH when set (another commit's worktree,
    # for --compare) and from the installed package otherwise.
    _ROOT = str(Path(__file__).resolve().parents[1])
    sys.path.insert(0, _ROOT)
    import bench  # noqa: F401

    sys.path.remove(_ROOT)
    sys.path.append(_ROOT)

import searchsvc
from bench.cyrillic_groups import GROUPS as CYRILLIC_GROUPS
from bench.cyrillic_groups import CyrillicGroup
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


# ------------------------------------------------------------ the Cyrillic part

CYRILLIC_FILES = (
    "cyrillic_news/tsn_tg/articles.jsonl",
    "cyrillic_news/nktkln_tg/articles.jsonl",
    "cyrillic_news/rus495/articles.jsonl",
    "cyrillic_news/segodnya2017/articles.jsonl",
)
CYR_TARGET_RECALL = 0.97
CYR_TARGET_PRECISION = 0.98
CYR_TARGET_MIN = 0.85
CYR_WORST = 10

_NORMALISE = str.maketrans(
    {"’": "'", "ʼ": "'", "`": "'", "‘": "'", "\u00a0": " ", "\u00ad": None, "\u0301": None}
)
# Letters and digits, with an apostrophe only between letters: "Слов'янськ" is one word, and a
# digit glued on makes another word ("Киев2" is not "Киев").
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")


def normalise(text: str) -> str:
    """Text as the Cyrillic truth reads it: one apostrophe, plain spaces, no soft hyphens or stress."""
    return text.translate(_NORMALISE)


def words_of(text: str) -> set[str]:
    """The distinct whole words of normalised text, in lower case."""
    return {w.lower() for w in _WORD.findall(text)}


def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    # The words of a multi-word form, separated by spaces or a hyphen, as whole words.
    body = r"(?:\s+|-)".join(re.escape(w) for w in normalise(phrase).split())
    return re.compile(_LEFT + body + _RIGHT, re.IGNORECASE)


@dataclass
class Verdict:
    """What one document is for one group, and the words that decided it."""

    kind: str  # "relevant", "neutral" or "negative"
    words: list[str] = field(default_factory=list)


class GroupMatcher:
    """Decides relevant / neutral / negative for one group (the rule is in the module docstring).

    ``vocabulary`` holds every lower-case word that will be judged: the words under the
    group's stems are looked up in it once, so judging a document is a few set operations.
    """

    def __init__(self, group: CyrillicGroup, vocabulary: Iterable[str]) -> None:
        self.group = group
        self.forms: dict[str, str] = {}
        self.phrases: list[tuple[str, str, re.Pattern[str]]] = []  # (form, first word, pattern)
        for form in group.forms:
            self._add(form, self.forms, self.phrases)
        # Ambiguous forms and Latin spellings make a document neutral, never relevant.
        self.neutral_words: dict[str, str] = {}
        self.neutral_phrases: list[tuple[str, str, re.Pattern[str]]] = []
        for form in group.ambiguous + group.latin:
            self._add(form, self.neutral_words, self.neutral_phrases)
        stems = tuple(normalise(s).lower() for s in group.stems)
        others = tuple(normalise(o).lower() for o in group.others)
        self.stem_words = {
            w
            for w in vocabulary
            if w.startswith(stems)
            and not w.startswith(others)
            and w not in self.forms
            and w not in self.neutral_words
        }
        self.homonyms = (
            re.compile("|".join(f"(?:{h})" for h in group.homonyms), re.IGNORECASE)
            if group.homonyms
            else None
        )
        # A document with none of these words is negative, whatever else it holds.
        self.gate = (
            set(self.forms)
            | set(self.neutral_words)
            | self.stem_words
            | {first for _f, first, _p in self.phrases + self.neutral_phrases}
        )

    @staticmethod
    def _add(form: str, single: dict[str, str], multi: list[tuple[str, str, re.Pattern[str]]]) -> None:
        words = normalise(form).split()
        if len(words) == 1:
            single[words[0].lower()] = form
        else:
            multi.append((form, words[0].lower(), _phrase_pattern(form)))

    def judge(self, text: str, words: set[str]) -> Verdict:
        """``text`` normalised, ``words`` its :func:`words_of`."""
        if words.isdisjoint(self.gate):
            return Verdict("negative")
        if self.homonyms is not None:
            found = self.homonyms.search(text)
            if found:
                return Verdict("neutral", [found.group(0)])
        relevant = [self.forms[w] for w in words & self.forms.keys()]
        relevant += [f for f, first, p in self.phrases if first in words and p.search(text)]
        if relevant:
            return Verdict("relevant", sorted(relevant))
        neutral = [self.neutral_words[w] for w in words & self.neutral_words.keys()]
        neutral += [f for f, first, p in self.neutral_phrases if first in words and p.search(text)]
        neutral += sorted(words & self.stem_words)
        if neutral:
            return Verdict("neutral", neutral)
        return Verdict("negative")


def judge(group: CyrillicGroup, text: str) -> Verdict:
    """One text against one group: the rule the evaluation applies, for tests and spot checks."""
    norm = normalise(text)
    words = words_of(norm)
    return GroupMatcher(group, words).judge(norm, words)


@dataclass
class CyrillicTruth:
    relevant: dict[str, list[str]]  # id -> the listed forms it holds
    neutral: dict[str, list[str]]  # id -> the words that made it neutral


def cyrillic_truths(groups: Sequence[CyrillicGroup], texts: Mapping[str, str]) -> dict[str, CyrillicTruth]:
    """Relevant and neutral documents of every group."""
    normalised = {doc_id: normalise(text) for doc_id, text in texts.items()}
    words = {doc_id: words_of(text) for doc_id, text in normalised.items()}
    vocabulary: set[str] = set().union(*words.values()) if words else set()
    truths: dict[str, CyrillicTruth] = {}
    for group in groups:
        matcher = GroupMatcher(group, vocabulary)
        truth = CyrillicTruth({}, {})
        for doc_id, text in normalised.items():
            verdict = matcher.judge(text, words[doc_id])
            if verdict.kind == "relevant":
                truth.relevant[doc_id] = verdict.words
            elif verdict.kind == "neutral":
                truth.neutral[doc_id] = verdict.words
        truths[group.name] = truth
    return truths


def read_raw_cyrillic(paths: Sequence[Path]) -> tuple[dict[str, str], dict[str, str]]:
    """id -> title + newline + body, and id -> lang, straight from the JSON lines."""
    texts: dict[str, str] = {}
    langs: dict[str, str] = {}
    for path in paths:
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if not line.strip():
                    continue
                raw = json.loads(line)
                doc_id = str(raw["id"])
                texts[doc_id] = f"{raw.get('title') or ''}\n{raw.get('body') or ''}"
                langs[doc_id] = str(raw.get("lang") or "")
    return texts, langs


def query_script(group: CyrillicGroup, query: str) -> str:
    if query in group.latin:
        return "latin"
    langs = [lang for lang, names in (("ru", group.ru), ("uk", group.uk)) if query in names]
    return "+".join(langs)


@dataclass
class CyrRow:
    """One query of the Cyrillic part, scored against its group."""

    group: str
    kind: str
    query: str
    script: str  # "latin", "ru", "uk" or "ru+uk"
    truth: int
    neutral: int
    hits: int  # every document the search returned
    scored_hits: int  # less the group's neutral ones
    recall: float | None
    precision: float
    missed: int
    extra: int
    recall_by_lang: dict[str, float | None] = field(default_factory=dict)
    error: str | None = None
    capped: bool = False
    missed_forms: list[tuple[str, int]] = field(default_factory=list)
    extra_words: list[tuple[str, int]] = field(default_factory=list)
    query_terms: list[str] = field(default_factory=list)
    missed_examples: list[Example] = field(default_factory=list)
    extra_examples: list[Example] = field(default_factory=list)


def score_cyrillic(
    group: CyrillicGroup,
    query: str,
    found: set[str],
    total: int,
    error: str | None,
    truth: CyrillicTruth,
    langs: Mapping[str, str],
) -> CyrRow:
    relevant = set(truth.relevant)
    scored = found - truth.neutral.keys()
    hit = scored & relevant
    by_lang: dict[str, float | None] = {}
    for lang in ("ru", "uk"):
        in_lang = {d for d in relevant if langs.get(d) == lang}
        by_lang[lang] = len(hit & in_lang) / len(in_lang) if in_lang else None
    return CyrRow(
        group=group.name,
        kind=group.kind,
        query=query,
        script=query_script(group, query),
        truth=len(relevant),
        neutral=len(truth.neutral),
        hits=len(found),
        scored_hits=len(scored),
        recall=len(hit) / len(relevant) if relevant else None,
        precision=len(hit) / len(scored) if scored else 1.0,
        missed=len(relevant - found),
        extra=len(scored - relevant),
        recall_by_lang=by_lang,
        error=error,
        capped=total > len(found),
    )


def explain_cyrillic(
    row: CyrRow, engine: SearchEngine, found: set[str], truth: CyrillicTruth, texts: Mapping[str, str]
) -> None:
    """Which forms the query misses, and which words it over-matches (with examples)."""
    relevant = set(truth.relevant)
    missed = sorted(relevant - found)
    extra = sorted(found - truth.neutral.keys() - relevant)
    if not (missed or extra):
        return
    looked_up = query_terms(engine, row.query)
    row.query_terms = sorted(looked_up)
    tally: Counter[str] = Counter()
    for doc_id in missed:
        tally.update(truth.relevant[doc_id])
    row.missed_forms = tally.most_common(12)
    for doc_id in missed[:EXAMPLES]:
        forms = truth.relevant[doc_id]
        row.missed_examples.append(Example(doc_id, forms, index_terms(engine, forms[0])))
    words: Counter[str] = Counter()
    for n, doc_id in enumerate(extra[:EXTRA_WORDS_SAMPLE]):
        marked = highlighted_words(engine, row.query, doc_id) or [_snippet(texts.get(doc_id, ""))]
        words.update(marked)
        if n < EXAMPLES:
            terms = index_terms(engine, marked[0])
            row.extra_examples.append(Example(doc_id, marked, terms, [t for t in terms if t in looked_up]))
    row.extra_words = words.most_common(8)


def form_coverage(
    groups: Sequence[CyrillicGroup],
    truths: Mapping[str, CyrillicTruth],
    found_by_query: Mapping[tuple[str, str], set[str]],
    langs: Mapping[str, str],
) -> dict[str, list[dict[str, Any]]]:
    """Per group and listed form: relevant documents holding it, and the share its queries find.

    The share is averaged over the group's queries: it shows which case forms a query misses.
    """
    out: dict[str, list[dict[str, Any]]] = {}
    for group in groups:
        truth = truths[group.name]
        queries = [q for q in group.queries if (group.name, q) in found_by_query]
        ambiguous = {a.lower() for a in group.ambiguous}
        rows: list[dict[str, Any]] = []
        for form in group.listed:
            docs = {d for d, forms in truth.relevant.items() if form in forms}
            lang = "+".join(
                name
                for name, listed in (
                    ("ru", group.ru + group.ru_cases),
                    ("uk", group.uk + group.uk_cases),
                )
                if form in listed
            )
            shares = [len(docs & found_by_query[(group.name, q)]) / len(docs) for q in queries if docs]
            rows.append(
                {
                    "form": form,
                    "lang": lang,
                    "ambiguous": form.lower() in ambiguous,
                    "docs": len(docs),
                    "docs_ru": sum(1 for d in docs if langs.get(d) == "ru"),
                    "docs_uk": sum(1 for d in docs if langs.get(d) == "uk"),
                    "found_mean": statistics.fmean(shares) if shares else None,
                    "found_min": min(shares) if shares else None,
                }
            )
        out[group.name] = rows
    return out


@dataclass
class CyrSummary:
    queries: int
    mean_recall: float
    mean_precision: float
    min_recall: float
    min_precision: float
    below: list[str]

    @property
    def passed(self) -> bool:
        return (
            self.queries > 0
            and self.mean_recall >= CYR_TARGET_RECALL
            and self.mean_precision >= CYR_TARGET_PRECISION
            and not self.below
        )


def summarize_cyrillic(rows: Sequence[CyrRow], scripts: Iterable[str] | None = None) -> CyrSummary:
    wanted = set(scripts) if scripts is not None else None
    chosen = [r for r in rows if r.truth and (wanted is None or r.script in wanted)]
    recalls = [r.recall for r in chosen if r.recall is not None]
    precisions = [r.precision for r in chosen]
    below = [
        f"{r.query} (R {_num(r.recall)}, P {_num(r.precision)})"
        for r in chosen
        if (r.recall is not None and r.recall < CYR_TARGET_MIN) or r.precision < CYR_TARGET_MIN
    ]
    return CyrSummary(
        len(chosen),
        statistics.fmean(recalls) if recalls else 0.0,
        statistics.fmean(precisions) if precisions else 0.0,
        min(recalls) if recalls else 0.0,
        min(precisions) if precisions else 0.0,
        below,
    )


CYR_SUMMARY_SETS = {
    "all": ("all queries", None),
    "latin": ("Latin spellings", ("latin",)),
    "cyrillic": ("Cyrillic nominatives", ("ru", "uk", "ru+uk")),
}


def _worst_key(row: CyrRow) -> tuple[float, str, str]:
    return (min(row.recall if row.recall is not None else 1.0, row.precision), row.group, row.query)


# -- comparing with an earlier run


def report_part(report: Mapping[str, Any]) -> str:
    """ "english" or "cyrillic": reports saved before the Cyrillic part existed are English."""
    return str(report.get("part") or "english")


def row_figures(report: Mapping[str, Any]) -> dict[tuple[str, ...], tuple[float | None, float]]:
    """(group, query[, form]) -> (recall, precision) of a saved report; English: the ``ours`` side."""
    figures: dict[tuple[str, ...], tuple[float | None, float]] = {}
    for row in report.get("rows", []):
        if report_part(report) == "cyrillic":
            figures[(row["group"], row["query"])] = (row["recall"], row["precision"])
        else:
            ours = row["ours"]
            figures[(row["group"], row["query"], row["form"])] = (ours["recall"], ours["precision"])
    return figures


def _source_label(report: Mapping[str, Any]) -> str:
    source = report.get("meta", {}).get("searchsvc") or {}
    if not source:
        return "searchsvc (not recorded)"
    commit = source.get("commit") or "no git"
    dirty = "+changes" if source.get("dirty") else ""
    return f"{source.get('path')} @ {commit}{dirty}"


def _delta(new: float | None, old: float | None) -> str:
    if new is None or old is None:
        return ""
    return f"{new - old:+.3f}"


def compare_lines(current: Mapping[str, Any], old: Mapping[str, Any], old_path: str) -> list[str]:
    """A markdown section: the headline and every query's figures, now and in the earlier run."""
    out = [f"## Compared with {old_path}\n"]
    out.append(f"Now: {_source_label(current)}. Then: {_source_label(old)}.\n")
    new_rows = row_figures(current)
    old_rows = row_figures(old)
    if report_part(current) == "cyrillic":
        out.append(
            "| queries | mean R now / then | mean P now / then | min R now / then | min P now / then |"
        )
        out.append("|---|---|---|---|---|")
        for key, (label, _scripts) in CYR_SUMMARY_SETS.items():
            n = current["summary"].get(key)
            o = old.get("summary", {}).get(key)
            if not n or not o:
                continue
            out.append(
                f"| {label} | {n['mean_recall']:.3f} / {o['mean_recall']:.3f} | "
                f"{n['mean_precision']:.3f} / {o['mean_precision']:.3f} | "
                f"{n['min_recall']:.3f} / {o['min_recall']:.3f} | "
                f"{n['min_precision']:.3f} / {o['min_precision']:.3f} |"
            )
    else:
        out.append("| queries | ours mean R now / then | ours mean P now / then |")
        out.append("|---|---|---|")
        for key in ("as_written", "lower_case", "all"):
            n = current["summary"].get(key, {}).get("ours")
            o = old.get("summary", {}).get(key, {}).get("ours")
            if n and o:
                out.append(
                    f"| {key.replace('_', ' ')} | {n['mean_recall']:.3f} / {o['mean_recall']:.3f} | "
                    f"{n['mean_precision']:.3f} / {o['mean_precision']:.3f} |"
                )
    out.append("")
    changed = [k for k in new_rows if k in old_rows and new_rows[k] != old_rows[k]]
    out.append(
        f"{len(changed)} of {len(new_rows)} queries changed; "
        f"{sum(1 for k in new_rows if k not in old_rows)} not in the earlier run, "
        f"{sum(1 for k in old_rows if k not in new_rows)} only there.\n"
    )
    out.append("| group | query | R now | R then | ΔR | P now | P then | ΔP |")
    out.append("|---|---|---|---|---|---|---|---|")
    for row_key, (recall, precision) in new_rows.items():
        if row_key not in old_rows:
            continue
        old_recall, old_precision = old_rows[row_key]
        query = " / ".join(_md_escape(k) for k in row_key[1:])
        out.append(
            f"| {row_key[0]} | {query} | {_num(recall)} | {_num(old_recall)} | {_delta(recall, old_recall)} | "
            f"{_num(precision)} | {_num(old_precision)} | {_delta(precision, old_precision)} |"
        )
    out.append("")
    return out


# -- the report


def render_cyrillic(report: dict[str, Any], rows: Sequence[CyrRow]) -> str:
    out: list[str] = []
    add = out.append
    meta = report["meta"]
    add("# Name-variant search on Russian and Ukrainian news (Cyrillic part)\n")
    add(
        f"Data: {', '.join(meta['files'])}: {meta['documents']:,} documents "
        f"({', '.join(f'{k} {v:,}' for k, v in meta['languages'].items())}). Engine: "
        f"`SearchEngine(path)`, default variants, from {_source_label(report)}. "
        f"{meta['groups_scored']} groups scored ({meta['places']} places, {meta['people']} people), "
        f"{meta['queries_scored']} queries. Indexing took {meta['index_seconds']:.0f} s, "
        f"the run {meta['seconds']:.0f} s.\n"
    )
    if meta["groups_absent"]:
        add(f"Groups with no relevant document (not scored): {', '.join(meta['groups_absent'])}.\n")
    add(
        "Truth: a document is relevant to a group when it holds one of the group's listed noun forms "
        "(nominatives and case forms) as a whole word; neutral when it holds only another word of the "
        "same stem (an adjective, a region), an ambiguous form, a Latin spelling, or a homonym phrase. "
        "**Neutral documents are excluded from both the found and the truth set** of that group's "
        "queries. See the script's docstring and `bench/cyrillic_groups.py`.\n"
    )
    add("## Headline\n")
    add(
        f"Targets: mean recall ≥ {CYR_TARGET_RECALL}, mean precision ≥ {CYR_TARGET_PRECISION}, "
        f"no query below {CYR_TARGET_MIN} on either.\n"
    )
    add("| queries | n | mean R | mean P | min R | min P | below 0.85 | target met |")
    add("|---|---|---|---|---|---|---|---|")
    for key, (label, _scripts) in CYR_SUMMARY_SETS.items():
        s = report["summary"][key]
        add(
            f"| {label} | {s['queries']} | {s['mean_recall']:.3f} | {s['mean_precision']:.3f} | "
            f"{s['min_recall']:.3f} | {s['min_precision']:.3f} | {len(s['below'])} | "
            f"{'yes' if s['passed'] else 'no'} |"
        )
    add("")
    below = report["summary"]["all"]["below"]
    add(f"Queries below {CYR_TARGET_MIN}: {', '.join(below) if below else 'none'}.\n")

    add("## Per query\n")
    add(
        "`truth` = relevant documents, `neutral` = the group's neutral ones, `hits` = documents returned "
        f"(of which scored: not neutral). R ru / R uk = recall on the Russian / Ukrainian documents. "
        f"**Bold** = below {CYR_TARGET_MIN}.\n"
    )
    add("| group | query | script | truth | neutral | hits (scored) | R | P | R ru | R uk |")
    add("|---|---|---|---|---|---|---|---|---|---|")
    last = ""
    for r in rows:
        name = r.group if r.group != last else ""
        last = r.group
        add(
            f"| {name} | {_md_escape(r.query)} | {r.script} | {r.truth} | {r.neutral} | "
            f"{r.hits} ({r.scored_hits}){' capped' if r.capped else ''} | {_bold_low(r.recall)} | "
            f"{_bold_low(r.precision)} | {_num(r.recall_by_lang.get('ru'))} | "
            f"{_num(r.recall_by_lang.get('uk'))} |" + (f" error: {r.error}" if r.error else "")
        )
    add("")

    add(f"## The {CYR_WORST} worst queries\n")
    add(
        "Missed forms: the listed forms in the relevant documents the query did not return (a document "
        "counts once per form). Over-matched: the words searchsvc highlighted in returned documents "
        f"that are not relevant (up to {EXTRA_WORDS_SAMPLE} looked at).\n"
    )
    worst = sorted((r for r in rows if r.truth), key=_worst_key)[:CYR_WORST]
    for r in worst:
        add(
            f"- `{r.query}` ({r.group}, {r.script}): R {_num(r.recall)} (missed {r.missed} of {r.truth}), "
            f"P {_num(r.precision)} (extra {r.extra} of {r.scored_hits})"
        )
        if r.query_terms:
            more = " ..." if len(r.query_terms) > 15 else ""
            add(f"  - query looks up: {', '.join(r.query_terms[:15])}{more}")
        if r.missed_forms:
            add("  - missed forms: " + ", ".join(f"{w} ×{n}" for w, n in r.missed_forms))
        for ex in r.missed_examples:
            add(
                f"  - missed {ex.doc_id}: {', '.join(ex.words)} → indexed as {', '.join(ex.terms) or '(none)'}"
            )
        if r.extra_words:
            add("  - over-matched words: " + ", ".join(f"{_md_escape(w)} ×{n}" for w, n in r.extra_words))
        for ex in r.extra_examples:
            via = f" → matched via {', '.join(ex.via)}" if ex.via else ""
            add(f"  - extra {ex.doc_id}: {_md_escape(', '.join(ex.words))}{via}")
    add("")

    add("## Case forms\n")
    add(
        "For each listed form: relevant documents holding it (Russian / Ukrainian documents), and the share "
        "of those the group's queries return (mean and lowest over its queries). Ambiguous forms (*) "
        "decide no document. Forms that never occur are left out.\n"
    )
    add("| group | form | lang | docs (ru / uk) | found, mean | found, lowest |")
    add("|---|---|---|---|---|---|")
    for group_name, forms in report["forms"].items():
        first = True
        for f in forms:
            if not f["docs"] and not f["ambiguous"]:
                continue
            add(
                f"| {group_name if first else ''} | {_md_escape(f['form'])}{' *' if f['ambiguous'] else ''} | "
                f"{f['lang']} | {f['docs']} ({f['docs_ru']} / {f['docs_uk']}) | "
                f"{_num(f['found_mean'])} | {_num(f['found_min'])} |"
            )
            first = False
    add("")
    for old_path, old in report.get("_compare", []):
        out.extend(compare_lines(report, old, old_path))
    return "\n".join(out)


def _bold_low(value: float | None) -> str:
    text = _num(value)
    return f"**{text}**" if value is not None and value < CYR_TARGET_MIN else text


def read_reports(parser: argparse.ArgumentParser, paths: Sequence[str]) -> list[tuple[str, dict[str, Any]]]:
    """The reports saved earlier with ``--json`` that ``--compare`` names, each with its path;
    a file that cannot be read is the parser's error."""
    olds: list[tuple[str, dict[str, Any]]] = []
    for old_path in paths:
        try:
            olds.append((old_path, json.loads(Path(old_path).read_text(encoding="utf-8"))))
        except (OSError, ValueError) as exc:
            parser.error(f"--compare {old_path}: {exc}")
    return olds


def engine_source() -> dict[str, Any]:
    """Which searchsvc ran: its checkout and commit, so that compared runs say what they compare."""
    root = Path(searchsvc.__file__).resolve().parents[1]
    commit = _git(root, "rev-parse", "--short", "HEAD")
    dirty = _git(root, "status", "--porcelain", "--", "searchsvc") if commit else None
    return {"path": str(root), "commit": commit, "dirty": bool(dirty) if commit else None}


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, timeout=20, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def read_documents(paths: Sequence[Path], limit: int | None) -> tuple[list[dict[str, Any]], list[str]]:
    """Normalised documents of ``paths`` (at most ``limit``, split evenly), and the rejections."""
    per_file = None if limit is None else max(1, limit // max(1, len(paths)))
    docs: list[dict[str, Any]] = []
    rejected: list[str] = []
    for path in paths:
        for record in itertools.islice(read_records(path), per_file):
            if record.document is not None:
                docs.append(record.document)
            else:
                rejected.append(f"{record.source}:{record.line}: {record.error}")
    return docs, rejected


def run_cyrillic(
    data: Path, out_path: Path, json_path: Path, workdir_arg: str | None, limit: int | None, olds: list[Any]
) -> int:
    paths = [data / name for name in CYRILLIC_FILES if (data / name).is_file()]
    if not data.is_dir() or not paths:
        print(f"variants_eval: Cyrillic part skipped, no cyrillic_news data under {data}")
        return 0
    missing = [name for name in CYRILLIC_FILES if not (data / name).is_file()]
    if missing:
        print(f"variants_eval: missing {', '.join(missing)}; evaluating the rest", file=sys.stderr)
    started = time.perf_counter()
    docs, rejected = read_documents(paths, limit)
    indexed = {str(d["id"]) for d in docs}
    raw_texts, raw_langs = read_raw_cyrillic(paths)
    # The truth covers exactly the documents the engine got.
    texts = {k: v for k, v in raw_texts.items() if k in indexed}
    langs = {k: raw_langs[k] for k in texts}
    print(f"Cyrillic part: {len(docs):,} documents ({len(rejected)} rejected) from {len(paths)} files")
    truths = cyrillic_truths(CYRILLIC_GROUPS, texts)
    scored = [g for g in CYRILLIC_GROUPS if truths[g.name].relevant]

    own_workdir = workdir_arg is None
    workdir = Path(workdir_arg) if workdir_arg else Path(tempfile.mkdtemp(prefix="variants-eval-cyr-"))
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "cyrillic"
    shutil.rmtree(path, ignore_errors=True)
    rows: list[CyrRow] = []
    found_by_query: dict[tuple[str, str], set[str]] = {}
    try:
        with SearchEngine(path) as engine:
            print("  building the index (bulk_index)")
            index_started = time.perf_counter()
            summary = engine.bulk_index(docs)
            index_seconds = time.perf_counter() - index_started
            if summary.rejected:
                print(f"  {summary.rejected} documents rejected by the engine", file=sys.stderr)
            print(
                f"  indexed in {index_seconds:.1f} s; searching {sum(len(g.queries) for g in scored)} queries"
            )
            for group in scored:
                truth = truths[group.name]
                for query in group.queries:
                    found, total, error = matched_ids(engine, query)
                    row = score_cyrillic(group, query, found, total, error, truth, langs)
                    explain_cyrillic(row, engine, found, truth, texts)
                    found_by_query[(group.name, query)] = found
                    rows.append(row)
    finally:
        shutil.rmtree(path, ignore_errors=True)
        if own_workdir:
            shutil.rmtree(workdir, ignore_errors=True)

    report: dict[str, Any] = {
        "part": "cyrillic",
        "meta": {
            "files": [str(p.relative_to(data)) for p in paths],
            "documents": len(docs),
            "limit_docs": limit,
            "languages": dict(Counter(langs.values()).most_common()),
            "rejected": rejected[:20],
            "searchsvc": engine_source(),
            "groups": len(CYRILLIC_GROUPS),
            "groups_scored": len(scored),
            "groups_absent": [g.name for g in CYRILLIC_GROUPS if not truths[g.name].relevant],
            "places": sum(1 for g in scored if g.kind == "place"),
            "people": sum(1 for g in scored if g.kind == "person"),
            "queries_scored": sum(1 for r in rows if r.truth),
            "index_seconds": index_seconds,
            "seconds": time.perf_counter() - started,
            "targets": {"mean_recall": CYR_TARGET_RECALL, "mean_precision": CYR_TARGET_PRECISION},
        },
        "summary": {
            key: {**asdict(s), "passed": s.passed}
            for key, (_label, scripts) in CYR_SUMMARY_SETS.items()
            for s in [summarize_cyrillic(rows, scripts)]
        },
        "truth": {
            g.name: {"relevant": len(truths[g.name].relevant), "neutral": len(truths[g.name].neutral)}
            for g in CYRILLIC_GROUPS
        },
        "forms": form_coverage(scored, truths, found_by_query, langs),
        "groups": [asdict(g) for g in CYRILLIC_GROUPS],
        "rows": [asdict(r) for r in rows],
    }
    report["_compare"] = [(p, o) for p, o in olds if report_part(o) == "cyrillic"]
    markdown = render_cyrillic(report, rows)
    del report["_compare"]
    _save(out_path, markdown)
    _save(json_path, json.dumps(report, ensure_ascii=False, indent=1))
    print(markdown)
    print(f"saved {out_path} and {json_path}")
    return 0


def _save(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content + "\n", encoding="utf-8")


# --------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    parser.add_argument(
        "--part",
        choices=("english", "cyrillic", "all"),
        default="english",
        help="Which evaluation to run (default: english, as before the Cyrillic part existed).",
    )
    parser.add_argument(
        "--out",
        default=None,
        help="Markdown report path (default: bench/out/variants_eval.md; for the Cyrillic part "
        "variants_eval_cyrillic.md, or the --json path with .md; with --part all the Cyrillic report "
        "gets _cyrillic added to the name).",
    )
    parser.add_argument("--json", default=None, help="JSON report path, named like --out.")
    parser.add_argument("--workdir", default=None, help="Folder for the indexes (default: a temp dir).")
    parser.add_argument("--index-runs", type=int, default=3, help="English: interleaved builds per engine.")
    parser.add_argument(
        "--rounds", type=int, default=3, help="English: timed rounds over the variant queries."
    )
    parser.add_argument(
        "--limit-docs", type=int, default=None, metavar="N", help="Index at most N documents (a quick run)."
    )
    parser.add_argument(
        "--compare",
        action="append",
        default=[],
        metavar="OLD.json",
        help="A report saved earlier with --json: its figures are shown beside the current ones (repeatable).",
    )
    args = parser.parse_args(argv)
    if args.limit_docs is not None and args.limit_docs < 1:
        parser.error("--limit-docs must be at least 1")
    olds = read_reports(parser, args.compare)
    parts = ("english", "cyrillic") if args.part == "all" else (args.part,)
    for old_path, old in olds:
        if report_part(old) not in parts:
            print(f"variants_eval: {old_path} is a {report_part(old)} report; not compared", file=sys.stderr)

    data = Path(args.data)
    status = 0
    if "english" in parts:
        out = Path(args.out) if args.out else OUT_DIR / "variants_eval.md"
        json_out = Path(args.json) if args.json else OUT_DIR / "variants_eval.json"
        status |= run_english(args, data, out, json_out, [o for o in olds if report_part(o[1]) == "english"])
    if "cyrillic" in parts:
        json_out = _cyrillic_path(args.json, args.part, OUT_DIR / "variants_eval_cyrillic.json")
        # A run saved with --json alone keeps its markdown beside it, so that a baseline run
        # does not overwrite the current one's report.
        md_default = json_out.with_suffix(".md") if args.json else OUT_DIR / "variants_eval_cyrillic.md"
        out = _cyrillic_path(args.out, args.part, md_default) if args.out else md_default
        status |= run_cyrillic(data, out, json_out, args.workdir, args.limit_docs, olds)
    return status


def _cyrillic_path(given: str | None, part: str, default: Path) -> Path:
    if not given:
        return default
    path = Path(given)
    # With both parts the given name is the English report's; the Cyrillic one sits beside it.
    return path.with_name(f"{path.stem}_cyrillic{path.suffix}") if part == "all" else path


def run_english(
    args: argparse.Namespace, data: Path, out_path: Path, json_path: Path, olds: list[tuple[str, Any]]
) -> int:
    paths = [data / name for name in DATA_FILES if (data / name).is_file()]
    if not data.is_dir() or not paths:
        print(f"variants_eval: skipped, no evaluation data under {data}")
        return 0
    missing = [name for name in DATA_FILES if not (data / name).is_file()]
    if missing:
        print(f"variants_eval: missing {', '.join(missing)}; evaluating the rest", file=sys.stderr)
    started = time.perf_counter()
    load_at_start = os.getloadavg()[0]

    docs, rejected = read_documents(paths, args.limit_docs)
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
            "limit_docs": args.limit_docs,
            "rejected": rejected[:20],
            "searchsvc": engine_source(),
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
    for old_path, old in olds:
        markdown += "\n" + "\n".join(compare_lines(report, old, old_path))
    _save(out_path, markdown)
    _save(json_path, json.dumps(report, ensure_ascii=False, indent=1))
    print(markdown)
    print(f"saved {out_path} and {json_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
