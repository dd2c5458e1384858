"""The query mix, drawn deterministically from a sample of the corpus.

Queries come from the documents themselves (words and word pairs that occur,
phrases that occur), so every class has real matches at every size. For the
synthetic corpus the sample is its first 10,000 documents, which the 10k, 100k
and 1M corpora share: the growth curve uses one query set.
"""

from __future__ import annotations

import random
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .peers.base import BenchQuery
from .synth import PLACE_GROUPS

CLASSES: tuple[str, ...] = (
    "term_low",
    "term_mid",
    "term_high",
    "and2",
    "and3",
    "phrase",
    "prefix",
    "place",
    "filtered",
    "faceted",
)
#: Classes that ask for facets and highlighting; the rest are "plain" queries.
FACETED_CLASSES = frozenset({"faceted"})

# English stop words (a union of the usual lists). Query terms avoid them:
# Whoosh's StemmingAnalyzer drops stop words, FTS5 and tantivy keep them, and a
# query on "the" would measure that difference rather than the engines.
STOP_WORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "may",
        "me",
        "might",
        "more",
        "most",
        "must",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "shall",
        "she",
        "should",
        "so",
        "some",
        "such",
        "tbd",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "upon",
        "us",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "yet",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
    ]
)

_WORD = re.compile(r"\w+")
_TOKEN = re.compile(r"\w+|[^\w\s]")


def _candidate(word: str) -> bool:
    return len(word) >= 3 and word.isalpha() and word not in STOP_WORDS


def _stemmers() -> list[Callable[[str], str]]:
    """Porter (Whoosh, FTS5) and Snowball (tantivy, likely searchsvc), when available."""
    try:
        from whoosh.lang import stemmer_for_language
        from whoosh.lang.porter import stem as porter
    except ImportError:
        return []
    return [porter, stemmer_for_language("en")]


@dataclass
class CorpusSample:
    """Document frequencies and token streams of the sampled documents."""

    docs: list[Mapping[str, Any]] = field(default_factory=list)
    tokens: list[list[str]] = field(default_factory=list)
    df: Counter[str] = field(default_factory=Counter)

    @classmethod
    def from_docs(cls, docs: Iterable[Mapping[str, Any]], limit: int) -> CorpusSample:
        sample = cls()
        for doc in docs:
            if len(sample.docs) >= limit:
                break
            text = f"{doc.get('title') or ''}\n{doc.get('body') or ''}".lower()
            toks = _WORD.findall(text)
            sample.docs.append({k: doc.get(k) for k in ("id", "title", "body", "source", "category", "date")})
            sample.tokens.append(toks)
            sample.df.update(set(toks))
        return sample

    @property
    def size(self) -> int:
        return len(self.docs)


class _StemCheck:
    """Decides whether Porter and Snowball would match the same words for a term."""

    def __init__(self, vocabulary: Iterable[str]) -> None:
        self.stemmers = _stemmers()
        self.groups: list[dict[str, frozenset[str]]] = []
        self.stem_of: list[dict[str, str]] = []
        words = list(vocabulary)
        for stem in self.stemmers:
            by_stem: dict[str, set[str]] = defaultdict(set)
            stem_of: dict[str, str] = {}
            for w in words:
                s = stem(w)
                stem_of[w] = s
                by_stem[s].add(w)
            self.stem_of.append(stem_of)
            self.groups.append({s: frozenset(ws) for s, ws in by_stem.items()})

    def safe(self, word: str) -> bool:
        if not self.stemmers:
            return False
        matched = []
        for stem, stem_of, groups in zip(self.stemmers, self.stem_of, self.groups, strict=True):
            s = stem_of.get(word) or stem(word)
            matched.append(groups.get(s, frozenset({word})))
        return all(m == matched[0] for m in matched)


class QueryDrawer:
    def __init__(self, sample: CorpusSample, seed: int) -> None:
        if not sample.size:
            raise ValueError("cannot draw queries from an empty corpus")
        self.sample = sample
        self.rng = random.Random(f"queries-{seed}")
        self.place_words = {v.lower() for g in PLACE_GROUPS for v in g.variants}
        cands = sorted(w for w in sample.df if _candidate(w) and w not in self.place_words)
        self.candidates = cands
        n = sample.size
        by_df = sorted(cands, key=lambda w: (sample.df[w], w))
        self.low = [w for w in cands if 2 <= sample.df[w] <= max(3, n // 1000)]
        self.mid = [w for w in cands if max(3, n * 0.005) <= sample.df[w] <= max(4, n * 0.05)]
        self.high = [w for w in cands if sample.df[w] >= max(5, n * 0.10)]
        # Small corpora may leave a band thin: fall back to df quantiles.
        q = max(1, len(by_df) // 10)
        if len(self.low) < 5:
            self.low = by_df[: 3 * q]
        if len(self.mid) < 5:
            self.mid = by_df[4 * q : 7 * q]
        if len(self.high) < 5:
            self.high = by_df[-q:]
        self.common = sorted(set(self.mid) | set(self.high))
        self.stems = _StemCheck(cands + sorted(self.place_words))
        self.thresholds = {
            "sample_docs": n,
            "low_df": [
                min((sample.df[w] for w in self.low), default=0),
                max((sample.df[w] for w in self.low), default=0),
            ],
            "mid_df": [
                min((sample.df[w] for w in self.mid), default=0),
                max((sample.df[w] for w in self.mid), default=0),
            ],
            "high_df": [
                min((sample.df[w] for w in self.high), default=0),
                max((sample.df[w] for w in self.high), default=0),
            ],
        }

    # -- helpers ----------------------------------------------------------------

    def _pick(self, pool: Sequence[str], k: int, used: set[str]) -> list[str]:
        fresh = [w for w in pool if w not in used]
        chosen = self.rng.sample(fresh, min(k, len(fresh)))
        if len(chosen) < k and pool:
            chosen += [self.rng.choice(pool) for _ in range(k - len(chosen))]
        return chosen

    def _doc_words(self, i: int, pool: set[str]) -> list[str]:
        return sorted({t for t in self.sample.tokens[i] if t in pool})

    def _safe(self, terms: Sequence[str]) -> bool:
        return all(self.stems.safe(t) for t in terms)

    def _query(self, qid: str, qclass: str, terms: Sequence[str], **kw: Any) -> BenchQuery:
        variants = tuple(kw.get("variants", ()))
        safe = not kw.get("phrase") and not kw.get("prefix") and self._safe(list(terms) + list(variants))
        return BenchQuery(qid=qid, qclass=qclass, terms=tuple(terms), stem_safe=safe, **kw)

    # -- classes ----------------------------------------------------------------

    def terms(self, qclass: str, pool: Sequence[str], n: int, used: set[str]) -> list[BenchQuery]:
        words = self._pick(pool, n, used)
        used.update(words)
        return [self._query(f"{qclass}-{i:03d}", qclass, [w]) for i, w in enumerate(words)]

    def conjunctions(self, qclass: str, k: int, n: int) -> list[BenchQuery]:
        common = set(self.common)
        out: list[BenchQuery] = []
        seen: set[tuple[str, ...]] = set()
        for _ in range(n * 50):
            if len(out) >= n:
                break
            words = self._doc_words(self.rng.randrange(self.sample.size), common)
            if len(words) < k:
                continue
            terms = tuple(self.rng.sample(words, k))
            if tuple(sorted(terms)) in seen:
                continue
            seen.add(tuple(sorted(terms)))
            out.append(self._query(f"{qclass}-{len(out):03d}", qclass, terms))
        return out

    def phrases(self, n: int) -> list[BenchQuery]:
        out: list[BenchQuery] = []
        seen: set[tuple[str, ...]] = set()
        for _ in range(n * 50):
            if len(out) >= n:
                break
            doc = self.sample.docs[self.rng.randrange(self.sample.size)]
            toks = _TOKEN.findall(str(doc.get("body") or doc.get("title") or "").lower())
            # Adjacent words with nothing but a space between them.
            spans = [
                i
                for i in range(len(toks) - 1)
                if _candidate(toks[i]) and _candidate(toks[i + 1]) and toks[i] != toks[i + 1]
            ]
            if not spans:
                continue
            i = self.rng.choice(spans)
            length = 3 if (len(out) % 3 == 2 and i + 2 < len(toks) and _candidate(toks[i + 2])) else 2
            terms = tuple(toks[i : i + length])
            if terms in seen:
                continue
            seen.add(terms)
            out.append(self._query(f"phrase-{len(out):03d}", "phrase", terms, phrase=True))
        return out

    def prefixes(self, n: int) -> list[BenchQuery]:
        pool = [w for w in self.mid if len(w) >= 6] or [w for w in self.common if len(w) >= 5]
        out: list[BenchQuery] = []
        seen: set[str] = set()
        for word in self.rng.sample(pool, len(pool)):
            if len(out) >= n:
                break
            prefix = word[: 4 + len(out) % 2]
            if prefix in seen or prefix in STOP_WORDS:
                continue
            seen.add(prefix)
            out.append(self._query(f"prefix-{len(out):03d}", "prefix", [prefix], prefix=True))
        return out

    def places(self, n: int) -> list[BenchQuery]:
        # Most mentioned places first; then cycle through their spellings so the
        # class covers official, Russian-era and Cyrillic forms alike.
        def mentions(group: Any) -> int:
            return sum(self.sample.df[v.lower()] for v in group.variants)

        groups = sorted(PLACE_GROUPS, key=lambda g: (-mentions(g), g.key))
        groups = [g for g in groups if mentions(g) > 0] or groups
        out: list[BenchQuery] = []
        seen: set[str] = set()
        for round_ in range(10):
            for group in groups:
                if len(out) >= n:
                    return out
                variants = [v.lower() for v in group.variants]
                spelling = variants[(round_ + 1) % len(variants)]
                if spelling in seen:
                    continue
                seen.add(spelling)
                out.append(
                    self._query(f"place-{len(out):03d}", "place", [spelling], variants=tuple(variants))
                )
        return out

    def filtered(self, qclass: str, n: int, *, facets: bool) -> list[BenchQuery]:
        common = set(self.common)
        out: list[BenchQuery] = []
        seen: set[tuple[Any, ...]] = set()
        for _ in range(n * 50):
            if len(out) >= n:
                break
            k = len(out)
            if facets:
                # Faceted: every fourth query has a facet value selected (a
                # filter), every third uses a very common word, others mid ones.
                field_name = "source" if k % 4 == 3 else None
                pool = set(self.high) if k % 3 == 1 else common
            else:
                field_name = "category" if k % 2 else "source"
                pool = common
            n_terms = 2 if k % 3 == 2 else 1
            i = self.rng.randrange(self.sample.size)
            value = str(self.sample.docs[i].get(field_name) or "") if field_name else ""
            if field_name and not value:
                continue  # real corpora lack some fields on some records
            words = self._doc_words(i, pool)
            if len(words) < n_terms:
                continue
            terms = tuple(self.rng.sample(words, n_terms))
            filters = ((field_name, (value,)),) if field_name else ()
            if (terms, filters) in seen:
                continue
            seen.add((terms, filters))
            out.append(
                self._query(
                    f"{qclass}-{len(out):03d}",
                    qclass,
                    terms,
                    filters=filters,
                    facets=facets,
                    highlight=facets,
                )
            )
        return out

    def draw(self, per_class: int, classes: Sequence[str] = CLASSES) -> list[BenchQuery]:
        used: set[str] = set()
        out: list[BenchQuery] = []
        for qclass in classes:
            if qclass == "term_low":
                out += self.terms(qclass, self.low, per_class, used)
            elif qclass == "term_mid":
                out += self.terms(qclass, self.mid, per_class, used)
            elif qclass == "term_high":
                out += self.terms(qclass, self.high, per_class, used)
            elif qclass == "and2":
                out += self.conjunctions(qclass, 2, per_class)
            elif qclass == "and3":
                out += self.conjunctions(qclass, 3, per_class)
            elif qclass == "phrase":
                out += self.phrases(per_class)
            elif qclass == "prefix":
                out += self.prefixes(per_class)
            elif qclass == "place":
                out += self.places(per_class)
            elif qclass == "filtered":
                out += self.filtered(qclass, per_class, facets=False)
            elif qclass == "faceted":
                out += self.filtered(qclass, per_class, facets=True)
            else:
                raise ValueError(f"unknown query class {qclass!r}")
        self._used = used
        return out

    def warmup(self, n: int) -> list[BenchQuery]:
        """Queries run before timing starts, disjoint from the measured terms."""
        used = set(getattr(self, "_used", set()))
        words = self._pick(self.mid, n, used)
        return [self._query(f"warmup-{i:03d}", "warmup", [w]) for i, w in enumerate(words)]

    def pool(self, n: int, used_keys: Iterable[BenchQuery] = ()) -> list[BenchQuery]:
        """``n`` distinct queries of mixed classes, for HTTP load where a repeated
        query could be answered from a cache."""
        seen = {(q.terms, q.filters) for q in used_keys}
        out: list[BenchQuery] = []
        singles = sorted(set(self.common) | set(self.low))
        common = set(self.common)
        for _ in range(n * 20):
            if len(out) >= n:
                break
            roll = self.rng.random()
            i = self.rng.randrange(self.sample.size)
            words = self._doc_words(i, common)
            filters: tuple[tuple[str, tuple[str, ...]], ...] = ()
            if roll < 0.35 or len(words) < 2:
                terms: tuple[str, ...] = (self.rng.choice(singles),)
            elif roll < 0.75:
                terms = tuple(self.rng.sample(words, 2))
            elif roll < 0.85:
                terms = tuple(self.rng.sample(words, min(3, len(words))))
            else:
                terms = (self.rng.choice(words),)
                source = self.sample.docs[i].get("source")
                if source:
                    filters = (("source", (str(source),)),)
            key = (terms, filters)
            if key in seen:
                continue
            seen.add(key)
            out.append(
                BenchQuery(
                    qid=f"pool-{len(out):05d}",
                    qclass="http",
                    terms=terms,
                    filters=filters,
                    facets=True,
                    highlight=True,
                )
            )
        return out


def interleave(queries: Sequence[BenchQuery]) -> list[BenchQuery]:
    """Round-robin over classes, so a time budget cut leaves every class sampled."""
    by_class: dict[str, list[BenchQuery]] = defaultdict(list)
    for q in queries:
        by_class[q.qclass].append(q)
    out: list[BenchQuery] = []
    lists = list(by_class.values())
    for i in range(max((len(v) for v in lists), default=0)):
        for items in lists:
            if i < len(items):
                out.append(items[i])
    return out
