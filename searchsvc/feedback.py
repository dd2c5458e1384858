"""Pseudo-relevance feedback: the words of the best first hits added to the query (RM3).

A question rarely uses every word its answers use: "flow past a cone" misses
the abstracts that say "conical body". RM3 takes the top documents of a first
search as relevant, estimates from them a language model of relevant text
(each word's share of a document, weighted by how well the document matched),
and searches again with the model's strongest words added to the query, the
original words keeping a fixed share of the weight.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .analysis import NewsAnalyzer
from .documents import TEXT_FIELD_BOOSTS, TEXT_FIELDS
from .store.query import Query, any_of, in_fields, scaled_query


@dataclass(frozen=True)
class Feedback:
    """RM3's parameters: how many first hits are read, how many of their words
    are added, and the share of the score the original query keeps."""

    docs: int = 5
    terms: int = 10
    original_weight: float = 0.5


#: The settings' defaults: ``feedback_docs``, ``feedback_terms``, ``feedback_weight``.
DEFAULT_FEEDBACK = Feedback()


def relevance_model(
    analyzer: NewsAnalyzer, hits: Iterable[tuple[float, Mapping[str, Any]]], size: int
) -> list[tuple[str, float]]:
    """The ``size`` index terms most likely in relevant text, with weights summing to 1.

    ``hits`` are the first search's best documents with their scores. A term's
    weight is the sum over documents of its share of the document's words
    (title, lead and body, each weighted as the index weighs it), times the
    document's share of the scores.
    """
    models = []
    for score, doc in hits:
        counts: dict[str, float] = {}
        for name in TEXT_FIELDS:
            text = doc.get(name)
            if not text:
                continue
            weight = TEXT_FIELD_BOOSTS[name]
            for term, (_positions, frequency) in analyzer.term_positions(str(text)).items():
                counts[term] = counts.get(term, 0.0) + weight * frequency
        length = sum(counts.values())
        if length and score > 0:
            models.append((score, counts, length))
    total_score = sum(score for score, _counts, _length in models)
    weights: dict[str, float] = {}
    for score, counts, length in models:
        share = score / total_score
        for term, count in counts.items():
            if _is_word(term):
                weights[term] = weights.get(term, 0.0) + share * count / length
    best = sorted(weights.items(), key=lambda item: (-item[1], item[0]))[:size]
    mass = sum(weight for _term, weight in best)
    return [(term, weight / mass) for term, weight in best] if mass else []


def _is_word(term: str) -> bool:
    # Numbers and single letters say little about what a text is about.
    return len(term) > 1 and not term.isdigit()


def expanded_query(
    original: Query, clauses: int, model: list[tuple[str, float]], feedback: Feedback
) -> Query:
    """``original`` (``clauses`` words) and the model's terms, weighted as RM3 weighs them.

    The original words share ``original_weight`` of the weight equally, and the
    model's terms the rest in proportion to their probability. Every term is
    BM25F over the text fields, so a term the query already has simply counts
    twice as much.
    """
    if not model or feedback.original_weight >= 1:
        return original
    kept = scaled_query(original, feedback.original_weight / max(clauses, 1))
    added = [in_fields(TEXT_FIELDS, term, (1 - feedback.original_weight) * weight) for term, weight in model]
    return any_of([kept, *added])
