"""Fragments of a hit's text: never the same words twice, every match inside marked."""

from __future__ import annotations

import re

import pytest

from searchsvc import SearchEngine
from searchsvc.highlight import fragments


def _plain(fragment: str) -> str:
    return re.sub(r"</?mark>", "", fragment).strip("…")


def test_fragments_that_would_overlap_are_one() -> None:
    text = ("filler " * 30) + "Kharkiv shelling near the Kharkiv station " + ("filler " * 30)
    first = text.index("Kharkiv")
    second = text.index("Kharkiv", first + 1)
    spans = [(first, first + 7), (second, second + 7)]
    # Each group alone would widen to the same neighbourhood.
    shown = fragments(text, spans, 2, 40)
    assert len(shown) == 1
    assert shown[0].count("<mark>Kharkiv</mark>") == 2


@pytest.mark.parametrize("size", [20, 60, 150, 400])
@pytest.mark.parametrize("count", [2, 3, 5])
def test_fragments_never_share_text_and_mark_every_match_they_show(size: int, count: int) -> None:
    words = [("Kharkiv" if n % 9 == 0 else "shelling" if n % 13 == 0 else f"w{n}") for n in range(400)]
    text = " ".join(words)
    spans = [m.span() for m in re.finditer(r"Kharkiv|shelling", text)]
    shown = fragments(text, spans, count, size)
    seen: list[tuple[int, int]] = []
    for fragment in shown:
        plain = _plain(fragment)
        start = text.index(plain)
        end = start + len(plain)
        assert all(end <= s or start >= e for s, e in seen), "two fragments share text"
        seen.append((start, end))
        # Every match inside the fragment is marked.
        assert fragment.count("<mark>") == len(re.findall(r"\bKharkiv\b|\bshelling\b", plain))


def test_a_headline_alone_is_shown_once() -> None:
    engine = SearchEngine.in_memory(variants=None)
    headline = "Shelling of Kharkiv overnight"
    engine.add(
        [
            {"id": "tsn", "title": headline, "body": headline},
            {"id": "full", "title": headline, "body": "Shelling again."},
        ]
    )
    engine.commit()
    hits = {hit.id: hit for hit in engine.search("shelling").hits}
    assert hits["tsn"].highlights is not None and hits["tsn"].highlights["body"] == []
    assert "<mark>Shelling</mark>" in hits["tsn"].highlights["title"]
    assert hits["full"].highlights is not None and hits["full"].highlights["body"]
