"""Did you mean: a correction of a query that found few documents, in the index's own words.

:class:`Speller` rewrites the plain words of a query and leaves its syntax as
typed. A word stays when the index knows it, in any of its spellings, and
when it is a spelling of a known place (``Kostantinovka`` is a variant, not a
typo). Any other word becomes the index term nearest to its stem, one edit
away or, for a longer word, two, the commonest first; the documents holding
that term say how a person writes it. The correction is offered only when it
finds more documents than the query did.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Iterable, Iterator

from .analysis import MARKER, NewsAnalyzer, VariantSource, highlight_spans, iter_words
from .analysis.translit import has_cyrillic
from .documents import TEXT_FIELDS
from .errors import InvalidInput
from .execution import Executor
from .querying import NAME_CHARS
from .request import SearchRequest
from .results import Suggestion
from .store.snapshot import Snapshot

#: A query finding fewer documents than this gets a suggestion, when there is one.
FEW_HITS = 3
#: Unknown words of one query looked up in the vocabulary; the rest stay as typed.
MAX_WORDS = 8
#: Corrections of words remembered per view of the index.
CORRECTIONS_KEPT = 4096
#: Stems shorter than this stay as typed: too many words are one edit away from them.
MIN_CHARS = 4
#: Stems longer than this stay as typed: the automaton that finds their neighbours
#: grows with their length, and words this long are rarely typed.
MAX_CHARS = 30
#: Stems at least this long may be two edits away from their correction.
TWO_EDITS_CHARS = 5
#: Nearby terms considered per edit distance.
MAX_CANDIDATES = 64
#: Nearby terms, the commonest first, whose documents are read for a written form.
MAX_TRIED = 3
#: Documents read for the written form of a term.
WRITTEN_FROM = 3

_OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"})
_FIELD_REF = re.compile(r"(?<![\w\\])([^\W\d][\w.-]*):(?=\S)")
_RANGE = re.compile(r"[\[{][^\]}]*[\]}]")
_VALUE = re.compile(r'"[^"]*"?|\([^)]*\)?|[\[{][^\]}]*[\]}]?|[^\s()]+')
_WILDCARD = ("*", "?")


class Speller:
    """Corrects the misspelt words of a query from the vocabulary of a snapshot of the index.

    ``executor`` counts what a corrected query finds, and its query builder
    gives the spellings a word matches.
    """

    def __init__(self, analyzer: NewsAnalyzer, variants: VariantSource | None, executor: Executor) -> None:
        self.analyzer = analyzer
        self.variants = variants
        self.executor = executor

    def suggest(self, snapshot: Snapshot, request: SearchRequest, found: int) -> Suggestion | None:
        """A correction of ``request``'s query that finds more than the ``found`` documents
        it found, with the same filters, or None."""
        text = request.q
        if not text.strip() or text.strip() == "*":
            return None
        corrected = self.correct(snapshot, text, syntax=request.mode == "all")
        if corrected == text:
            return None
        # One hit is the smallest page; only the total is read, which neither
        # recency nor collapsing changes.
        counting = dataclasses.replace(
            request,
            q=corrected,
            limit=1,
            offset=0,
            facets=(),
            highlight=False,
            explain=False,
            recency=0,
            collapse=False,
        )
        try:
            total = self.executor.run(snapshot, counting).total
        except InvalidInput:
            # A correction over a limit the typed query stayed within is no better.
            return None
        return Suggestion(corrected, total) if total > found else None

    def correct(self, snapshot: Snapshot, text: str, *, syntax: bool = True) -> str:
        """``text`` with each misspelt word replaced; operators, field names, values of
        fields other than text, prefixes, wildcards and dates stay as typed
        (with ``syntax``: in ``any`` mode every word is plain)."""
        protected = list(syntax_spans(text)) if syntax else []
        pieces: list[str] = []
        done = 0
        # Looking a word up costs far more than a search: a query that keeps
        # finding nothing must not pay for it again until the index changes.
        corrections = self.executor.facets.view(snapshot).corrections
        if len(corrections) >= CORRECTIONS_KEPT:
            corrections.clear()
        looked_up = 0
        for start, end, word, _joined in iter_words(text, joined=False):
            if any(s < end and start < e for s, e in protected):
                continue
            if syntax and (text[start - 1 : start] in _WILDCARD or text[end : end + 1] in _WILDCARD):
                continue  # a prefix or a pattern
            if word in corrections:
                better = corrections[word]
            elif looked_up >= MAX_WORDS:
                better = None  # not looked up, so not remembered either
            else:
                better = None
                if self._needs_correction(snapshot, word):
                    looked_up += 1
                    better = self.correct_word(snapshot, word)
                corrections[word] = better
            if better is not None:
                pieces += [text[done:start], better]
                done = end
        return "".join(pieces) + text[done:]

    def _needs_correction(self, snapshot: Snapshot, word: str) -> bool:
        if any(char.isdigit() for char in word):
            return False
        terms = self.analyzer.word_terms(word, "query")
        if not terms:
            return False  # a stop word
        stem = terms[0][0]
        if stem.startswith(MARKER):
            # A Cyrillic name, indexed as written: its variants find what there is.
            return False
        if not MIN_CHARS <= len(stem) <= MAX_CHARS:
            return False
        spellings = self.executor.queries.alternatives(stem, word)
        if any(snapshot.has_term(name, t) for t, _boost in spellings for name in TEXT_FIELDS):
            return False
        if self.variants is not None and len(word) <= NAME_CHARS:
            # A spelling of a known place, even one the index has no article about.
            return self.variants.canonical_place(word) is None
        return True

    def correct_word(self, snapshot: Snapshot, word: str) -> str | None:
        """The word the index most likely means by ``word``, written in its style, or None."""
        terms = self.analyzer.word_terms(word, "query")
        if not terms:
            return None
        stem = terms[0][0]
        for term in self._nearby(snapshot, stem)[:MAX_TRIED]:
            written = self._written(snapshot, term, word)
            if written is not None:
                return styled(written, word)
        return None

    def _nearby(self, snapshot: Snapshot, stem: str) -> list[str]:
        """Index terms one edit from ``stem``, or else two, the nearest and then the
        commonest first: two letters swapped count as one edit here."""
        cyrillic = has_cyrillic(stem)
        for edits in (1, 2):
            if edits == 2 and len(stem) < TWO_EDITS_CHARS:
                break
            # Two edits from the first letter on reach too much of the vocabulary to walk.
            near = snapshot.terms_near(TEXT_FIELDS, stem, edits, prefix=edits - 1, most=MAX_CANDIDATES)
            found = {
                t
                for t in near
                if t != stem
                and not t.startswith(MARKER)
                and not any(c.isdigit() for c in t)
                and has_cyrillic(t) == cyrillic
            }
            if found:
                frequency = {t: sum(snapshot.doc_frequency(name, t) for name in TEXT_FIELDS) for t in found}
                return sorted(found, key=lambda t: (edit_distance(t, stem), -frequency[t], t))
        return []

    def _written(self, snapshot: Snapshot, term: str, typed: str) -> str | None:
        """How the documents write the words indexed as ``term``: of their forms, the
        one nearest to ``typed``, then the commonest; lower case."""
        forms: Counter[str] = Counter()
        for name in TEXT_FIELDS:
            for docnum in snapshot.documents_with(name, term, WRITTEN_FROM):
                forms.update(self._forms(snapshot.stored(docnum), term))
            if forms:
                break
        if not forms:
            return None
        typed = typed.lower()
        return min(forms, key=lambda form: (edit_distance(form, typed), -forms[form], form))

    def _forms(self, doc: dict[str, object], term: str) -> Iterator[str]:
        for name in TEXT_FIELDS:
            value = doc.get(name)
            if not isinstance(value, str):
                continue
            for start, end, terms in highlight_spans(self.analyzer, value):
                if any(text == term for text, _boost in terms):
                    yield value[start:end].lower()


def syntax_spans(text: str) -> Iterable[tuple[int, int]]:
    """Where ``text`` holds query syntax rather than words to correct: operators,
    ranges, field names, and the values of fields other than the text fields."""
    for match in re.finditer(r"\S+", text):
        if match.group(0) in _OPERATORS:
            yield match.span()
    for match in _RANGE.finditer(text):
        yield match.span()
    for match in _FIELD_REF.finditer(text):
        yield match.span()
        if match.group(1) not in TEXT_FIELDS:
            value = _VALUE.match(text, match.end())
            if value is not None:
                yield value.span()


def styled(word: str, like: str) -> str:
    """``word`` in the letter case of ``like``: all capitals, capitalised, or lower case."""
    if len(like) > 1 and like.isupper():
        return word.upper()
    if like[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def edit_distance(a: str, b: str) -> int:
    """Edits (insert, delete, replace, swap two neighbours) that turn ``a`` into ``b``."""
    before: list[int] | None = None
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, start=1):
        current = [i]
        for j, other in enumerate(b, start=1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other))
            if before is not None and i > 1 and j > 1 and char == b[j - 2] and a[i - 2] == other:
                cost = min(cost, before[j - 2] + 1)
            current.append(cost)
        before, previous = previous, current
    return previous[-1]
