"""searchsvc: full-text search for news, with transliteration variants of names.

The package is the library; the CLI (``cli``) and the HTTP API (``api``,
``server``) are thin adapters over :class:`SearchEngine`, and the library never
imports them. Sub-packages: ``analysis`` (text to index terms), ``ingest``
(files and bodies to documents), ``store`` (the index, and all that knows Whoosh).

The library comes first::

    from searchsvc import SearchEngine
    with SearchEngine.in_memory() as engine:
        engine.add([{"id": "1", "title": "Shelling in Sloviansk"}])
        engine.commit()
        result = engine.search("Slavyansk", facets=["source"])
"""

from .engine import SearchEngine
from .errors import *  # noqa: F403
from .errors import __all__ as _errors_all
from .request import SearchRequest
from .results import FacetBucket, Hit, Rejection, SearchResult, WriteSummary
from .settings import Settings
from .store.integrity import IndexCheck, check_index

__version__ = "0.1.0"

__all__ = [
    "SearchEngine",
    "SearchRequest",
    "SearchResult",
    "Hit",
    "FacetBucket",
    "WriteSummary",
    "Rejection",
    "Settings",
    "IndexCheck",
    "check_index",
    *_errors_all,
]
