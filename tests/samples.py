"""Small, readable sample articles shared by the tests."""

from __future__ import annotations

from typing import Any

#: Small, readable articles: every count asserted in the tests can be read off here.
ARTICLES = [
    {
        "id": "kyiv-drones",
        "title": "Drones attack Kyiv overnight",
        "body": "Air defence shot down most of the drones over Kyiv. Fighting continued in the east.",
        "date": "2024-03-02T06:30:00Z",
        "source": "Reuters",
        "category": "war",
        "tags": ["drones", "air defence"],
        "lang": "en",
    },
    {
        "id": "kharkiv-power",
        "title": "Power cuts in Kharkiv after strikes",
        "body": "Strikes hit the power grid. Engineers were fighting to restore electricity.",
        "date": "2024-03-15",
        "source": "BBC",
        "category": "war",
        "tags": ["energy"],
        "lang": "en",
    },
    {
        "id": "grain-deal",
        "title": "Grain exports resume from Odesa",
        "body": "Ships left the port with grain. Markets reacted calmly to the news.",
        "date": "2024-04-01",
        "source": "Reuters",
        "category": "economy",
        "tags": ["grain", "energy"],
        "lang": "en",
    },
    {
        "id": "election",
        "title": "Parliament debates election date",
        "body": "Lawmakers argued about when an election could be held during martial law.",
        "date": "2023-11-20",
        "source": "Kyiv Independent",
        "category": "politics",
        "lang": "en",
    },
    {
        "id": "football",
        "title": "Shakhtar win in Europe",
        "body": "The club played its home games in Germany. Fans celebrated the win.",
        "source": "BBC",
        "category": "sport",
        "tags": ["football"],
        "lang": "en",
    },
]


def found(engine: Any, q: str, **params: Any) -> set[str]:
    """The ids of every hit of ``q`` (a page of up to 100) in ``engine``."""
    return {hit.id for hit in engine.search(q, limit=100, **params).hits}
