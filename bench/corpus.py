"""Corpora: the synthetic stream (cached as JSON Lines) and the real data sets.

Every engine reads the same documents from the same file, so the cost of
producing documents (about 0.2 ms each for the generator) stays out of the
indexing figures; reading and parsing a line costs a few microseconds and is
measured separately (``read_docs_per_s`` in the results).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .synth import GENERATOR_VERSION, NewsGenerator

try:
    import orjson

    def _loads(line: bytes) -> Any:
        return orjson.loads(line)

    def _dumps(obj: Any) -> bytes:
        return orjson.dumps(obj)

except ImportError:  # pragma: no cover - orjson is a project dependency

    def _loads(line: bytes) -> Any:
        return json.loads(line)

    def _dumps(obj: Any) -> bytes:
        return json.dumps(obj, ensure_ascii=False).encode()


#: Real news sets under the data folder, in the order they are concatenated.
REAL_FILES: tuple[str, ...] = (
    "ruwa_ukraine_war_news/ruwa.jsonl",
    "guardian_ukraine_nato_2022/articles.jsonl",
    "bbc_news/bbc_news.jsonl",
    "ukraine_war_gdelt_articles/articles.jsonl",
)
#: Fields passed on from real records; the rest is upstream bookkeeping.
_REAL_KEEP = ("id", "title", "body", "date", "source", "category", "url", "tags", "lang")


@dataclass(frozen=True)
class CorpusSpec:
    """Which documents a run uses: the first ``size`` lines of ``files``."""

    name: str
    kind: str  # "synth" or "real"
    size: int
    files: tuple[str, ...]
    seed: int | None = None

    @property
    def label(self) -> str:
        return f"{self.name}-{self.size}"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["files"] = list(self.files)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CorpusSpec:
        return cls(data["name"], data["kind"], int(data["size"]), tuple(data["files"]), data.get("seed"))


def iter_docs(spec: CorpusSpec) -> Iterator[dict[str, Any]]:
    """Stream the corpus's documents (at most ``spec.size``)."""
    left = spec.size
    for name in spec.files:
        with open(name, "rb") as fh:
            for line in fh:
                if left <= 0:
                    return
                if not line.strip():
                    continue
                doc = _loads(line)
                if spec.kind == "real":
                    doc = {k: doc[k] for k in _REAL_KEEP if doc.get(k) not in (None, "", [])}
                    doc.setdefault("lang", "en")
                yield doc
                left -= 1


def synth_path(cache_dir: Path, seed: int) -> Path:
    return cache_dir / f"synth-seed{seed}-v{GENERATOR_VERSION}.jsonl"


def ensure_synth(cache_dir: Path, seed: int, size: int, *, log: Any = None) -> CorpusSpec:
    """A synthetic corpus of ``size`` docs, generating (or extending) the cached file.

    One file per seed holds the longest stream asked for so far; smaller sizes
    read its prefix, which is exactly the smaller corpus.
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = synth_path(cache_dir, seed)
    meta_path = path.with_suffix(".count")
    have = 0
    if path.exists() and meta_path.exists():
        try:
            have = int(meta_path.read_text().strip())
        except ValueError:
            have = 0
    if have < size:
        if log:
            log(f"generating synthetic corpus: {size:,} docs (seed {seed}) -> {path}")
        tmp = path.with_suffix(".tmp")
        gen = NewsGenerator(seed)
        with open(tmp, "wb") as fh:
            for doc in gen.documents(size):
                fh.write(_dumps(doc) + b"\n")
        os.replace(tmp, path)
        meta_path.write_text(str(size))
    return CorpusSpec("synth", "synth", size, (str(path),), seed)


def real_corpus(data_dir: Path) -> CorpusSpec | None:
    """All real news sets found under ``data_dir`` as one corpus, or None."""
    files = [data_dir / rel for rel in REAL_FILES if (data_dir / rel).is_file()]
    if not files:
        return None
    count = 0
    for name in files:
        with open(name, "rb") as fh:
            count += sum(1 for line in fh if line.strip())
    return CorpusSpec("real", "real", count, tuple(str(f) for f in files))


def parse_size(text: str) -> int:
    """``10k`` -> 10000, ``1M`` -> 1000000, ``2500`` -> 2500."""
    text = text.strip().lower().replace("_", "").replace(",", "")
    scale = 1
    if text.endswith("k"):
        scale, text = 1000, text[:-1]
    elif text.endswith("m"):
        scale, text = 1_000_000, text[:-1]
    return int(float(text) * scale)


def size_label(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)
