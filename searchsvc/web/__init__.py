"""The search page: HTML for people, over the same engine calls as the HTTP API.

``GET /`` is the page; everything else it needs lives under ``/page/``. The
page works without JavaScript; its script only spares full reloads.
"""

from __future__ import annotations

from .page import Pages


def is_page_path(path: str) -> bool:
    """Whether ``path`` (or a route's template) belongs to the page rather than the API."""
    return path == "/" or path.startswith("/page/")


__all__ = ["Pages", "is_page_path"]
