"""Staging and committing writes: documents and deletions wait here until a commit.

:class:`Staging` checks each document as it is added, keeps the latest
version of each id, and writes them all in one commit. This is where a
write-ahead log will keep acknowledged writes before they are committed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any

from .analysis import VariantSource
from .documents import TEXT_FIELDS, normalize_document
from .errors import InvalidInput
from .pool import SearcherPool
from .results import Rejection, WriteSummary
from .settings import Settings
from .store.schema import to_index_fields
from .store.writer import writing

#: How long a commit waits for another writer's lock before it fails.
LOCK_TIMEOUT_SECONDS = 5.0


class Staging:
    """Writes accepted and not yet committed, by id: a document, or None for a deletion."""

    def __init__(self, pool: SearcherPool, settings: Settings, variants: VariantSource | None) -> None:
        self._pool = pool
        self._settings = settings
        self._variants = variants
        self._pending: dict[str, dict[str, Any] | None] = {}
        self._lock = threading.Lock()
        #: When this process last committed, as ``time.time()``.
        self.last_commit: float | None = None

    def __len__(self) -> int:
        return len(self._pending)

    def accept(self, raw: Any, summary: WriteSummary, strict: bool) -> dict[str, Any] | None:
        """``raw`` in canonical form, or None with the rejection counted in ``summary``."""
        try:
            return normalize_document(raw, max_field_length=self._settings.max_field_length)
        except InvalidInput as exc:
            if strict:
                raise
            raw_id = raw.get("id") if isinstance(raw, Mapping) else None
            summary.rejected += 1
            summary.rejections.append(Rejection(exc.message, str(raw_id) if raw_id is not None else None))
            return None

    def add(self, docs: Iterable[Any], *, strict: bool = False) -> WriteSummary:
        summary = WriteSummary()
        staged = [doc for doc in (self.accept(raw, summary, strict) for raw in docs) if doc is not None]
        if not staged:
            return summary
        existing = self._existing([d["id"] for d in staged])
        with self._lock:
            for doc in staged:
                doc_id = doc["id"]
                if doc_id in existing or self._pending.get(doc_id) is not None:
                    summary.updated += 1
                else:
                    summary.added += 1
                existing.add(doc_id)
                self._pending[doc_id] = doc
        return summary

    def delete(self, ids: list[str]) -> int:
        existing = self._existing(ids)
        found = 0
        with self._lock:
            for doc_id in ids:
                if doc_id in existing or self._pending.get(doc_id) is not None:
                    found += 1
                self._pending[doc_id] = None
        return found

    def _existing(self, ids: list[str]) -> set[str]:
        with self._pool.snapshot() as snapshot:
            return snapshot.existing(ids)

    def commit(self) -> None:
        """Write every staged document and deletion in one commit."""
        with self._lock:
            if not self._pending:
                return
            # Out of `pending` before the writer commits: a search may see the
            # commit the moment it lands, and must not see it still pending.
            pending, self._pending = self._pending, {}
            try:
                with writing(self._pool.index, "write to the index", timeout=LOCK_TIMEOUT_SECONDS) as writes:
                    writes.apply(pending, self.index_fields)
            except BaseException:
                # Nothing was written: the writes stay staged for the next commit.
                self._pending = {**pending, **self._pending}
                raise
            self.last_commit = time.time()
        self._pool.committed()

    def index_fields(self, doc: dict[str, Any]) -> dict[str, Any]:
        """A canonical document as index fields, with the places its text names."""
        places = self._variants.places(text_of(doc)) if self._variants is not None else []
        return to_index_fields(doc, places)


def text_of(doc: Mapping[str, Any]) -> str:
    """The text fields of ``doc`` as one text, in which places are looked for."""
    return "\n".join(str(doc.get(name) or "") for name in TEXT_FIELDS)
