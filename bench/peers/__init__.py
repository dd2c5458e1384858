"""Engines under test. Each module is imported only when its engine is used, so
a missing optional library (tantivy) or an unfinished one (searchsvc) only skips
that engine."""

from __future__ import annotations

import importlib

from .base import BenchQuery, BuildStats, Peer, PeerResult, PeerUnavailable

#: name -> (module, class), in the order reports list them.
ENGINES: dict[str, tuple[str, str]] = {
    "searchsvc": ("bench.peers.searchsvc_peer", "SearchsvcPeer"),
    "naive_whoosh": ("bench.peers.naive_whoosh", "NaiveWhooshPeer"),
    "fts5": ("bench.peers.fts5", "Fts5Peer"),
    "tantivy": ("bench.peers.tantivy_peer", "TantivyPeer"),
}


def load_peer(name: str) -> Peer:
    """A fresh instance of engine ``name``; raises PeerUnavailable when it cannot run."""
    if name not in ENGINES:
        raise ValueError(f"unknown engine {name!r}; known: {', '.join(ENGINES)}")
    module_name, class_name = ENGINES[name]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise PeerUnavailable(str(exc)) from exc
    peer = getattr(module, class_name)()
    assert isinstance(peer, Peer)
    return peer


def availability(name: str) -> str | None:
    """None when engine ``name`` can run here, else the reason it cannot."""
    try:
        load_peer(name)
    except PeerUnavailable as exc:
        return str(exc)
    return None


__all__ = [
    "ENGINES",
    "BenchQuery",
    "BuildStats",
    "Peer",
    "PeerResult",
    "PeerUnavailable",
    "availability",
    "load_peer",
]
