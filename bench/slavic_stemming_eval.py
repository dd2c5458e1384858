"""Polish and Czech stemming for search: light stemmers, Snowball, stempel and dictionaries, on real news.

    pip install -e ".[slavic-eval]"   # the candidates; a method whose package is missing is left out
    python bench/slavic_stemming_eval.py [--lang pl cs] [--data-dir DIR] [--families 300] [--seed 1]
                                         [--out-dir bench/out] [--sweep] [--no-memory]

Compares, as index/query keys for Polish (pl) and Czech (cs) words:

* ``light``: :func:`searchsvc.analysis.slavic.light_stem_pl` / ``light_stem_cs``
  on the word as written; ``light_folded`` the same on the word without its
  diacritics, as searchsvc's chain hands words to stemmers today (it folds
  accents first); for Polish, ``light_keep_ow`` never cuts -ów and
  ``light_strip_ow`` drops every final -ow, where ``light`` drops it only after
  the endings of towns in -ów (see :mod:`searchsvc.analysis.slavic`);
* ``snowball``: the Snowball algorithm of the language, which Snowball 3 has
  (PyStemmer ``Stemmer.Stemmer("polish"/"czech").stemWord``; NLTK has neither);
  ``snowball_py`` the same algorithm in pure Python (snowballstemmer, same keys,
  scored for its cost); ``snowball_folded`` on the word without diacritics;
* ``simplemma``: ``simplemma.lemmatize(word, lang=...)``, lower-cased;
  ``simplemma_known`` the lemma when ``simplemma.is_known``, else the word;
  ``simplemma_or_light`` the lemma when known, else the light stem;
  ``simplemma_light`` the light stem of the lemma when known, else of the word
  (one key space for both);
* ``stempel`` (pl): pystempel's ``Stemmer.polimorf()`` table (the word itself when
  it gives none); ``stempel_default`` its original table;
* ``morfeusz`` (pl): Morfeusz 2's lemma of the word's first analysis (SGJP
  dictionary, bundled in the wheel); ``morfeusz_light`` the light stem of that
  lemma for known words, of the word for the others;
* ``today``: what searchsvc does now with a Latin word: accents folded, then
  Snowball English;
* ``exact``: the word itself, for reference (no stemming).

A method whose package is not installed is left out with a note. No package here
downloads anything at run time.

What a user sees
----------------
A search for one word finds every document holding a word with the same key. So
each method is scored by what one query word finds among the words of the corpus,
``european_news/pl.jsonl`` or ``cs.jsonl``: every word of title and body, lower-cased,
split as searchsvc splits words, made only of the language's letters, less
searchsvc's stop words (the default ones and the language's own).

Inflection families (ground truth)
----------------------------------
1. dictionary families: corpus words a dictionary reads unambiguously, grouped by
   lemma, with at least 2 forms in the corpus; ``--families`` of them sampled
   (seeded), split evenly between classes; the same figures over all are given too.
   * pl, Morfeusz 2 (SGJP): classes noun, name (a noun Morfeusz marks as a place,
     surname or first name), adjective, verb. A verb family holds the finite forms,
     infinitive and impersonal; its participles and gerunds (zniszczony,
     zniszczenie), which Morfeusz also gives the verb's lemma, count as related:
     neither found nor dragged. Related words: all corpus words with any analysis
     of that lemma. Favours ``morfeusz``.
   * pl and cs, simplemma's dictionary: classes name (capitalised lemma) and word.
     Related words: the family. Favours ``simplemma``.
   No Czech dictionary with its data comes from PyPI (majka and MorphoDiTa download
   their dictionaries), so the Czech automatic families are simplemma's only.
2. hand families (``bench/data/pl_stem_families.txt``, ``cs_stem_families.txt``):
   about 40 families each, written by hand from words seen in the corpus before any
   method was scored: common nouns, places, people, verbs and adjectives. Related
   words = the family. Scored by section too, and with a table of how each method
   groups the forms of every place and person name. Their ``a != b`` lines are
   pairs of unrelated words that must not share a key (scored without the corpus).

Scores (per query, then averaged over a family's forms, then over families)
--------------------------------------------------------------------------
Each form of a family is typed as the query. With K = the query's key:

* recall, words: share of the family's forms whose key is K;
* recall, docs: share of the documents holding any family form that hold a word
  with key K;
* recall, bare query (hand families): recall, words, when the query is typed
  without diacritics (Kijowie as kijowie, Kyjevě as kyjeve), as readers often do;
* drag, words: words with key K outside the related words (mean per query; and
  the share of queries with any);
* drag, docs: documents found that hold no related word (mean per query), and
  their share of the documents found.

Cost
----
Each in a fresh subprocess: the load time, the resident memory a method adds to a
process (imports and data, then keying the vocabulary), and words per second keying
every distinct corpus word once (cold: PyStemmer, snowballstemmer and simplemma keep
caches, which one pass over distinct words cannot use). In this process, words per
second at the best of 3 more passes (warm, caches full).

Caveats
-------
* The light stemmers' rules were written with the hand families in view and
  checked on the dictionary families (``--seed 7`` samples and all families); the
  hand families were written before any method was scored.
* The Czech set is small (WMT sentences): many families have 2 or 3 forms in it.
* Drag counts derived words as unrelated whenever the dictionary's lemmas differ
  (wojsko/wojskowy, Rusko/ruský); the examples show what is dragged in.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from searchsvc.analysis import all_stopwords, english_stem, fold_accents, iter_words, stopwords
from searchsvc.analysis.slavic import fold, light_stem_cs, light_stem_pl

HERE = Path(__file__).resolve().parent
DATA_DIR = Path("/work/shared/data/european_news")
OUT = HERE / "out"
LANGS = ("pl", "cs")
LETTERS = {
    "pl": frozenset("abcdefghijklmnopqrstuvwxyząćęłńóśźż"),
    "cs": frozenset("abcdefghijklmnopqrstuvwxyzáčďéěíňóřšťúůýž"),
}
SNOWBALL_NAME = {"pl": "polish", "cs": "czech"}
LIGHT: dict[str, Callable[[str], str]] = {"pl": light_stem_pl, "cs": light_stem_cs}

Key = Callable[[str], str]


# -- corpus -----------------------------------------------------------------------------------------------


def read_corpus(lines: Iterable[str], lang: str) -> tuple[dict[str, frozenset[int]], int]:
    """Every indexed word of the language in JSON lines of news, with the numbers of the documents holding it."""
    stop = all_stopwords() | stopwords(lang)  # folded, as the analysis looks them up
    letters = LETTERS[lang]
    docs_of: dict[str, set[int]] = defaultdict(set)
    count = 0
    for count, line in enumerate(lines, 1):
        rec = json.loads(line)
        text = f"{rec.get('title') or ''}\n{rec.get('body') or ''}"
        for _start, _end, word, _joined in iter_words(text, joined=False):
            word = word.lower()
            if fold_accents(word) not in stop and set(word) <= letters:
                docs_of[word].add(count)
    return {w: frozenset(d) for w, d in docs_of.items()}, count


def corpus_path(data_dir: Path, lang: str) -> Path:
    return data_dir / f"{lang}.jsonl"


# -- methods ----------------------------------------------------------------------------------------------


def _exact(lang: str) -> Key:
    return str


def _today(lang: str) -> Key:
    return lambda word: english_stem(fold_accents(word))


def _light(lang: str) -> Key:
    return LIGHT[lang]


def _light_folded(lang: str) -> Key:
    light = LIGHT[lang]
    return lambda word: light(fold(word))


def _light_keep_ow(lang: str) -> Key:
    return partial(light_stem_pl, strip_ow="never")


def _light_strip_ow(lang: str) -> Key:
    return partial(light_stem_pl, strip_ow="always")


def _snowball(lang: str) -> Key:
    import Stemmer

    return Stemmer.Stemmer(SNOWBALL_NAME[lang]).stemWord  # type: ignore[no-any-return]


def _snowball_py(lang: str) -> Key:
    # snowballstemmer.stemmer() hands out PyStemmer's C stemmer when that is installed.
    if lang == "pl":
        from snowballstemmer.polish_stemmer import PolishStemmer as Pure
    else:
        from snowballstemmer.czech_stemmer import CzechStemmer as Pure
    return Pure().stemWord  # type: ignore[no-any-return]


def _snowball_folded(lang: str) -> Key:
    stem = _snowball(lang)
    return lambda word: stem(fold(word))


def _simplemma_lemma(word: str, lang: str) -> str:
    import simplemma

    return str(simplemma.lemmatize(word, lang=lang)).lower()


def _simplemma(lang: str) -> Key:
    _simplemma_lemma("a", lang)  # loads the dictionary
    return partial(_simplemma_lemma, lang=lang)


def _simplemma_known(lang: str) -> Key:
    import simplemma

    _simplemma_lemma("a", lang)

    def key(word: str) -> str:
        return _simplemma_lemma(word, lang) if simplemma.is_known(word, lang=lang) else word

    return key


def _simplemma_or_light(lang: str) -> Key:
    import simplemma

    light = LIGHT[lang]
    _simplemma_lemma("a", lang)

    def key(word: str) -> str:
        return _simplemma_lemma(word, lang) if simplemma.is_known(word, lang=lang) else light(word)

    return key


def _simplemma_light(lang: str) -> Key:
    import simplemma

    light = LIGHT[lang]
    _simplemma_lemma("a", lang)

    def key(word: str) -> str:
        return light(_simplemma_lemma(word, lang) if simplemma.is_known(word, lang=lang) else word)

    return key


def _stempel_key(table: Any) -> Key:
    def key(word: str) -> str:
        return str(table(word) or word)

    return key


def _stempel(lang: str) -> Key:
    from pystempel import Stemmer

    return _stempel_key(Stemmer.polimorf())


def _stempel_default(lang: str) -> Key:
    from pystempel import Stemmer

    return _stempel_key(Stemmer.default())


def morfeusz() -> Any:
    import morfeusz2

    return morfeusz2.Morfeusz(generate=False, expand_tags=False)


def morfeusz_lemma(analysis: tuple[Any, ...]) -> str:
    """The lemma of one Morfeusz interpretation, lower case, without its homonym mark (Kijo:Sm1 -> kijo)."""
    return str(analysis[2][1]).split(":", 1)[0].lower()


def _morfeusz(lang: str) -> Key:
    m = morfeusz()

    def key(word: str) -> str:
        return morfeusz_lemma(m.analyse(word)[0])

    return key


def _morfeusz_light(lang: str) -> Key:
    m = morfeusz()

    def key(word: str) -> str:
        first = m.analyse(word)[0]
        return light_stem_pl(word if first[2][2] == "ign" else morfeusz_lemma(first))

    return key


@dataclass(frozen=True)
class Method:
    label: str
    factory: Callable[[str], Key]
    langs: tuple[str, ...] = LANGS
    #: The module the method imports, if not searchsvc's own.
    needs: str | None = None


METHODS: dict[str, Method] = {
    "light": Method("light stem (ours)", _light),
    "light_folded": Method("light stem, folded input", _light_folded),
    "light_keep_ow": Method("light stem, -ów kept", _light_keep_ow, ("pl",)),
    "light_strip_ow": Method("light stem, every final -ow dropped", _light_strip_ow, ("pl",)),
    "snowball": Method("Snowball (PyStemmer)", _snowball, needs="Stemmer"),
    "snowball_py": Method("Snowball (snowballstemmer, pure Python)", _snowball_py, needs="snowballstemmer"),
    "snowball_folded": Method("Snowball, folded input", _snowball_folded, needs="Stemmer"),
    "simplemma": Method("simplemma lemma", _simplemma, needs="simplemma"),
    "simplemma_known": Method("simplemma lemma if known, else word", _simplemma_known, needs="simplemma"),
    "simplemma_or_light": Method(
        "simplemma lemma if known, else light", _simplemma_or_light, needs="simplemma"
    ),
    "simplemma_light": Method("light stem of simplemma lemma or word", _simplemma_light, needs="simplemma"),
    "stempel": Method("pystempel, polimorf table", _stempel, ("pl",), needs="pystempel"),
    "stempel_default": Method("pystempel, original table", _stempel_default, ("pl",), needs="pystempel"),
    "morfeusz": Method("Morfeusz 2 lemma (first analysis)", _morfeusz, ("pl",), needs="morfeusz2"),
    "morfeusz_light": Method(
        "light stem of Morfeusz lemma or word", _morfeusz_light, ("pl",), needs="morfeusz2"
    ),
    "today": Method("today: folded, Snowball English", _today),
    "exact": Method("exact word (reference)", _exact),
}
#: The methods shown in the per-section and per-name tables.
MAIN = ("light", "snowball", "simplemma", "simplemma_light", "stempel", "morfeusz", "today")


def available(method: Method) -> bool:
    return method.needs is None or importlib.util.find_spec(method.needs) is not None


def methods_for(lang: str) -> tuple[dict[str, Method], list[str]]:
    """The methods that apply to ``lang`` and are installed, and the names of those that are not."""
    usable, missing = {}, []
    for name, method in METHODS.items():
        if lang in method.langs:
            if available(method):
                usable[name] = method
            else:
                missing.append(f"{name} (needs {method.needs})")
    return usable, missing


class KeyIndex:
    """The corpus as one method indexes it: key -> words, key -> documents."""

    def __init__(self, key: Key, docs_of: dict[str, frozenset[int]]) -> None:
        self.key = key
        self.docs_of = docs_of
        self.key_of = {word: key(word) for word in docs_of}
        self.words: dict[str, set[str]] = defaultdict(set)
        for word, k in self.key_of.items():
            self.words[k].add(word)
        self._docs: dict[str, frozenset[int]] = {}

    def docs(self, k: str) -> frozenset[int]:
        found = self._docs.get(k)
        if found is None:
            found = self._docs[k] = frozenset().union(*(self.docs_of[w] for w in self.words.get(k, ())))
        return found


# -- families ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Family:
    name: str
    group: str
    forms: frozenset[str]
    related: frozenset[str]


@dataclass(frozen=True)
class HandFile:
    families: list[Family]
    #: Pairs of unrelated words that must not share a key.
    apart: list[tuple[str, str]]


def parse_hand(text: str, docs_of: dict[str, frozenset[int]]) -> HandFile:
    """Hand families (forms found in the corpus, at least 2) and ``a != b`` pairs.

    A ``# section`` line names the group of the lines below it.
    """
    families, apart = [], []
    group = "hand"
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("#"):
            group = line.lstrip("# ").strip()
            continue
        if "!=" in line:
            a, b = (w.strip() for w in line.split("!=", 1))
            apart.append((a, b))
            continue
        words = [w for w in line.split() if w in docs_of]
        if len(words) >= 2:
            forms = frozenset(words)
            families.append(Family(line.split()[0], group, forms, forms))
    return HandFile(families, apart)


VERB_FORMS = frozenset(("fin", "praet", "inf", "impt", "imps", "bedzie"))
VERB_RELATED = frozenset(("ger", "pact", "ppas", "pcon", "pant"))
NAME_QUALIFIERS = frozenset(("nazwa_geograficzna", "nazwisko", "imię"))


def morfeusz_class(analysis: tuple[Any, ...]) -> str | None:
    """noun, name, adjective or verb for a Morfeusz interpretation; None for other classes."""
    _orth, _lemma, tag, names, _qualifiers = analysis[2]
    pos = tag.split(":", 1)[0]
    if pos in ("subst", "depr"):
        return "name" if NAME_QUALIFIERS & set(names) else "noun"
    if pos == "adj":
        return "adjective"
    if pos in VERB_FORMS:
        return "verb"
    if pos in VERB_RELATED:
        return "verb-related"
    return None


def morfeusz_families(docs_of: dict[str, frozenset[int]], m: Any) -> list[Family]:
    """Families of words with one Morfeusz lemma (one segment, one class), >= 2 corpus forms."""
    forms: dict[tuple[str, str], set[str]] = defaultdict(set)
    related: dict[str, set[str]] = defaultdict(set)
    for word in docs_of:
        analyses = m.analyse(word)
        single = [a for a in analyses if a[0] == 0 and a[1] == 1]
        lemmas = {morfeusz_lemma(a) for a in single}
        for lemma in lemmas:
            related[lemma].add(word)
        if len(single) != len(analyses) or len(lemmas) != 1 or single[0][2][2] == "ign":
            continue
        classes = {morfeusz_class(a) for a in single}
        if len(classes) == 1:
            (cls,) = classes
            if cls is not None and cls != "verb-related":
                forms[(lemmas.pop(), cls)].add(word)
    families = []
    for (lemma, cls), words in forms.items():
        if len(words) >= 2:
            families.append(Family(lemma, cls, frozenset(words), frozenset(related[lemma] | words)))
    return sorted(families, key=lambda f: (f.group, f.name))


def simplemma_families(docs_of: dict[str, frozenset[int]], lang: str) -> list[Family]:
    """Families of the words simplemma's dictionary knows, by lemma; "name" when the lemma is capitalised."""
    import simplemma

    forms: dict[str, set[str]] = defaultdict(set)
    for word in docs_of:
        if simplemma.is_known(word, lang=lang):
            forms[str(simplemma.lemmatize(word, lang=lang))].add(word)
    families = []
    for lemma, words in forms.items():
        if len(words) >= 2:
            group = "name" if lemma[:1].isupper() else "word"
            families.append(Family(lemma.lower(), group, frozenset(words), frozenset(words)))
    return sorted(families, key=lambda f: (f.group, f.name))


def sample_families(families: list[Family], total: int, seed: int) -> list[Family]:
    rng = random.Random(seed)
    groups = sorted({f.group for f in families})
    picked: list[Family] = []
    for i, group in enumerate(groups):
        pool = [f for f in families if f.group == group]
        share = total // len(groups) + (1 if i < total % len(groups) else 0)
        picked += rng.sample(pool, min(share, len(pool)))
    return picked


# -- scoring ----------------------------------------------------------------------------------------------

SCORES = (
    "recall_words",
    "recall_docs",
    "recall_bare",
    "drag_words",
    "drag_docs",
    "drag_share",
    "queries_with_drag",
)


def score_family(family: Family, index: KeyIndex) -> dict[str, float]:
    docs_of = index.docs_of
    family_docs = frozenset().union(*(docs_of[w] for w in family.forms))
    related_docs = frozenset().union(*(docs_of[w] for w in family.related))
    rows = []
    for query in sorted(family.forms):
        k = index.key_of[query]
        found, found_docs = index.words[k], index.docs(k)
        bare = index.words.get(index.key(fold(query)), set())
        dragged = found - family.related
        rows.append(
            (
                len(found & family.forms) / len(family.forms),
                len(found_docs & family_docs) / len(family_docs),
                len(bare & family.forms) / len(family.forms),
                len(dragged),
                len(found_docs - related_docs),
                len(found_docs - related_docs) / len(found_docs),
                1.0 if dragged else 0.0,
            )
        )
    return {name: statistics.fmean(r[i] for r in rows) for i, name in enumerate(SCORES)}


def score(families: list[Family], index: KeyIndex) -> dict[str, float]:
    if not families:
        return {name: float("nan") for name in SCORES} | {"families": 0}
    per_family = [score_family(f, index) for f in families]
    out = {name: statistics.fmean(s[name] for s in per_family) for name in SCORES}
    out["families"] = len(families)
    return out


def pairs_kept_apart(pairs: list[tuple[str, str]], key: Key) -> tuple[int, list[str]]:
    """How many pairs keep distinct keys, and the pairs that do not."""
    merged = [f"{a}={b}" for a, b in pairs if key(a) == key(b)]
    return len(pairs) - len(merged), merged


def grouping(family: Family, index: KeyIndex) -> str:
    """The family's corpus forms grouped by key, groups apart with " | " (one group: all found)."""
    groups: dict[str, list[str]] = defaultdict(list)
    for word in sorted(family.forms, key=lambda w: (len(w), w)):
        groups[index.key_of[word]].append(word)
    parts = sorted(groups.values(), key=lambda g: (-len(g), g))
    return " \\| ".join(" ".join(g) for g in parts)


def examples(families: list[Family], index: KeyIndex, limit: int = 12) -> dict[str, list[str]]:
    """Missed forms and dragged words, most frequent first, for reading."""
    missed: Counter[str] = Counter()
    dragged: Counter[str] = Counter()
    for family in families:
        for query in family.forms:
            found = index.words[index.key_of[query]]
            for word in family.forms - found:
                missed[f"{query} ≠ {word}"] = len(index.docs_of[word])
            for word in found - family.related:
                dragged[f"{query} → {word}"] = len(index.docs_of[word])
    return {
        "missed": [w for w, _ in missed.most_common(limit)],
        "dragged": [w for w, _ in dragged.most_common(limit)],
    }


# -- cost -------------------------------------------------------------------------------------------------


def time_method(factory: Callable[[], Key], words: list[str], runs: int = 3) -> dict[str, float]:
    key = factory()
    for word in words:
        key(word)
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        for word in words:
            key(word)
        best = min(best, time.perf_counter() - start)
    return {"warm_words_per_s": len(words) / best}


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def memory_probe(method: str, lang: str, data: Path) -> dict[str, float]:
    """Run in a fresh process: RSS added by loading one method, then by keying the vocabulary."""
    import gc

    with data.open(encoding="utf-8") as lines:
        words = list(read_corpus(lines, lang)[0])
    gc.collect()
    base = _rss_mb()
    start = time.perf_counter()
    key = METHODS[method].factory(lang)
    load_s = time.perf_counter() - start
    loaded = _rss_mb()
    start = time.perf_counter()
    for word in words:
        key(word)
    cold = time.perf_counter() - start
    gc.collect()
    return {
        "load_s": load_s,
        "load_mb": loaded - base,
        "after_vocab_mb": _rss_mb() - base,
        "cold_words_per_s": len(words) / cold,
    }


def measure_memory(method: str, lang: str, data: Path) -> dict[str, float]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--memory-probe", method, "--lang", lang]
    cmd += ["--data-dir", str(data.parent)]
    result = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


# -- report -----------------------------------------------------------------------------------------------


def table(
    title: str, rows: dict[str, dict[str, float]], label: Callable[[str], str], bare: bool
) -> list[str]:
    head = "| method | recall, words | recall, docs |" + (" recall, bare query |" if bare else "")
    lines = [
        f"#### {title}",
        "",
        head + " drag, words/query | queries with drag | drag, docs/query | unrelated share of results |",
        "|---|---:|---:|" + ("---:|" if bare else "") + "---:|---:|---:|---:|",
    ]
    for name, s in rows.items():
        cells = f"| {label(name)} | {s['recall_words']:.3f} | {s['recall_docs']:.3f} |"
        if bare:
            cells += f" {s['recall_bare']:.3f} |"
        lines.append(
            cells + f" {s['drag_words']:.2f} | {s['queries_with_drag']:.1%} | {s['drag_docs']:.2f} "
            f"| {s['drag_share']:.1%} |"
        )
    return [*lines, ""]


def by_group(families: list[Family], indexes: dict[str, KeyIndex]) -> list[str]:
    groups = list(dict.fromkeys(f.group for f in families))
    lines = [
        "| group (families) | " + " | ".join(f"{m}: recall w / drag w" for m in indexes) + " |",
        "|---|" + "---:|" * len(indexes),
    ]
    for group in groups:
        fams = [f for f in families if f.group == group]
        cells = []
        for index in indexes.values():
            s = score(fams, index)
            cells.append(f"{s['recall_words']:.2f} / {s['drag_words']:.2f}")
        lines.append(f"| {group} ({len(fams)}) | " + " | ".join(cells) + " |")
    return [*lines, ""]


def names_table(families: list[Family], indexes: dict[str, KeyIndex]) -> list[str]:
    lines = [
        "| name | " + " | ".join(indexes) + " |",
        "|---|" + "---|" * len(indexes),
    ]
    for family in families:
        lines.append(f"| {family.name} | " + " | ".join(grouping(family, i) for i in indexes.values()) + " |")
    return [*lines, ""]


def evaluate(lang: str, args: argparse.Namespace) -> tuple[list[str], dict[str, Any]]:
    data = corpus_path(args.data_dir, lang)
    with data.open(encoding="utf-8") as lines:
        docs_of, n_docs = read_corpus(lines, lang)
    words = sorted(docs_of)
    methods, missing = methods_for(lang)
    hand = parse_hand((HERE / "data" / f"{lang}_stem_families.txt").read_text(encoding="utf-8"), docs_of)

    sets: dict[str, list[Family]] = {}
    if lang == "pl" and "morfeusz" in methods:
        fams = morfeusz_families(docs_of, morfeusz())
        sampled = sample_families(fams, args.families, args.seed)
        sets[f"Morfeusz families, sample of {len(sampled)} (seed {args.seed})"] = sampled
        sets[f"Morfeusz families, all {len(fams)}"] = fams
    if "simplemma" in methods:
        fams = simplemma_families(docs_of, lang)
        sampled = sample_families(fams, args.families, args.seed)
        sets[f"simplemma families, sample of {len(sampled)} (seed {args.seed})"] = sampled
        sets[f"simplemma families, all {len(fams)}"] = fams
    hand_title = f"hand families ({len(hand.families)}, {lang}_stem_families.txt)"
    sets[hand_title] = hand.families

    keys: dict[str, Key] = {name: m.factory(lang) for name, m in methods.items()}
    if args.sweep:
        light = LIGHT[lang]
        for n in (2, 3, 4, 5):
            keys[f"light_min{n}"] = partial(light, min_stem=n)
    indexes = {name: KeyIndex(key, docs_of) for name, key in keys.items()}
    main = {m: indexes[m] for m in MAIN if m in indexes}

    def label(name: str) -> str:
        return METHODS[name].label if name in METHODS else name

    results: dict[str, Any] = {
        "docs": n_docs,
        "words": len(words),
        "missing": missing,
        "sets": {},
        "cost": {},
    }
    lines = [
        f"## {'Polish' if lang == 'pl' else 'Czech'} ({data.name})",
        "",
        f"{n_docs} documents, {len(words)} distinct indexed words. Recall: share of a family's forms (words) "
        "or of its documents (docs) one query form finds; drag: unrelated words and documents it also finds. "
        "Averages per query, per family.",
        "",
    ]
    if missing:
        lines += [f"Not installed, left out: {', '.join(missing)}.", ""]
    for title, families in sets.items():
        rows = {name: score(families, index) for name, index in indexes.items()}
        results["sets"][title] = rows
        lines += table(title, rows, label, bare=families is hand.families)
        lines += by_group(families, main)

    lines += [
        "#### Pairs that must stay apart (hand file)",
        "",
        "| method | kept apart | merged |",
        "|---|---:|---|",
    ]
    for name, index in indexes.items():
        kept, merged = pairs_kept_apart(hand.apart, index.key)
        results.setdefault("apart", {})[name] = {"kept": kept, "of": len(hand.apart), "merged": merged}
        lines.append(f"| {label(name)} | {kept}/{len(hand.apart)} | {', '.join(merged) or '-'} |")
    lines.append("")

    names = [f for f in hand.families if f.group in ("places", "people")]
    lines += [
        "#### Place and person names: corpus forms grouped by key (one group: every form finds every other)",
        "",
        *names_table(names, main),
    ]

    lines += ["#### Examples: missed forms and dragged words", ""]
    for title, families in (("hand", hand.families), *((t, f) for t, f in sets.items() if "sample" in t)):
        for name in main:
            ex = examples(families, indexes[name])
            results.setdefault("examples", {}).setdefault(title, {})[name] = ex
            lines.append(f"- {title}, {label(name)}: missed: {', '.join(ex['missed']) or '-'}")
            lines.append(f"  dragged: {', '.join(ex['dragged']) or '-'}")
    lines.append("")

    lines += [
        "#### Cost",
        "",
        "| method | words/s, cold | words/s, warm | load s | RSS added, loaded MB | RSS added, after vocabulary MB |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, method in methods.items():
        cost = time_method(partial(method.factory, lang), words)
        if not args.no_memory:
            cost |= measure_memory(name, lang, data)
        results["cost"][name] = cost
        if "load_mb" in cost:
            probe = (
                f"{cost['cold_words_per_s']:,.0f} | {cost['warm_words_per_s']:,.0f} | {cost['load_s']:.2f} "
                f"| {cost['load_mb']:.1f} | {cost['after_vocab_mb']:.1f}"
            )
        else:
            probe = f"- | {cost['warm_words_per_s']:,.0f} | - | - | -"
        lines.append(f"| {method.label} | {probe} |")
    lines.append("")
    return lines, results


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--lang", nargs="+", choices=LANGS, default=list(LANGS))
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--families", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out-dir", type=Path, default=OUT)
    parser.add_argument("--sweep", action="store_true", help="also score the light stemmer at min stem 2..5")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory subprocesses")
    parser.add_argument("--memory-probe", choices=sorted(METHODS), help=argparse.SUPPRESS)
    args = parser.parse_args(None if argv is None else list(argv))

    if args.memory_probe:
        (lang,) = args.lang
        print(json.dumps(memory_probe(args.memory_probe, lang, corpus_path(args.data_dir, lang))))
        return 0

    report = ["# Polish and Czech stemming on european_news", ""]
    results = {}
    for lang in args.lang:
        lines, results[lang] = evaluate(lang, args)
        report += lines
    text = "\n".join(report)
    print(text)
    suffix = "" if args.lang == list(LANGS) else "_" + "_".join(args.lang)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / f"slavic_stemming_eval{suffix}.md").write_text(text, encoding="utf-8")
    (args.out_dir / f"slavic_stemming_eval{suffix}.json").write_text(
        json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
