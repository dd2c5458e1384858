"""NLTK's English Snowball stems of the gazetteer's English words, shipped as a table.

Importing NLTK imports SciPy wherever SciPy is installed (datasketch installs it), and that
import costs a command-line search most of its start-up. The words people search for are
mostly ordinary English words, so the stems NLTK gives the gazetteer's English dictionary
(``data/stems-english.txt.gz``, written by ``searchsvc gazetteer build`` with NLTK itself)
answer them without importing NLTK; any other word is stemmed by NLTK as before. The table
holds NLTK's own output, so a stem never differs from NLTK's; a test checks every entry.

Format: one word per line, in code point order; a word whose stem differs is followed by a tab
and its stem.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterable
from functools import cache
from importlib import resources
from pathlib import Path

STEMS_FILE = "stems-english.txt.gz"


def stem_lines(words: Iterable[str], stem: Callable[[str], str]) -> list[str]:
    """The table's lines for ``words``, stemmed by ``stem``."""
    lines = []
    for word in sorted(set(words)):
        stemmed = stem(word)
        lines.append(word if stemmed == word else f"{word}\t{stemmed}")
    return lines


def write_table(path: str | Path, words: Iterable[str], stem: Callable[[str], str]) -> int:
    """Write the table of ``words`` to ``path`` (reproducibly: no time in the gzip header);
    the number of words."""
    lines = stem_lines(words, stem)
    data = ("\n".join(lines) + "\n").encode("utf-8")
    Path(path).write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
    return len(lines)


def read_table(data: bytes) -> dict[str, str]:
    """word -> stem, from the table's gzip bytes."""
    table: dict[str, str] = {}
    for line in gzip.decompress(data).decode("utf-8").splitlines():
        word, _, stemmed = line.partition("\t")
        table[word] = stemmed or word
    return table


@cache
def english_stems() -> dict[str, str]:
    """The shipped table, read once per process; empty when it is absent."""
    resource = resources.files(__package__).joinpath("data", STEMS_FILE)
    if not resource.is_file():
        return {}
    return read_table(resource.read_bytes())
