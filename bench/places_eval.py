"""Precision and recall of the ``places`` facet against hand labels, on Cyrillic, English or European news.

    python bench/places_eval.py [--english | --european] [--data DIR] [--labels FILE] [--draw] [--quiet]

What is scored
--------------
For each labelled document the prediction is exactly what the engine stores in
its ``places`` field: the raw JSON record goes through
``searchsvc.documents.normalize_document`` and ``searchsvc.staging.text_of``
(title, lead and body joined by newlines), and the result through
``Variants.load().places_in`` with the language ``Staging.index_fields`` reads
the document in (its ``lang`` field, or where it has none the language
detected in its text; :func:`engine_language`), as the engine calls it: a
Polish or Czech document's case forms count (w Kijowie, v Charkově), a
document in another language (Italian, English, Russian) is read with the
default analysis. The gold is a set of display names per document, read from
``bench/data/places_labels_cyrillic.tsv`` (or ``..._english.tsv``,
``..._european.tsv``) for the news of the war, and
``..._cyrillic_offtopic.tsv`` (``..._english_offtopic.tsv``,
``..._european_offtopic.tsv``) for the off-topic sets: one row per document,
``id<TAB>Place|Place``, an empty second column when the text names no
settlement, ``#`` comment lines. The header of each labels file says how its
labels were made. A set is scored on
its own labels file only, and no id may be labelled in two files, so a record
that two sets could draw is counted once.

Micro precision = correct predictions / predictions, micro recall = correct
predictions / gold places, both summed over (document, display name) pairs; a
side with nothing in it scores 1.0 (nothing wrong, nothing missed). Figures are
given per set, for the war sets and for the off-topic sets together, and
overall. Every false positive is listed with its document id, the predicted
name and the word of the text that produced it, and every missed gold place
with the word of the text the lookup reads as it, if any (none: a spelling or
case form the gazetteer lacks, Moscou, Mosca). The words are printed only:
the reports in ``bench/out/`` (git-ignored) hold ids and names, never text of
the data, whose licenses forbid copying it.

The sample
----------
``--draw`` draws the sample the labels were made on: per set, every record is
ordered by SHA-256 of ``"places-eval-1:" + id`` (a seeded shuffle that does not
depend on file order or Python version), and the first ``size`` eligible
records are taken. A record is eligible when its text exercises the extractor:
it has a capitalized Cyrillic (``--english``: Latin; ``--european``: Latin,
accented capitals such as Ł, Č, Ż included) word that does not open a
sentence, or the current extractor tags at least one place in it. Since the
second condition moves with the extractor, the labels file, not a fresh draw,
fixes the sample: the evaluation scores the ids in the labels file, and only
notes how far a fresh draw has drifted from them.

An off-topic set draws the same way from the records of its file whose topic
is one it names, leaving out every id labelled in another labels file of the
language. The topic of a record is its ``category`` field, or where it has
none the first segment of its URL's path (segodnya.ua's ``sport``,
``lifestyle``). Off-topic posts name few places and many things named like
them (an operating system, a poet, a football club): they measure what the
facet adds where it should add little.

The European sets split each file of ``european_news/`` by topic without
using the extractor: :func:`about_war` reads the word lists of
:data:`WAR_WORDS` (per language, words of Ukraine, of Russia and of war, in
their inflected forms and compounds; no place names) and takes a record as
news of the war when it has a word of Ukraine (Ukraine, ukrainisch, Ukrainy,
Oekraïne, ukrajinský, Ucrania, Zelensky), or a word of Russia (Russland,
Rosja, Rusko, Kremlin, Putin) together with a word of war (Krieg, guerre,
wojna, válka, oorlog, invasion, front, drones...): a war word alone is as
often Gaza's, a Russia word alone Russia's own politics. A war set draws from
the records the rule accepts, an off-topic set from those it rejects (sport,
culture, business, politics elsewhere; being a word list, it lets a few
reports of the war through, which are labelled like any other record).

Sets, news of the war: ``tsn_tg``, ``nktkln_tg``, ``rus495``, ``segodnya2017``
(50 each) from ``cyrillic_news/``; with ``--english``, RUWA (100), GDELT and
the Guardian set (50 each). Off-topic: ``nktkln_offtopic`` (50; nktkln_tg's
categories it, science, gaming, moscow, weather, stuff, personal, finances,
business) and ``segodnya_offtopic`` (30; sections sport and lifestyle); with
``--english``, BBC News' ``bbc_tech``, ``bbc_sport`` and ``bbc_entertainment``
(25 each). With ``--european``, from ``european_news/<lang>.jsonl``: the
war sets ``de``, ``fr``, ``it``, ``nl``, ``pl``, ``cs`` (40 each) and ``es``
(40 asked, 35 records are about the war), and the off-topic sets
``de_offtopic`` ... ``es_offtopic`` (15 each).

Target: precision at least 0.97 (printed, not enforced). Exits 0 with a
message when the data folder is absent.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

if __package__ in (None, ""):
    # Run as a script: make ``searchsvc`` importable from the repo root without an install.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from searchsvc.analysis.languages import analysis_language, detect_language
from searchsvc.analysis.translit import has_cyrillic, iter_words
from searchsvc.analysis.variants import Variants
from searchsvc.documents import normalize_document
from searchsvc.errors import InvalidInput

# The engine's own helper, so the scored text cannot drift from the indexed one.
from searchsvc.staging import text_of

BENCH_DIR = Path(__file__).resolve().parent
OUT_DIR = BENCH_DIR / "out"
LABELS_DIR = BENCH_DIR / "data"
DEFAULT_DATA = BENCH_DIR.parents[1] / "shared" / "data"

SEED = "places-eval-1"
TARGET_PRECISION = 0.97


@dataclass(frozen=True)
class SampleSet:
    """One drawn set: the records of a file (or those of some topics), and the labels scoring it."""

    name: str
    path: str  # under the data folder
    size: int
    labels: Path
    #: Only records whose topic is one of these; empty: every record.
    topics: frozenset[str] = frozenset()
    off_topic: bool = False
    #: Only records that :func:`about_war` (in ``language``) accepts (True) or rejects (False);
    #: None: every record.
    war: bool | None = None
    #: The language whose war words :func:`about_war` reads (a key of :data:`WAR_WORDS`).
    language: str = ""


@dataclass(frozen=True)
class Corpus:
    """One language's sample: its sets, and whether its names are Cyrillic."""

    name: str
    sets: tuple[SampleSet, ...]
    cyrillic: bool
    #: Whether a capital with a diacritic (Ł, Č, Ż, É) also makes a record eligible; the English
    #: and Cyrillic samples were drawn with A-Z only.
    accented_capitals: bool = False

    @property
    def labels(self) -> Path:
        """The labels file of the news of the war (the first set's)."""
        return self.sets[0].labels

    @property
    def label_files(self) -> tuple[Path, ...]:
        return tuple(dict.fromkeys(s.labels for s in self.sets))


_CYRILLIC_LABELS = LABELS_DIR / "places_labels_cyrillic.tsv"
_CYRILLIC_OFFTOPIC = LABELS_DIR / "places_labels_cyrillic_offtopic.tsv"
_ENGLISH_LABELS = LABELS_DIR / "places_labels_english.tsv"
_ENGLISH_OFFTOPIC = LABELS_DIR / "places_labels_english_offtopic.tsv"

CYRILLIC = Corpus(
    name="cyrillic",
    sets=(
        *(
            SampleSet(s, f"cyrillic_news/{s}/articles.jsonl", 50, _CYRILLIC_LABELS)
            for s in ("tsn_tg", "nktkln_tg", "rus495", "segodnya2017")
        ),
        SampleSet(
            "nktkln_offtopic",
            "cyrillic_news/nktkln_tg/articles.jsonl",
            50,
            _CYRILLIC_OFFTOPIC,
            frozenset(
                ("it", "science", "gaming", "moscow", "weather", "stuff", "personal", "finances", "business")
            ),
            off_topic=True,
        ),
        SampleSet(
            "segodnya_offtopic",
            "cyrillic_news/segodnya2017/articles.jsonl",
            30,
            _CYRILLIC_OFFTOPIC,
            frozenset(("sport", "lifestyle")),
            off_topic=True,
        ),
    ),
    cyrillic=True,
)
ENGLISH = Corpus(
    name="english",
    sets=(
        SampleSet("ruwa", "ruwa_ukraine_war_news/ruwa.jsonl", 100, _ENGLISH_LABELS),
        SampleSet("gdelt", "ukraine_war_gdelt_articles/articles.jsonl", 50, _ENGLISH_LABELS),
        SampleSet("guardian", "guardian_ukraine_nato_2022/articles.jsonl", 50, _ENGLISH_LABELS),
        *(
            SampleSet(
                f"bbc_{topic}",
                "bbc_news/bbc_news.jsonl",
                25,
                _ENGLISH_OFFTOPIC,
                frozenset((topic,)),
                off_topic=True,
            )
            for topic in ("tech", "sport", "entertainment")
        ),
    ),
    cyrillic=False,
)

_EUROPEAN_LABELS = LABELS_DIR / "places_labels_european.tsv"
_EUROPEAN_OFFTOPIC = LABELS_DIR / "places_labels_european_offtopic.tsv"
EUROPEAN_LANGUAGES = ("de", "fr", "it", "nl", "pl", "cs", "es")

EUROPEAN = Corpus(
    name="european",
    sets=(
        *(
            SampleSet(lang, f"european_news/{lang}.jsonl", 40, _EUROPEAN_LABELS, war=True, language=lang)
            for lang in EUROPEAN_LANGUAGES
        ),
        *(
            SampleSet(
                f"{lang}_offtopic",
                f"european_news/{lang}.jsonl",
                15,
                _EUROPEAN_OFFTOPIC,
                off_topic=True,
                war=False,
                language=lang,
            )
            for lang in EUROPEAN_LANGUAGES
        ),
    ),
    cyrillic=False,
    accented_capitals=True,
)

# ------------------------------------------------------------ war filter

#: Per language of ``european_news/``, three alternations of whole words (case ignored; ``\w*``
#: where any ending or compound may follow): words of Ukraine (the country, its people, its
#: adjective, its president), words of Russia (the country, its people, its adjective, the
#: Kremlin, its president), and words of war (war, invasion, offensive, front, soldiers, army,
#: missiles, drones, attacks, shelling). No place but the two countries is in them, so the rule
#: does not favour records that name towns, and nothing of ``searchsvc`` reads them.
WAR_WORDS: Mapping[str, tuple[str, str, str]] = {
    "de": (
        r"ukrain\w*|selenskyj\w*",
        r"russland\w*|russisch\w*|russen?|kreml\w*|putin\w*",
        r"\w*kriege?s?|kriegs\w*|invasion\w*|angriff\w*|front\w*|offensive\w*|soldat\w*|truppen"
        r"|armee\w*|rakete\w*|drohne\w*|beschuss\w*|waffenstillstand\w*",
    ),
    "fr": (
        r"ukrain\w*|zelensk\w*",
        r"russie|russes?|kremlin|poutine",
        r"guerres?|invasion|offensives?|front|soldats?|armées?|missiles?|drones?|frappes?"
        r"|bombardements?|attaques?",
    ),
    "it": (
        r"ucrain\w*|zelensk\w*",
        r"russia|russ[oaie]|cremlino|putin\w*",
        r"guerr[ae]|invasione|(?:contro)?offensiva|fronte|soldat[oi]|esercit[oi]|missil[ei]|droni?"
        r"|attacc\w*|bombardament[oi]|raid",
    ),
    "nl": (
        r"oekraï\w*|oekrai\w*|zelensk\w*",
        r"rusland\w*|russisch\w*|russen?|kremlin|poetin\w*",
        r"\w*oorlog\w*|invasie|(?:tegen)?offensief|front|soldat\w*|leger\w*|raket\w*|drones?"
        r"|aanval\w*|beschieting\w*",
    ),
    "pl": (
        r"ukrai\w*|zełensk\w*|zelensk\w*",
        r"rosj\w*|rosyj\w*|kreml\w*|putin\w*",
        r"wojn\w*|wojen\w*|wojsk\w*|inwazj\w*|ofensyw\w*|front\w*|żołnierz\w*|armi[aiąę]"
        r"|rakiet\w*|dron\w*|atak\w*|ostrzał\w*|nalot\w*",
    ),
    "cs": (
        r"ukrajin\w*|zelensk\w*",
        r"rusk\w*|rus|rusové|rusů|rusům|rusy|rusech|kreml\w*|putin\w*",
        r"válk\w*|válce|válečn\w*|invaz\w*|ofenzív\w*|front\w*|voják\w*|vojác\w*|vojsk\w*"
        r"|armád\w*|raket\w*|dron\w*|útok\w*|ostřel\w*",
    ),
    "es": (
        r"ucrani\w*|zelensk\w*",
        r"rusia|rus[oa]s?|kremlin|putin\w*",
        r"guerras?|invasión|(?:contra)?ofensiva|frente|soldados?|ejércitos?|misil\w*|drones?"
        r"|ataques?|bombarde\w*",
    ),
}


def _whole_words(alternation: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)(?:{alternation})(?!\w)", re.IGNORECASE)


_WAR_PATTERNS = {
    lang: tuple(_whole_words(a) for a in alternations) for lang, alternations in WAR_WORDS.items()
}


def about_war(text: str, language: str) -> bool:
    """Whether a record is about the war in Ukraine, by the word lists of :data:`WAR_WORDS`.

    It is when it has a word of Ukraine, or a word of Russia and a word of war:
    a war word alone is as often Gaza's, and Russia alone its own politics.
    Deterministic and independent of the extractor under test.
    """
    ukraine, russia, war = _WAR_PATTERNS[language]
    return bool(ukraine.search(text) or (russia.search(text) and war.search(text)))


# ------------------------------------------------------------------- labels


def parse_labels(lines: Iterable[str]) -> dict[str, frozenset[str]]:
    """``id -> gold display names`` from labels-file lines; a repeated id is an error."""
    gold: dict[str, frozenset[str]] = {}
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        doc_id, _, places = line.partition("\t")
        doc_id = doc_id.strip()
        if not doc_id:
            raise ValueError(f"line {number}: no document id")
        if doc_id in gold:
            raise ValueError(f"line {number}: id {doc_id!r} is listed twice")
        gold[doc_id] = frozenset(p.strip() for p in places.split("|") if p.strip())
    return gold


def read_labels(path: Path) -> dict[str, frozenset[str]]:
    with path.open(encoding="utf-8") as fh:
        return parse_labels(fh)


# ------------------------------------------------------------------ scoring


@dataclass
class Scores:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def add(self, other: Scores) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn


def score(predicted: Mapping[str, Iterable[str]], gold: Mapping[str, Iterable[str]]) -> Scores:
    """Micro counts over (document, place) pairs, for the documents in ``gold``.

    A document missing from ``predicted`` predicted nothing; documents only in
    ``predicted`` are not labelled and not counted.
    """
    total = Scores()
    for doc_id, truth in gold.items():
        want = set(truth)
        got = set(predicted.get(doc_id, ()))
        total.add(Scores(tp=len(got & want), fp=len(got - want), fn=len(want - got)))
    return total


# ------------------------------------------------------------------- sample

_CYRILLIC_CAPITAL = re.compile(r"[А-ЯЁІЇЄҐ]")
_LATIN_CAPITAL = re.compile(r"[A-Z]")
# What may end a sentence or open a quote or a line before a word.
_SENTENCE_BREAK = re.compile(r"[.!?…:;\"“”„«»()\[\]\n•—–-]")


def _opens_sentence(text: str, start: int, hyphen_joins: bool = False) -> bool:
    """Whether the word at ``start`` follows a sentence end, a line break, a quote or a dash.

    ``hyphen_joins``: a hyphen inside a compound ("Улан-Батор") joins words. The
    sampling rule keeps the default (every hyphen breaks): changing it would
    change the drawn sample the labels were made on.
    """
    before = text[:start].rstrip(" \t\u00a0'‘’")
    if hyphen_joins and len(before) > 1 and before[-1] in "-‐" and before[-2].isalpha():
        return False
    return not before or _SENTENCE_BREAK.match(before[-1]) is not None


def has_inner_capital(text: str, cyrillic: bool, accented: bool = False) -> bool:
    """Whether a capitalized word of the script appears other than at a sentence start.

    ``accented``: a Latin capital with a diacritic (Łódź, Česko) counts too, not only A-Z.
    """
    capital = _CYRILLIC_CAPITAL if cyrillic else _LATIN_CAPITAL
    for m in iter_words(text):
        word = m.group(0)
        upper = capital.match(word) is not None or (accented and not cyrillic and word[0].isupper())
        if upper and has_cyrillic(word) == cyrillic and not _opens_sentence(text, m.start()):
            return True
    return False


def order_key(doc_id: str) -> str:
    return hashlib.sha256(f"{SEED}:{doc_id}".encode()).hexdigest()


def topic_of(record: Mapping[str, Any]) -> str:
    """A record's ``category``, or the first segment of its URL's path (segodnya.ua's ``sport``)."""
    category = record.get("category")
    if isinstance(category, str) and category:
        return category
    url = record.get("url")
    if not isinstance(url, str):
        return ""
    return urlsplit(url).path.strip("/").partition("/")[0]


def engine_language(doc: Mapping[str, Any], text: str) -> str | None:
    """The language the engine reads a normalized document's places in, as ``Staging.index_fields``
    finds it: its ``lang`` field, or where it has none the language detected in its text."""
    detected = None if doc.get("lang") else detect_language(text)
    return analysis_language(doc.get("lang") or detected)


def predict(variants: Variants, text: str, language: str | None = None) -> list[str]:
    """What the engine stores in the ``places`` field of a document with this text and language."""
    return variants.places_in(text, language)


def read_records(
    path: Path, topics: frozenset[str] = frozenset(), war: bool | None = None, war_language: str = ""
) -> tuple[dict[str, str], dict[str, str | None]]:
    """``id -> text`` exactly as the engine gives it to ``places``, and ``id -> language`` it reads
    it in (:func:`engine_language`); records it would reject are skipped.

    With ``topics``, only records whose ``topic_of`` is one of them; with ``war``, only
    records that :func:`about_war` in ``war_language`` accepts (True) or rejects (False).
    """
    texts: dict[str, str] = {}
    languages: dict[str, str | None] = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                if topics and topic_of(record) not in topics:
                    continue
                doc = normalize_document(record)
            except (ValueError, InvalidInput):
                continue
            text = text_of(doc)
            if war is not None and about_war(text, war_language) != war:
                continue
            texts[doc["id"]] = text
            languages[doc["id"]] = engine_language(doc, text)
    return texts, languages


def draw(
    texts: Mapping[str, str],
    size: int,
    cyrillic: bool,
    variants: Variants,
    languages: Mapping[str, str | None] | None = None,
    accented: bool = False,
) -> list[str]:
    """The first ``size`` eligible ids in seeded order; if too few are eligible, the rest in that order.

    ``languages``: each id's language, as :func:`predict` takes it (default: none).
    """
    ordered = sorted(texts, key=order_key)
    chosen: list[str] = []
    passed: list[str] = []
    for doc_id in ordered:
        text = texts[doc_id]
        if not text.strip():
            continue
        if has_inner_capital(text, cyrillic, accented) or predict(
            variants, text, (languages or {}).get(doc_id)
        ):
            chosen.append(doc_id)
            if len(chosen) == size:
                return chosen
        else:
            passed.append(doc_id)
    return chosen + passed[: size - len(chosen)]


# ------------------------------------------------------------ trigger words


def trigger_word(text: str, place: str, variants: Variants, language: str | None = None) -> tuple[str, int]:
    """The word (or run of words) of ``text`` that made ``places`` name ``place``, and where it starts.

    ``places`` returns names only, so the word is found again: first as a word or
    run of up to 4 words whose ``canonical_place`` is ``place`` (how a reader of
    the facet would look it up); failing that (an inflected form the lookup does
    not know), as the last word of the shortest prefix of the text in which
    ``places`` already names ``place``. ``("?", -1)`` if neither finds it.
    """
    toks = list(iter_words(text))
    for i, tok in enumerate(toks):
        if not tok.group(0)[:1].isupper():
            continue
        for length in (4, 3, 2, 1):
            if i + length > len(toks):
                continue
            span = text[tok.start() : toks[i + length - 1].end()]
            if length > 1 and len(span) > sum(len(t.group(0)) + 3 for t in toks[i : i + length]):
                continue
            if variants.canonical_place(span) == place:
                return span, tok.start()
    if not toks or place not in predict(variants, text, language):
        return "?", -1
    # Binary search: a prefix that names the place stays naming it as it grows, nearly always.
    lo, hi = 0, len(toks) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if place in predict(variants, text[: toks[mid].end()], language):
            hi = mid
        else:
            lo = mid + 1
    first = max(0, lo - len(re.split(r"[ -]", place)) + 1)
    return text[toks[first].start() : toks[lo].end()], toks[first].start()


# ------------------------------------------------------------------- report


@dataclass
class SetResult:
    name: str
    labelled: int
    scores: Scores
    false_positives: list[tuple[str, str]] = field(default_factory=list)  # (id, predicted name)
    false_negatives: list[tuple[str, str]] = field(default_factory=list)  # (id, gold name)
    off_topic: bool = False


def evaluate(
    corpus: Corpus,
    texts: Mapping[str, Mapping[str, str]],
    gold: Mapping[Path, Mapping[str, frozenset[str]]],
    variants: Variants,
    languages: Mapping[str, str | None] | None = None,
) -> tuple[list[SetResult], dict[str, list[str]]]:
    """Scores per set: each set on the rows of its own labels file whose ids it holds.

    ``languages``: each id's language, as :func:`predict` takes it (default: none).
    """
    results: list[SetResult] = []
    predicted: dict[str, list[str]] = {}
    languages = languages or {}
    for spec in corpus.sets:
        set_texts = texts.get(spec.name, {})
        set_gold = {i: g for i, g in gold.get(spec.labels, {}).items() if i in set_texts}
        set_pred = {i: predict(variants, set_texts[i], languages.get(i)) for i in set_gold}
        predicted.update(set_pred)
        result = SetResult(spec.name, len(set_gold), score(set_pred, set_gold), off_topic=spec.off_topic)
        for doc_id in sorted(set_gold, key=order_key):
            got, want = set(set_pred[doc_id]), set_gold[doc_id]
            result.false_positives += [(doc_id, p) for p in set_pred[doc_id] if p not in want]
            result.false_negatives += [(doc_id, p) for p in sorted(want - got)]
        results.append(result)
    return results, predicted


def subtotals(results: Sequence[SetResult]) -> list[SetResult]:
    """The war sets together, the off-topic sets together (where both exist), and all."""
    groups = [
        ("war", [r for r in results if not r.off_topic]),
        ("off-topic", [r for r in results if r.off_topic]),
    ]
    out = []
    for name, members in [*(g for g in groups if g[1] and len(g[1]) < len(results)), ("all", list(results))]:
        total = Scores()
        for r in members:
            total.add(r.scores)
        out.append(SetResult(name, sum(r.labelled for r in members), total))
    return out


def _fmt(s: Scores) -> str:
    return f"precision {s.precision:.3f} ({s.tp}/{s.tp + s.fp}), recall {s.recall:.3f} ({s.tp}/{s.tp + s.fn})"


def markdown(corpus: Corpus, results: Sequence[SetResult], notes: Sequence[str]) -> str:
    totals = subtotals(results)
    total = totals[-1].scores
    files = ", ".join(f"`{p.relative_to(BENCH_DIR.parent)}`" for p in corpus.label_files)
    lines = [
        f"# places facet, {corpus.name} sample",
        "",
        f"Labels: {files}. Target precision >= {TARGET_PRECISION}: "
        + ("met." if total.precision >= TARGET_PRECISION else "**not met**."),
        "",
        "| set | docs | predicted | correct | gold | precision | recall |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in [*results, *totals]:
        s = r.scores
        lines.append(
            f"| {r.name} | {r.labelled} | {s.tp + s.fp} | {s.tp} | {s.tp + s.fn} "
            f"| {s.precision:.3f} | {s.recall:.3f} |"
        )
    lines += ["", *notes, "", "## False positives (id, predicted place)", ""]
    lines += [f"- {doc_id}: {place}" for r in results for doc_id, place in r.false_positives] or ["none"]
    lines += ["", "## Missed gold places (id, place)", ""]
    lines += [f"- {doc_id}: {place}" for r in results for doc_id, place in r.false_negatives] or ["none"]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------- main


def _load_sets(corpus: Corpus, data: Path) -> Iterator[tuple[str, dict[str, str], dict[str, str | None]]]:
    for spec in corpus.sets:
        path = data / spec.path
        if path.is_file():
            yield spec.name, *read_records(path, spec.topics, spec.war, spec.language)
        else:
            print(f"places_eval: missing {spec.path}; the {spec.name} set is not scored", file=sys.stderr)


def read_all_labels(corpus: Corpus, main: Path | None = None) -> dict[Path, dict[str, frozenset[str]]]:
    """Each labels file of the corpus that exists (``main`` standing in for the war sets' file).

    An id labelled in two files is an error: it would be scored twice.
    """
    out: dict[Path, dict[str, frozenset[str]]] = {}
    owner: dict[str, Path] = {}
    for path in corpus.label_files:
        source = main if main is not None and path == corpus.labels else path
        if not source.is_file():
            continue
        out[path] = read_labels(source)
        for doc_id in out[path]:
            if doc_id in owner:
                raise ValueError(f"{doc_id!r} is labelled in both {owner[doc_id].name} and {source.name}")
            owner[doc_id] = source
    return out


def draw_sample(
    corpus: Corpus,
    texts: Mapping[str, Mapping[str, str]],
    gold: Mapping[Path, Mapping[str, frozenset[str]]],
    variants: Variants,
    languages: Mapping[str, str | None] | None = None,
) -> dict[str, list[str]]:
    """Each set's drawn ids; an off-topic set leaves out ids labelled in another labels file."""
    sample: dict[str, list[str]] = {}
    for spec in corpus.sets:
        if spec.name not in texts:
            continue
        pool: Mapping[str, str] = texts[spec.name]
        if spec.off_topic:
            taken = {i for path, rows in gold.items() if path != spec.labels for i in rows}
            pool = {i: t for i, t in pool.items() if i not in taken}
        sample[spec.name] = draw(
            pool, spec.size, corpus.cyrillic, variants, languages, corpus.accented_capitals
        )
    return sample


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--english", action="store_true", help="English sample (RUWA, GDELT, Guardian; BBC off-topic)."
    )
    which.add_argument(
        "--european",
        action="store_true",
        help="European sample: news of the war in de, fr, it, nl, pl, cs, es (40 each, es what there is) "
        "and off-topic news in each (15 each), from european_news/.",
    )
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="The shared data folder.")
    parser.add_argument(
        "--labels",
        default=None,
        help="Labels file of the war sets (default: bench/data/places_labels_*.tsv); "
        "the off-topic sets keep theirs.",
    )
    parser.add_argument(
        "--draw",
        action="store_true",
        help="Write the drawn sample with today's predictions to bench/out/ as a labelling template.",
    )
    parser.add_argument(
        "--quiet", action="store_true", help="Do not list false positives and missed places on the terminal."
    )
    args = parser.parse_args(argv)

    corpus = ENGLISH if args.english else EUROPEAN if args.european else CYRILLIC
    data = Path(args.data)
    if not data.is_dir() or not any((data / spec.path).is_file() for spec in corpus.sets):
        print(f"places_eval: skipped, no {corpus.name} evaluation data under {data}")
        return 0
    variants = Variants.load()
    texts: dict[str, dict[str, str]] = {}
    languages: dict[str, str | None] = {}
    for set_name, set_texts, set_languages in _load_sets(corpus, data):
        texts[set_name] = set_texts
        languages.update(set_languages)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    main_labels = Path(args.labels) if args.labels else None
    gold_by_file = read_all_labels(corpus, main_labels)

    sample = draw_sample(corpus, texts, gold_by_file, variants, languages)
    if args.draw:
        template = OUT_DIR / f"places_sample_{corpus.name}.tsv"
        with template.open("w", encoding="utf-8") as fh:
            fh.write("# drawn sample; second column: today's predictions, to be corrected by reading\n")
            for set_name, ids in sample.items():
                fh.write(f"# set {set_name}\n")
                for doc_id in ids:
                    got = predict(variants, texts[set_name][doc_id], languages.get(doc_id))
                    fh.write(f"{doc_id}\t{'|'.join(got)}\n")
        print(f"places_eval: wrote {sum(map(len, sample.values()))} drawn ids to {template}")
        return 0

    if corpus.labels not in gold_by_file:
        print(
            f"places_eval: no labels file {main_labels or corpus.labels}; run with --draw to make a template"
        )
        return 0
    known = {i for t in texts.values() for i in t}
    labelled = {i for rows in gold_by_file.values() for i in rows}
    unknown = sorted(labelled - known)
    notes = [f"{len(labelled)} labelled documents."]
    for spec in corpus.sets:
        if spec.labels not in gold_by_file:
            notes.append(f"No labels file {spec.labels.name}: the {spec.name} set is not scored.")
    notes = list(dict.fromkeys(notes))
    if unknown:
        notes.append(
            f"{len(unknown)} labelled ids are not in the data and are skipped: {', '.join(unknown[:10])}"
        )
    drawn = {i for ids in sample.values() for i in ids}
    unlabelled = drawn - labelled
    undrawn = labelled - drawn
    if unlabelled or undrawn:
        # Either labelling is unfinished, or the extractor changed which records are eligible.
        notes.append(
            f"A fresh draw has {len(unlabelled)} ids without labels and leaves out {len(undrawn)} "
            "labelled ids; only labelled ids are scored (see --draw)."
        )
    results, _ = evaluate(corpus, texts, gold_by_file, variants, languages)
    totals = subtotals(results)
    total = totals[-1].scores

    names = ", ".join(p.name for p in gold_by_file)
    print(f"places facet, {corpus.name} sample ({names})")
    for r in results:
        print(f"  {r.name:<17} {r.labelled:>3} docs  " + (_fmt(r.scores) if r.labelled else "not labelled"))
    for r in totals:
        print(f"  {r.name:<17} {r.labelled:>3} docs  {_fmt(r.scores)}")
    verdict = "met" if total.precision >= TARGET_PRECISION else "NOT met"
    print(f"  target precision >= {TARGET_PRECISION}: {verdict}")
    for note in notes[1:]:
        print(f"  note: {note}")
    if not args.quiet:
        fps = [(r.name, doc_id, place) for r in results for doc_id, place in r.false_positives]
        print(f"\nfalse positives ({len(fps)}): id, predicted place <- word in the text")
        for set_name, doc_id, place in fps:
            text = texts[set_name][doc_id]
            word, start = trigger_word(text, place, variants, languages.get(doc_id))
            where = " (opens a sentence)" if start >= 0 and _opens_sentence(text, start, True) else ""
            print(f"  {doc_id}\t{place}\t<- {word}{where}")
        fns = [(r.name, doc_id, place) for r in results for doc_id, place in r.false_negatives]
        print(
            f"\nmissed gold places ({len(fns)}): id, gold place <- a word of the text that "
            "canonical_place reads as it ('?': none, a spelling or form the lookup lacks)"
        )
        for set_name, doc_id, place in fns:
            word, _ = trigger_word(texts[set_name][doc_id], place, variants, languages.get(doc_id))
            print(f"  {doc_id}\t{place}\t<- {word}")

    report = markdown(corpus, results, notes)
    (OUT_DIR / f"places_eval_{corpus.name}.md").write_text(report, encoding="utf-8")
    summary: dict[str, Any] = {
        "labels": [str(p) for p in gold_by_file],
        "target_precision": TARGET_PRECISION,
        "sets": {
            r.name: {
                "docs": r.labelled,
                "off_topic": r.off_topic,
                "tp": r.scores.tp,
                "fp": r.scores.fp,
                "fn": r.scores.fn,
                "precision": r.scores.precision,
                "recall": r.scores.recall,
                "false_positives": r.false_positives,
                "false_negatives": r.false_negatives,
            }
            for r in results
        },
        "subtotals": {
            r.name: {
                "docs": r.labelled,
                "tp": r.scores.tp,
                "fp": r.scores.fp,
                "fn": r.scores.fn,
                "precision": r.scores.precision,
                "recall": r.scores.recall,
            }
            for r in totals
        },
        "all": {"tp": total.tp, "fp": total.fp, "fn": total.fn},
        "precision": total.precision,
        "recall": total.recall,
    }
    (OUT_DIR / f"places_eval_{corpus.name}.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    print(f"\nreports: {OUT_DIR / f'places_eval_{corpus.name}.md'} and .json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
