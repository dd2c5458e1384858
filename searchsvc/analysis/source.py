"""What searchsvc asks of a source of variant spellings: :class:`VariantSource`.

:class:`~searchsvc.analysis.variants.Variants` (the shipped gazetteer and
rules) is the one searchsvc loads; an application may pass its own object
with these methods to :class:`~searchsvc.SearchEngine`.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class VariantSource(Protocol):
    def index_terms(self, surface: str) -> tuple[str, ...]:
        """The variant terms a word is indexed under, besides its stem."""
        ...

    def unstemmed(self, word: str, query: bool = False) -> str | None:
        """The term a name is indexed as instead of its stem, or None for an ordinary word."""
        ...

    def query_terms(self, word: str) -> list[tuple[str, float]]:
        """The terms a query word also matches, each with its boost."""
        ...

    def places(self, text: str) -> list[str]:
        """The canonical names of the places ``text`` names."""
        ...

    def canonical_place(self, spelling: str) -> str | None:
        """The canonical name of the place spelt ``spelling``, or None."""
        ...

    def match_kind(self, word: str, term: str, kind: str) -> str:
        """How ``word`` matched ``term``, refining the ``kind`` its term's prefix says."""
        ...

    def language_kind(self, word: str, term: str, language: str | None) -> str | None:
        """``exonym`` or ``inflected`` where ``word``, in ``language``, reached ``term`` as that
        language writes a name; None otherwise."""
        ...
