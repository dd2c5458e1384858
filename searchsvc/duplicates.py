"""Near-duplicate hits: MinHash signatures of word shingles, and folding copies into one hit.

Copies of one wire story differ by a sentence, a dateline or a credit line. The
Jaccard similarity of their sets of shingles (runs of :data:`SHINGLE_WORDS`
consecutive words) stays high through such edits and is low between different
stories; a MinHash signature (from datasketch) estimates it from a few dozen
numbers. A search that collapses duplicates takes the signatures of its best
candidates from their stored text, and :func:`collapse` folds each candidate
into the best-ranked kept one that it nearly duplicates.
"""

from __future__ import annotations

import bisect
import re
import threading
import unicodedata
import zlib
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from datasketch import MinHash

    from .store.snapshot import Snapshot

#: Words per shingle: one changed word changes this many shingles.
SHINGLE_WORDS = 3
#: Values per signature: the estimate of a similarity is within a few hundredths of it.
NUM_PERM = 64
#: Estimated Jaccard similarity from which one document is a near duplicate of another.
THRESHOLD = 0.8
#: A signature is cut into this many bands (a divisor of :data:`NUM_PERM`); documents
#: sharing a band are compared.
BANDS = 16
#: The fields whose words are compared, in this order.
TEXT_FIELDS = ("title", "lead", "body")
#: Candidates looked at per hit up to the end of the page, and at the least, so that
#: removing duplicates still fills it and their later copies are folded too.
CANDIDATES_PER_HIT = 3
MIN_CANDIDATES = 50
#: Fingerprints kept between searches, for all segments of an engine.
CACHE_SIZE = 20_000

_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Fingerprint:
    """A document's id, its signature, and a key for each band of the signature.

    The signature is None when the document has no words to compare.
    """

    id: str
    signature: np.ndarray | None
    bands: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))


def candidate_window(keep: int) -> int:
    """How many ranked candidates to look at first for pages ending at hit ``keep``."""
    return max(CANDIDATES_PER_HIT * keep, MIN_CANDIDATES)


def words(text: str) -> list[str]:
    """The words of ``text``, case and compatibility forms folded."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[str]:
    """The runs of ``size`` consecutive words of ``text``; all of them as one when fewer."""
    found = words(text)
    if len(found) <= size:
        return {" ".join(found)} if found else set()
    return {" ".join(found[i : i + size]) for i in range(len(found) - size + 1)}


def document_text(doc: Mapping[str, Any]) -> str:
    return "\n".join(str(doc[name]) for name in TEXT_FIELDS if doc.get(name) is not None)


def fingerprint(doc: Mapping[str, Any]) -> Fingerprint:
    """The fingerprint of a stored document."""
    found = shingles(document_text(doc))
    if not found:
        # Every empty text would be a copy of every other.
        return Fingerprint(str(doc["id"]), None)
    minhash = _template().copy()
    minhash.update_batch([s.encode("utf-8") for s in found])
    signature = minhash.hashvalues
    # The keys only ever meet others of this process, so Python's salted hash will do.
    bands = [hash((i, band.tobytes())) for i, band in enumerate(signature.reshape(BANDS, -1))]
    return Fingerprint(str(doc["id"]), signature, np.array(bands, dtype=np.int64))


@cache
def _template() -> MinHash:
    # Imported on first use: datasketch's package loads scipy, which costs more than
    # a whole CLI command's start, and only searches that collapse need it.
    from datasketch import MinHash

    # Copies share its permutations, which are otherwise drawn anew for each signature.
    # crc32 instead of the default SHA-1: the permutations mix the hashes anyway, and
    # hashing the shingles is most of a signature's cost.
    return MinHash(num_perm=NUM_PERM, hashfunc=zlib.crc32)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """The estimated Jaccard similarity of the documents of two signatures."""
    return float(np.count_nonzero(a == b)) / len(a)


def collapse(
    fingerprints: Sequence[Fingerprint], threshold: float = THRESHOLD
) -> list[tuple[int, list[int]]]:
    """Each kept position of ``fingerprints`` (best-ranked first), and the positions folded into it.

    A fingerprint whose signature is at least ``threshold`` similar to a kept one
    is folded into the first such; any other is kept. One without a signature is
    kept.
    """
    kept: list[tuple[int, list[int]]] = []
    kept_signatures: list[np.ndarray] = []
    bands: dict[int, list[int]] = {}
    for position, found in enumerate(fingerprints):
        signature = found.signature
        if signature is None:
            kept.append((position, []))
            kept_signatures.append(np.empty(0))
            continue
        # Banding: only kept hits that share a whole band with this one are compared,
        # so each hit meets a few others, not all of those kept before it.
        keys = found.bands.tolist()
        near = sorted({k for key in keys for k in bands.get(key, ())})
        first = next((k for k in near if similarity(signature, kept_signatures[k]) >= threshold), None)
        if first is not None:
            kept[first][1].append(position)
            continue
        for key in keys:
            bands.setdefault(key, []).append(len(kept))
        kept.append((position, []))
        kept_signatures.append(signature)
    return kept


class FingerprintCache:
    """Fingerprints of stored documents, kept by segment and docnum within it.

    A segment never changes once written (an update writes the document anew
    elsewhere), so a fingerprint stays right for as long as its segment lives,
    whatever commits come between searches.
    """

    def __init__(self, capacity: int = CACHE_SIZE) -> None:
        self.capacity = capacity
        self._found: OrderedDict[tuple[str, int], Fingerprint] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._found)

    def of(self, snapshot: Snapshot, docnums: Sequence[int]) -> list[Fingerprint]:
        """The fingerprints of the documents ``docnums`` of ``snapshot``, in that order."""
        parts = [part for part in snapshot.segments() if part.doc_count_all]
        starts = [part.offset for part in parts]
        result = []
        for docnum in docnums:
            part = parts[bisect.bisect_right(starts, docnum) - 1]
            # A part without a segment has no lasting id to key it by.
            key = (part.id, docnum - part.offset) if part.segment is not None else None
            found = self._get(key) if key is not None else None
            if found is None:
                found = fingerprint(snapshot.stored(docnum))
                if key is not None:
                    self._put(key, found)
            result.append(found)
        return result

    def _get(self, key: tuple[str, int]) -> Fingerprint | None:
        with self._lock:
            found = self._found.get(key)
            if found is not None:
                self._found.move_to_end(key)
            return found

    def _put(self, key: tuple[str, int], found: Fingerprint) -> None:
        with self._lock:
            self._found[key] = found
            self._found.move_to_end(key)
            while len(self._found) > self.capacity:
                self._found.popitem(last=False)
