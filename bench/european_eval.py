"""Recall and precision of name search in seven European languages (issue 29): ours against plain stemming.

    python bench/european_eval.py [--data DIR] [--langs de,fr,...] [--names Kyiv,...]
                                  [--limit-docs N] [--out FILE.md] [--json FILE.json]
                                  [--compare OLD.json] [--procs N] [--review [--review-words RE]]

What is measured
----------------
Each language file of ``european_news/`` (``de fr it nl pl cs es``, read with
``searchsvc.ingest.read_records``) is indexed on its own, with ``bulk_index``,
into two engines: ours, ``SearchEngine(path)`` with the default variants, and
the baseline ``SearchEngine(path, variants=None)``. Then every name of
``bench/european_names.py`` (places and people of the war in Ukraine) is
searched in both, in three query kinds:

* ``english``: the English spelling (Kharkiv, Zelensky);
* ``cyrillic``: the Ukrainian and the Russian nominative (Харків, Харьков);
  one query when they are the same;
* ``own``: each nominative that language's press prints (Charkiw, Charków,
  Charkov, Járkov; German has both Kiew and Kyjiw).

Every matching id is read by paging (100 a page), and scored against the
gold set of that name in that language:

* recall = |found ∩ relevant| / |relevant|;
* precision = |found ∩ relevant| / |found - neutral|, 1.0 when nothing
  countable was found (nothing wrong returned); recall is then 0.

A cell is one (language, name, query kind): the mean of its queries. A
language's figure is the mean over its cells with at least one relevant
document; the overall figure is the mean of the language figures, so that
Spanish (496 documents) weighs as much as Polish (12,958). As an aside, the
report also pools the counts over all queries (each document weighs the
same, so Kyiv, Zelensky and Putin in Polish dominate). Figures are also
given per query kind, and for two fixed halves of the names: ``dev`` and
``held-out`` (by SHA-256 of ``european-eval-1:<name>``, about a third
held out), so that tuning the engine to the dev names shows as a gap.
Target (issue 29): mean recall >= 0.95, mean precision >= 0.97, and no
language below 0.90 recall.

The gold (independent of searchsvc)
-----------------------------------
The text is the raw record's title + newline + body. A document mentions a
name when it holds one of the name's forms for that language (the language's
own nominatives, variant spellings and case forms, the English and other
shared Latin spellings) as a whole word: diacritics folded on both sides, the first letter's case
kept (the city "Kijów", not "kijów", of sticks), hyphens and apostrophes as
boundaries (Kiew-Reise, d'Odessa), an 's allowed after it. The forms are
written in ``bench/european_names.py`` (its docstring has the details); a
document is

* relevant when a form occurs, unless the labels file says ``-`` for it;
  also when the labels file says ``+`` (a misspelling the lists lack);
* neutral (dropped from both sides) when no form occurs but a derived word
  does (an adjective or compound: kijowski, Kiewer, Krimbrücke), or when the
  labels file says ``?`` (unreadable text, an adjective spelled like a form);
* negative otherwise: a search that returns it is wrong. Lower-case common
  words are negative by the case rule (kijów, of sticks; lwów, of lions;
  sumy, sums); false friends with a capital (Lemberg in the Palatinate,
  Daniil Medvedev the tennis player, the river Dnieper in Polish "na
  Dnieprze") are negative through ``-`` labels.

The labels (``bench/data/european_labels.tsv``, ids, names and the word
only) were made by reading, with ``--review``, the matches of every name in
every language; its header says what was read in full and what was sampled,
and the decisions of principle (names inside other names count, the river
is not the city). A held-out set of the same kind is labelled the same way:
``--review`` on it, then ``-``/``+``/``?`` rows for what the lists get wrong.

Diagnostics
-----------
For every query, the relevant documents it misses are tallied by the first
word the gold found in each, in three categories: ``spelling`` (one of the
name's nominatives for that language, see ``bench/european_names.py``: an
exonym, variant or transliteration the engine does not connect to the
query), ``case form`` (an inflected form), ``misspelling`` (a ``+`` label).
The documents it returns wrongly are ``false friend`` when a label says
``-`` (the labelled word is shown), else ``other`` with the first word ours
highlighted there (for the first 30 per query). Tallies count (document,
query) pairs, so a name with two Cyrillic queries counts a document twice.
Only single words of the data are printed or saved, never longer text.

``--review`` prints, for the chosen languages and names, every document where
a form or derived word occurs, with a short context: for labelling, on the
terminal only (never saved). ``--review-words RE`` keeps the documents where
a matched word matches RE. Nothing is indexed.

Comparing
---------
``--json`` saves a run; ``--compare OLD.json`` prints its figures beside the
current ones. Run as a script, ``searchsvc`` comes from PYTHONPATH when set
(as in ``bench/variants_eval.py``), so an older commit's worktree can be
measured by this checkout's script::

    PYTHONPATH=/tmp/base python bench/european_eval.py --json /tmp/before.json
    python bench/european_eval.py --compare /tmp/before.json

Exits 0 with a message when the data folder is absent. Reports go to
``bench/out/european_eval.{md,json}`` (git-ignored).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import statistics
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # Run as a script: import ``bench`` from this checkout, then move the checkout to the end of
    # sys.path, so that ``searchsvc`` comes from PYTHONPATH when set (another commit, for --compare).
    _ROOT = str(Path(__file__).resolve().parents[1])
    sys.path.insert(0, _ROOT)
    import bench  # noqa: F401

    sys.path.remove(_ROOT)
    sys.path.append(_ROOT)

from bench.european_names import LANGS, NAMES, Name
from bench.variants_eval import engine_source, highlighted_words, matched_ids, read_documents, read_reports
from searchsvc import SearchEngine

BENCH_DIR = Path(__file__).resolve().parent
OUT_DIR = BENCH_DIR / "out"
LABELS = BENCH_DIR / "data" / "european_labels.tsv"
DEFAULT_DATA = BENCH_DIR.parents[1] / "shared" / "data"
DATA_SUBDIR = "european_news"

KINDS = ("english", "cyrillic", "own")
SIDES = ("ours", "baseline")
SPLIT_SEED = "european-eval-1"
TARGET_RECALL = 0.95
TARGET_PRECISION = 0.97
TARGET_LANG_RECALL = 0.90
# Over-matched documents whose highlighted words are read, per query (one search each).
EXTRA_SAMPLE = 30
MIN_PREFIX = 4
CONTEXT = 50

# ------------------------------------------------------------------ folding

_FOLD_EXTRA = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "’": "'", "ʼ": "'", "‘": "'", "`": "'"}
)


def _fold_char(ch: str) -> str:
    if ch.isascii():
        return ch
    base = unicodedata.normalize("NFD", ch)[0]
    return ch if unicodedata.combining(base) else base


def fold(text: str) -> str:
    """Diacritics dropped, one character for one (offsets stay valid on the NFC text)."""
    return "".join(_fold_char(ch) for ch in unicodedata.normalize("NFC", text)).translate(_FOLD_EXTRA)


# ------------------------------------------------------------------ matching

_LEFT = r"(?<![^\W_])"  # no letter or digit before; an apostrophe (d'Odessa) or hyphen is fine
_RIGHT = r"(?:'s)?(?![^\W_])"
_WORD = re.compile(r"[^\W\d_]+")


def form_pattern(form: str) -> str:
    """Regex for one form on folded text: first letter of each word as written, the rest in any case."""
    words = []
    for word in fold(form).split():
        words.append(re.escape(word[0]) + (f"(?i:{re.escape(word[1:])})" if len(word) > 1 else ""))
    return _LEFT + r"(?:\s+|-)".join(words) + _RIGHT


@dataclass(frozen=True)
class Matcher:
    """Finds one name's forms, and its derived words, in one language's text."""

    forms: re.Pattern[str]
    lower_forms: frozenset[str]
    prefixes: tuple[str, ...]
    others: tuple[str, ...]

    @classmethod
    def build(cls, name: Name, lang: str) -> Matcher:
        forms = sorted({fold(f) for f in name.forms(lang)}, key=len, reverse=True)
        pattern = re.compile("|".join(f"(?:{form_pattern(f)})" for f in forms))
        lower = frozenset(f.lower() for f in forms)
        # Derived words begin with a nominative (kijowski, Kiewer); case forms would catch
        # unrelated words (Czech "Oděse" is the start of "odešel", he left).
        nominatives = {fold(n).lower() for n in name.nominatives(lang)}
        prefixes = {fold(s).lower() for s in name.stems}
        prefixes |= {f for f in nominatives if " " not in f and len(f) >= MIN_PREFIX}
        return cls(pattern, lower, tuple(sorted(prefixes)), tuple(fold(o).lower() for o in name.others))

    def mentions(self, folded: str) -> list[re.Match[str]]:
        return list(self.forms.finditer(folded))

    def derived(self, folded: str) -> list[re.Match[str]]:
        """Words that begin like the name but are no form of it (kijowski, Kiewer), others excepted."""
        found = []
        for m in _WORD.finditer(folded):
            word = m.group(0).lower()
            if word in self.lower_forms or word.startswith(self.others):
                continue
            if word.startswith(self.prefixes):
                found.append(m)
        return found


# ------------------------------------------------------------------- labels


@dataclass(frozen=True)
class Label:
    doc_id: str
    name: str
    verdict: str  # "+" mentions it, "-" does not, "?" neutral
    form: str = ""
    note: str = ""


VERDICTS = ("+", "-", "?")


def parse_labels(lines: Iterable[str]) -> dict[tuple[str, str], Label]:
    """``(id, name) -> Label`` from labels-file lines; ``#`` comments and blank lines skipped."""
    labels: dict[tuple[str, str], Label] = {}
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cols = [c.strip() for c in line.split("\t")]
        if len(cols) < 3 or not cols[0] or not cols[1]:
            raise ValueError(f"line {number}: expected id<TAB>name<TAB>verdict[<TAB>form<TAB>note]")
        doc_id, name, verdict = cols[:3]
        if verdict not in VERDICTS:
            raise ValueError(f"line {number}: verdict {verdict!r} is not one of {' '.join(VERDICTS)}")
        if (doc_id, name) in labels:
            raise ValueError(f"line {number}: {doc_id} {name} is labelled twice")
        form = cols[3] if len(cols) > 3 else ""
        note = cols[4] if len(cols) > 4 else ""
        labels[(doc_id, name)] = Label(doc_id, name, verdict, form, note)
    return labels


def read_labels(path: Path) -> dict[tuple[str, str], Label]:
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8") as fh:
        return parse_labels(fh)


# --------------------------------------------------------------------- gold


@dataclass
class Gold:
    """Who mentions one name in one language."""

    relevant: set[str] = field(default_factory=set)
    neutral: set[str] = field(default_factory=set)
    words: dict[str, list[str]] = field(default_factory=dict)  # id -> matched words (relevant docs)
    excluded: dict[str, str] = field(default_factory=dict)  # id -> word of a "-" label (false friends)


def compute_gold(
    name: Name, lang: str, texts: Mapping[str, str], labels: Mapping[tuple[str, str], Label]
) -> Gold:
    matcher = Matcher.build(name, lang)
    gold = Gold()
    for doc_id, text in texts.items():
        folded = fold(text)
        label = labels.get((doc_id, name.key))
        hits = matcher.mentions(folded)
        nfc = unicodedata.normalize("NFC", text)
        words = list(dict.fromkeys(nfc[m.start() : m.end()] for m in hits))
        if label is not None and label.verdict == "-":
            gold.excluded[doc_id] = label.form or (words[0] if words else "?")
            continue
        if label is not None and label.verdict == "?":
            gold.neutral.add(doc_id)
            continue
        if hits or (label is not None and label.verdict == "+"):
            gold.relevant.add(doc_id)
            gold.words[doc_id] = words or [label.form if label else "?"]
        elif matcher.derived(folded):
            gold.neutral.add(doc_id)
    return gold


def split_of(key: str) -> str:
    """``dev`` or ``held-out``, fixed by a hash of the name (about a third held out)."""
    digest = hashlib.sha256(f"{SPLIT_SEED}:{key}".encode()).hexdigest()
    return "held-out" if int(digest[:8], 16) % 3 == 0 else "dev"


def read_texts(path: Path, limit: int | None = None) -> dict[str, str]:
    """``id -> title + newline + body`` straight from the JSON lines (independent of searchsvc)."""
    texts: dict[str, str] = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            raw = json.loads(line)
            texts[str(raw["id"])] = f"{raw.get('title') or ''}\n{raw.get('body') or ''}"
            if limit is not None and len(texts) >= limit:
                break
    return texts


# ------------------------------------------------------------------ scoring


@dataclass
class Side:
    """One engine's answer to one query."""

    found: int
    counted: int  # found less neutral
    hits: int  # found and relevant
    recall: float
    precision: float
    error: str | None = None
    missed: list[tuple[str, int]] = field(default_factory=list)  # (category: word, documents)
    extra: list[tuple[str, int]] = field(default_factory=list)


def score(found: set[str], gold: Gold) -> tuple[int, int, float, float]:
    """(counted, hits, recall, precision) for one query; see the module doc."""
    counted = found - gold.neutral
    hits = len(counted & gold.relevant)
    recall = hits / len(gold.relevant) if gold.relevant else 0.0
    precision = hits / len(counted) if counted else 1.0
    return len(counted), hits, recall, precision


@dataclass
class Row:
    lang: str
    name: str
    kind: str
    query: str
    relevant: int
    split: str
    ours: Side
    baseline: Side


def categorize_word(word: str, name: Name, lang: str) -> str:
    """``spelling`` when the word is a nominative of the name, else ``case form``."""
    nominatives = {fold(s).lower() for s in name.nominatives(lang)}
    return "spelling" if fold(word).lower() in nominatives else "case form"


def explain(
    side: Side,
    engine: SearchEngine,
    query: str,
    found: set[str],
    gold: Gold,
    name: Name,
    lang: str,
    labels: Mapping[tuple[str, str], Label],
    highlight: bool,
) -> None:
    missed: Counter[str] = Counter()
    for doc_id in gold.relevant - found:
        label = labels.get((doc_id, name.key))
        word = gold.words[doc_id][0]
        if label is not None and label.verdict == "+":
            missed[f"misspelling: {label.form or word}"] += 1
        else:
            missed[f"{categorize_word(word, name, lang)}: {word}"] += 1
    side.missed = missed.most_common(12)
    extra: Counter[str] = Counter()
    others = sorted(found - gold.relevant - gold.neutral)
    for n, doc_id in enumerate(others):
        if doc_id in gold.excluded:
            extra[f"false friend: {gold.excluded[doc_id]}"] += 1
        elif highlight and n < EXTRA_SAMPLE:
            marked = highlighted_words(engine, query, doc_id)
            extra[f"other: {marked[0] if marked else '(no highlight)'}"] += 1
        else:
            extra["other: (not read)"] += 1
    side.extra = extra.most_common(12)


def queries_of(name: Name, lang: str) -> list[tuple[str, str]]:
    out = [("english", name.english)]
    out += [("cyrillic", q) for q in name.cyrillic]
    out += [("own", q) for q in name.own(lang)]
    return out


def run_queries(
    lang: str,
    engines: Mapping[str, SearchEngine],
    names: Sequence[Name],
    golds: Mapping[str, Gold],
    labels: Mapping[tuple[str, str], Label],
) -> list[Row]:
    rows: list[Row] = []
    for name in names:
        gold = golds[name.key]
        if not gold.relevant:
            continue
        for kind, query in queries_of(name, lang):
            sides: dict[str, Side] = {}
            for label, engine in engines.items():
                found, _total, error = matched_ids(engine, query)
                counted, hits, recall, precision = score(found, gold)
                side = Side(len(found), counted, hits, recall, precision, error)
                explain(side, engine, query, found, gold, name, lang, labels, highlight=label == "ours")
                sides[label] = side
            rows.append(Row(lang, name.key, kind, query, len(gold.relevant), split_of(name.key), **sides))
    return rows


# ---------------------------------------------------------------- summaries


@dataclass
class Cell:
    lang: str
    name: str
    kind: str
    split: str
    recall: float
    precision: float


def cells_of(rows: Sequence[Row], side: str) -> list[Cell]:
    """One cell per (language, name, kind): the mean over its queries."""
    groups: dict[tuple[str, str, str], list[Row]] = {}
    for r in rows:
        groups.setdefault((r.lang, r.name, r.kind), []).append(r)
    cells = []
    for (lang, name, kind), members in groups.items():
        sides = [getattr(r, side) for r in members]
        cells.append(
            Cell(
                lang,
                name,
                kind,
                members[0].split,
                statistics.fmean(s.recall for s in sides),
                statistics.fmean(s.precision for s in sides),
            )
        )
    return cells


def mean_of(cells: Sequence[Cell]) -> dict[str, float | int]:
    if not cells:
        return {"cells": 0, "recall": 0.0, "precision": 0.0}
    return {
        "cells": len(cells),
        "recall": statistics.fmean(c.recall for c in cells),
        "precision": statistics.fmean(c.precision for c in cells),
    }


def summarize(cells: Sequence[Cell], langs: Sequence[str]) -> dict[str, Any]:
    """Per language, per kind, per language and kind, per split, and overall (mean of languages)."""
    per_lang = {lang: mean_of([c for c in cells if c.lang == lang]) for lang in langs}
    scored = [lang for lang in langs if per_lang[lang]["cells"]]

    def overall(chosen: Sequence[Cell]) -> dict[str, float | int]:
        by_lang = [mean_of([c for c in chosen if c.lang == lang]) for lang in scored]
        by_lang = [m for m in by_lang if m["cells"]]
        if not by_lang:
            return mean_of([])
        return {
            "cells": sum(int(m["cells"]) for m in by_lang),
            "recall": statistics.fmean(float(m["recall"]) for m in by_lang),
            "precision": statistics.fmean(float(m["precision"]) for m in by_lang),
        }

    total = overall(cells)
    lows = [lang for lang in scored if float(per_lang[lang]["recall"]) < TARGET_LANG_RECALL]
    return {
        "overall": total,
        "per_lang": per_lang,
        "per_kind": {k: overall([c for c in cells if c.kind == k]) for k in KINDS},
        "per_lang_kind": {
            lang: {k: mean_of([c for c in cells if c.lang == lang and c.kind == k]) for k in KINDS}
            for lang in langs
        },
        "per_split": {s: overall([c for c in cells if c.split == s]) for s in ("dev", "held-out")},
        "languages_below": lows,
        "passed": bool(
            total["cells"]
            and float(total["recall"]) >= TARGET_RECALL
            and float(total["precision"]) >= TARGET_PRECISION
            and not lows
        ),
    }


def pooled(rows: Sequence[Row], side: str) -> dict[str, float | int]:
    """Recall and precision pooled over queries (each document weighs the same): an aside to the
    means over cells, where each name weighs the same."""
    hits = sum(getattr(r, side).hits for r in rows)
    relevant = sum(r.relevant for r in rows)
    counted = sum(getattr(r, side).counted for r in rows)
    return {
        "cells": len(rows),
        "recall": hits / relevant if relevant else 0.0,
        "precision": hits / counted if counted else 1.0,
    }


def tally_categories(rows: Sequence[Row], side: str) -> dict[str, dict[str, int]]:
    """Per language: missed (document, query) pairs and over-matches, by category."""
    out: dict[str, dict[str, int]] = {}
    for r in rows:
        counts = out.setdefault(r.lang, {})
        s: Side = getattr(r, side)
        for label, n in s.missed:
            key = "missed, " + label.split(":", 1)[0]
            counts[key] = counts.get(key, 0) + n
        for label, n in s.extra:
            key = "over-matched, " + label.split(":", 1)[0]
            counts[key] = counts.get(key, 0) + n
    return out


# ------------------------------------------------------------------- report


def _f(value: Any) -> str:
    return "n/a" if value is None else f"{float(value):.3f}"


def _rp(m: Mapping[str, Any]) -> str:
    return f"{_f(m['recall'])} / {_f(m['precision'])}" if m.get("cells") else "–"


def render_markdown(report: Mapping[str, Any], olds: Sequence[tuple[str, Mapping[str, Any]]] = ()) -> str:
    meta = report["meta"]
    ours, base = report["summary"]["ours"], report["summary"]["baseline"]
    langs = meta["langs"]
    out: list[str] = []
    add = out.append
    add("# Names in seven European languages (issue 29): ours vs plain stemming\n")
    add(
        f"Data: `{meta['data']}`, {sum(meta['documents'].values()):,} documents"
        + (f" (at most {meta['limit_docs']} per language)" if meta["limit_docs"] else "")
        + f". {meta['names_scored']} of {meta['names']} names occur; {meta['queries']} queries per engine. "
        f"Labels: {meta['labels']} rows. searchsvc: {meta['searchsvc'].get('commit') or meta['searchsvc']['path']}. "
        f"Run took {meta['seconds']:.0f} s.\n"
    )
    add(
        "R / P = mean recall / mean precision over (name, query kind) cells; overall = mean of the "
        f"languages. Target: R >= {TARGET_RECALL}, P >= {TARGET_PRECISION}, no language below "
        f"R {TARGET_LANG_RECALL}: **{'met' if ours['passed'] else 'not met'}**"
        + (f" (languages below: {', '.join(ours['languages_below'])})" if ours["languages_below"] else "")
        + ".\n"
    )
    add("## Per language\n")
    add(
        "Pooled: hits over relevant (and over returned) documents summed over every query, so that "
        "each document weighs the same rather than each name.\n"
    )
    add("| language | docs | names | cells | ours R / P | baseline R / P | ours pooled | baseline pooled |")
    add("|---|---:|---:|---:|---|---|---|---|")
    pool_o, pool_b = ours.get("pooled", {}), base.get("pooled", {})
    for lang in langs:
        o, b = ours["per_lang"][lang], base["per_lang"][lang]
        add(
            f"| {lang} | {meta['documents'].get(lang, 0):,} | {meta['names_per_lang'].get(lang, 0)} | "
            f"{o['cells']} | {_rp(o)} | {_rp(b)} | "
            f"{_rp(pool_o.get(lang, {}))} | {_rp(pool_b.get(lang, {}))} |"
        )
    add(
        f"| **all** | | | {ours['overall']['cells']} | {_rp(ours['overall'])} | {_rp(base['overall'])} | "
        f"{_rp(pool_o.get('all', {}))} | {_rp(pool_b.get('all', {}))} |\n"
    )

    add("## Per query kind\n")
    add("| kind | ours R / P | baseline R / P | " + " | ".join(f"{lang} ours" for lang in langs) + " |")
    add("|---|---|---|" + "---|" * len(langs))
    for kind in KINDS:
        cols = " | ".join(_rp(ours["per_lang_kind"][lang][kind]) for lang in langs)
        add(f"| {kind} | {_rp(ours['per_kind'][kind])} | {_rp(base['per_kind'][kind])} | {cols} |")
    add("")

    add("## Dev and held-out names\n")
    add(
        f"Split by SHA-256 of `{SPLIT_SEED}:<name>`. Held out: "
        + ", ".join(n for n, s in meta["splits"].items() if s == "held-out")
        + ".\n"
    )
    add("| names | ours R / P | baseline R / P |")
    add("|---|---|---|")
    for split in ("dev", "held-out"):
        add(f"| {split} | {_rp(ours['per_split'][split])} | {_rp(base['per_split'][split])} |")
    add("")

    add("## Documents per name and language\n")
    add("Relevant documents (neutral ones in brackets: derived words only, or labelled `?`).\n")
    add("| name | kind | split | " + " | ".join(langs) + " | total |")
    add("|---|---|---|" + "---:|" * (len(langs) + 1))
    for key, info in report["names"].items():
        counts = info["docs"]
        cols = " | ".join(
            (
                f"{counts[lang]['relevant']}"
                + (f" ({counts[lang]['neutral']})" if counts[lang]["neutral"] else "")
            )
            if lang in counts
            else ""
            for lang in langs
        )
        total = sum(c["relevant"] for c in counts.values())
        add(f"| {key} | {info['kind']} | {info['split']} | {cols} | {total} |")
    add("")

    add("## What ours misses and over-matches, by category\n")
    add(
        "Missed (document, query) pairs: `spelling` = the document names it by a nominative the query "
        "did not reach (exonym, transliteration), `case form` = by an inflected form, `misspelling` = "
        "labelled `+`. Over-matched: `false friend` = a labelled non-mention, `other` = anything else.\n"
    )
    cats = sorted({k for v in report["categories"]["ours"].values() for k in v})
    add("| language | " + " | ".join(cats) + " |")
    add("|---|" + "---:|" * len(cats))
    for lang in langs:
        counts = report["categories"]["ours"].get(lang, {})
        add(f"| {lang} | " + " | ".join(str(counts.get(c, 0)) for c in cats) + " |")
    add("")

    add("## Worst cells (ours)\n")
    add("Lowest recall first, then lowest precision; with the commonest missed and over-matched words.\n")
    add("| language | name | kind | relevant | ours R / P | baseline R / P | missed | over-matched |")
    add("|---|---|---|---:|---|---|---|---|")
    for cell in report["worst"]:
        add(
            f"| {cell['lang']} | {cell['name']} | {cell['kind']} | {cell['relevant']} | "
            f"{_f(cell['ours_recall'])} / {_f(cell['ours_precision'])} | "
            f"{_f(cell['baseline_recall'])} / {_f(cell['baseline_precision'])} | "
            f"{_words(cell['missed'])} | {_words(cell['extra'])} |"
        )
    add("")

    add("## Every query\n")
    add("| language | name | kind | query | relevant | ours found | ours R / P | baseline R / P |")
    add("|---|---|---|---|---:|---:|---|---|")
    for r in report["rows"]:
        o, b = r["ours"], r["baseline"]
        add(
            f"| {r['lang']} | {r['name']} | {r['kind']} | {r['query']} | {r['relevant']} | {o['found']} | "
            f"{_f(o['recall'])} / {_f(o['precision'])}{' (error)' if o['error'] else ''} | "
            f"{_f(b['recall'])} / {_f(b['precision'])} |"
        )
    add("")

    add("## False friends in the labels\n")
    friends = report["false_friends"]
    if friends:
        for f in friends:
            add(f"- {f['lang']} {f['id']}: {f['form']} is not {f['name']} ({f['note']})")
    else:
        add("none")
    add("")
    for old_path, old in olds:
        out.extend(compare_lines(report, old, old_path))
    return "\n".join(out) + "\n"


def _words(pairs: Sequence[Sequence[Any]]) -> str:
    return ", ".join(f"{w} ×{n}" for w, n in pairs[:4]).replace("|", "\\|") or "–"


def compare_lines(report: Mapping[str, Any], old: Mapping[str, Any], old_path: str) -> list[str]:
    """The earlier run's figures beside the current ones: per language, kind and split."""
    now, then = report["summary"]["ours"], old.get("summary", {}).get("ours", {})
    commit = old.get("meta", {}).get("searchsvc", {}).get("commit") or "?"
    lines = [f"## Compared with `{old_path}` (searchsvc {commit})\n"]
    old_meta = old.get("meta", {})
    if (old_meta.get("langs"), old_meta.get("limit_docs")) != (
        report["meta"]["langs"],
        report["meta"]["limit_docs"],
    ):
        lines.append("The runs differ in languages or --limit-docs: only the per-language rows compare.\n")
    lines.append("| | before R / P | after R / P |")
    lines.append("|---|---|---|")
    for lang in report["meta"]["langs"]:
        before = then.get("per_lang", {}).get(lang)
        lines.append(f"| {lang} | {_rp(before) if before else '–'} | {_rp(now['per_lang'][lang])} |")
    for kind in KINDS:
        before = then.get("per_kind", {}).get(kind)
        lines.append(f"| kind: {kind} | {_rp(before) if before else '–'} | {_rp(now['per_kind'][kind])} |")
    for split in ("dev", "held-out"):
        before = then.get("per_split", {}).get(split)
        lines.append(f"| {split} | {_rp(before) if before else '–'} | {_rp(now['per_split'][split])} |")
    before = then.get("overall")
    lines.append(f"| **all** | {_rp(before) if before else '–'} | {_rp(now['overall'])} |")
    lines.append("")
    return lines


def worst_cells(rows: Sequence[Row], count: int = 30) -> list[dict[str, Any]]:
    ours = {(c.lang, c.name, c.kind): c for c in cells_of(rows, "ours")}
    base = {(c.lang, c.name, c.kind): c for c in cells_of(rows, "baseline")}
    merged: dict[tuple[str, str, str], dict[str, Any]] = {}
    for r in rows:
        key = (r.lang, r.name, r.kind)
        cell = merged.setdefault(
            key,
            {
                "lang": r.lang,
                "name": r.name,
                "kind": r.kind,
                "relevant": r.relevant,
                "ours_recall": ours[key].recall,
                "ours_precision": ours[key].precision,
                "baseline_recall": base[key].recall,
                "baseline_precision": base[key].precision,
                "missed": Counter(),
                "extra": Counter(),
            },
        )
        cell["missed"].update(dict(r.ours.missed))
        cell["extra"].update(dict(r.ours.extra))
    ordered = sorted(merged.values(), key=lambda c: (c["ours_recall"], c["ours_precision"], -c["relevant"]))
    chosen = [c for c in ordered if c["ours_recall"] < 1.0 or c["ours_precision"] < 1.0][:count]
    for c in chosen:
        c["missed"] = c["missed"].most_common(6)
        c["extra"] = c["extra"].most_common(6)
    return chosen


# ------------------------------------------------------------------- review


def review(
    lang: str,
    names: Sequence[Name],
    texts: Mapping[str, str],
    labels: Mapping[tuple[str, str], Label],
    word_filter: re.Pattern[str] | None = None,
) -> Iterator[str]:
    """Lines for the terminal: every document where a form or derived word of a name occurs.

    Each line: the label (``+ - ?``), ``d`` for derived words only, or blank; the id; the
    matched word in brackets with some context. ``word_filter`` keeps the documents where a
    matched word matches it.
    """
    for name in names:
        matcher = Matcher.build(name, lang)
        lines: list[str] = []
        ids: set[str] = set()
        for doc_id, text in texts.items():
            folded = fold(text)
            nfc = unicodedata.normalize("NFC", text)
            hits = matcher.mentions(folded)
            shown = hits or matcher.derived(folded)
            label = labels.get((doc_id, name.key))
            if not shown and label is None:
                continue
            words = [nfc[m.start() : m.end()] for m in shown]
            if word_filter is not None and not any(word_filter.search(w) for w in words):
                continue
            ids.add(doc_id)
            mark = label.verdict if label else (" " if hits else "d")
            for m in shown[:2]:
                left = nfc[max(0, m.start() - CONTEXT) : m.start()].replace("\n", " ")
                right = nfc[m.end() : m.end() + CONTEXT].replace("\n", " ")
                lines.append(f"  [{mark}] {doc_id}  …{left}[{nfc[m.start() : m.end()]}]{right}…")
            if not shown:
                lines.append(f"  [{mark}] {doc_id}  (labelled, no form found)")
        yield f"== {lang} {name.key}: {len(ids)} documents"
        yield from lines


# --------------------------------------------------------------------- main


def build_engine(path: Path, docs: Sequence[Mapping[str, Any]], ours: bool, procs: int) -> SearchEngine:
    shutil.rmtree(path, ignore_errors=True)
    engine = SearchEngine(path, procs=procs) if ours else SearchEngine(path, variants=None, procs=procs)
    summary = engine.bulk_index(docs, procs=procs)
    if summary.rejected:
        print(f"  {summary.rejected} documents rejected by the engine", file=sys.stderr)
    return engine


def false_friends(
    labels: Mapping[tuple[str, str], Label], langs_of: Mapping[str, str]
) -> list[dict[str, str]]:
    """The ``-`` labels of the documents evaluated, with their language."""
    return [
        {"lang": langs_of[lb.doc_id], "id": lb.doc_id, "name": lb.name, "form": lb.form, "note": lb.note}
        for lb in labels.values()
        if lb.verdict == "-" and lb.doc_id in langs_of
    ]


def run(
    paths: Mapping[str, Path],
    names: Sequence[Name],
    labels: Mapping[tuple[str, str], Label],
    *,
    limit: int | None = None,
    procs: int = 1,
    workdir: Path | None = None,
    log: Any = print,
) -> dict[str, Any]:
    """Index each language file, search every name in both engines, and return the report (a dict)."""
    started = time.perf_counter()
    langs = list(paths)
    own_workdir = workdir is None
    root = Path(tempfile.mkdtemp(prefix="european-eval-")) if workdir is None else workdir
    rows: list[Row] = []
    documents: dict[str, int] = {}
    counts: dict[str, dict[str, dict[str, int]]] = {n.key: {} for n in names}
    langs_of: dict[str, str] = {}
    try:
        for lang in langs:
            docs, rejected = read_documents([paths[lang]], limit)
            indexed = {str(d["id"]) for d in docs}
            # The gold covers exactly the documents the engines got.
            texts = {k: v for k, v in read_texts(paths[lang]).items() if k in indexed}
            documents[lang] = len(docs)
            langs_of.update(dict.fromkeys(texts, lang))
            golds = {n.key: compute_gold(n, lang, texts, labels) for n in names}
            for n in names:
                g = golds[n.key]
                if g.relevant or g.neutral:
                    counts[n.key][lang] = {"relevant": len(g.relevant), "neutral": len(g.neutral)}
            log(f"{lang}: {len(docs):,} documents ({len(rejected)} rejected); indexing ours and baseline")
            engines = {
                "ours": build_engine(root / f"{lang}-ours", docs, True, procs),
                "baseline": build_engine(root / f"{lang}-baseline", docs, False, procs),
            }
            try:
                lang_rows = run_queries(lang, engines, names, golds, labels)
            finally:
                for label, engine in engines.items():
                    engine.close()
                    shutil.rmtree(root / f"{lang}-{label}", ignore_errors=True)
            rows.extend(lang_rows)
            o = mean_of(cells_of(lang_rows, "ours"))
            b = mean_of(cells_of(lang_rows, "baseline"))
            log(f"  {len(lang_rows)} queries: ours R / P {_rp(o)}, baseline {_rp(b)}")
    finally:
        if own_workdir:
            shutil.rmtree(root, ignore_errors=True)

    return {
        "meta": {
            "data": str(next(iter(paths.values())).parent) if paths else "",
            "langs": langs,
            "documents": documents,
            "limit_docs": limit,
            "labels": len(labels),
            "searchsvc": engine_source(),
            "names": len(names),
            "names_scored": sum(1 for n in names if any(c["relevant"] for c in counts[n.key].values())),
            "names_per_lang": {lang: len({r.name for r in rows if r.lang == lang}) for lang in langs},
            "queries": len(rows),
            "splits": {n.key: split_of(n.key) for n in names},
            "seconds": time.perf_counter() - started,
            "targets": {
                "mean_recall": TARGET_RECALL,
                "mean_precision": TARGET_PRECISION,
                "language_recall": TARGET_LANG_RECALL,
            },
        },
        "summary": {
            side: {
                **summarize(cells_of(rows, side), langs),
                "pooled": {lang: pooled([r for r in rows if r.lang == lang], side) for lang in langs}
                | {"all": pooled(rows, side)},
            }
            for side in SIDES
        },
        "categories": {side: tally_categories(rows, side) for side in SIDES},
        "names": {
            n.key: {"kind": n.kind, "split": split_of(n.key), "docs": counts[n.key]}
            for n in names
            if counts[n.key]
        },
        "worst": worst_cells(rows),
        "false_friends": false_friends(labels, langs_of),
        "rows": [asdict(r) for r in rows],
    }


def _save(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--data", default=str(DEFAULT_DATA), help="The shared data folder (holds european_news/)."
    )
    parser.add_argument(
        "--langs", default=",".join(LANGS), help="Comma-separated languages (default: all seven)."
    )
    parser.add_argument("--names", default=None, help="Comma-separated names (default: all).")
    parser.add_argument(
        "--limit-docs", type=int, default=None, metavar="N", help="At most N documents per language."
    )
    parser.add_argument("--labels", default=str(LABELS), help="Labels file.")
    parser.add_argument("--out", default=None, help="Markdown report (default: bench/out/european_eval.md).")
    parser.add_argument("--json", default=None, help="JSON report (default: bench/out/european_eval.json).")
    parser.add_argument(
        "--compare",
        action="append",
        default=[],
        metavar="OLD.json",
        help="An earlier --json run (repeatable).",
    )
    parser.add_argument("--procs", type=int, default=1, help="Processes for bulk indexing (default 1).")
    parser.add_argument("--workdir", default=None, help="Folder for the indexes (default: a temp dir).")
    parser.add_argument(
        "--review", action="store_true", help="Print every match with context; index nothing."
    )
    parser.add_argument(
        "--review-words",
        default=None,
        metavar="REGEX",
        help="With --review: only matches whose word matches.",
    )
    parser.add_argument("--quiet", action="store_true", help="Print only the headline.")
    args = parser.parse_args(argv)

    langs = [lang.strip() for lang in args.langs.split(",") if lang.strip()]
    unknown = [lang for lang in langs if lang not in LANGS]
    if unknown:
        parser.error(f"unknown languages: {', '.join(unknown)} (known: {', '.join(LANGS)})")
    names = list(NAMES)
    if args.names:
        wanted = [n.strip() for n in args.names.split(",") if n.strip()]
        missing = sorted(set(wanted) - {n.key for n in NAMES})
        if missing:
            parser.error(f"unknown names: {', '.join(missing)}")
        names = [n for n in NAMES if n.key in wanted]
    if args.limit_docs is not None and args.limit_docs < 1:
        parser.error("--limit-docs must be at least 1")
    olds = read_reports(parser, args.compare)
    try:
        labels = read_labels(Path(args.labels))
    except ValueError as exc:
        parser.error(f"--labels {args.labels}: {exc}")

    folder = Path(args.data) / DATA_SUBDIR
    paths = {lang: folder / f"{lang}.jsonl" for lang in langs if (folder / f"{lang}.jsonl").is_file()}
    if not paths:
        print(f"european_eval: skipped, no {DATA_SUBDIR}/<lang>.jsonl under {args.data}")
        return 0
    for lang in langs:
        if lang not in paths:
            print(f"european_eval: no {lang}.jsonl; that language is not scored", file=sys.stderr)

    if args.review:
        word_filter = re.compile(args.review_words) if args.review_words else None
        for lang, path in paths.items():
            for line in review(lang, names, read_texts(path, args.limit_docs), labels, word_filter):
                print(line)
        return 0

    report = run(
        paths,
        names,
        labels,
        limit=args.limit_docs,
        procs=args.procs,
        workdir=Path(args.workdir) if args.workdir else None,
        log=(lambda _msg: None) if args.quiet else print,
    )
    markdown = render_markdown(report, olds)
    out_path = Path(args.out) if args.out else OUT_DIR / "european_eval.md"
    json_path = Path(args.json) if args.json else OUT_DIR / "european_eval.json"
    _save(out_path, markdown)
    _save(json_path, json.dumps(report, ensure_ascii=False, indent=1))
    ours, base = report["summary"]["ours"], report["summary"]["baseline"]
    print(
        f"ours: R / P {_rp(ours['overall'])}; baseline {_rp(base['overall'])}; "
        f"target {'met' if ours['passed'] else 'not met'}"
    )
    if not args.quiet:
        for lang in report["meta"]["langs"]:
            print(f"  {lang}: ours {_rp(ours['per_lang'][lang])}, baseline {_rp(base['per_lang'][lang])}")
        for split in ("dev", "held-out"):
            print(
                f"  {split} names: ours {_rp(ours['per_split'][split])}, baseline {_rp(base['per_split'][split])}"
            )
    for old_path, old in olds:
        then = old.get("summary", {}).get("ours", {}).get("overall")
        if then:
            print(f"  before ({old_path}): ours {_rp(then)}")
    print(f"reports: {out_path} and {json_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
