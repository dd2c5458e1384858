from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from samples import ARTICLES

from searchsvc import SearchEngine

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture
def engine() -> Iterator[SearchEngine]:
    with SearchEngine.in_memory(variants=None) as eng:
        eng.add(ARTICLES)
        eng.commit()
        yield eng
