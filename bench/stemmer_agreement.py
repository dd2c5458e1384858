"""Whether PyStemmer's Snowball stemmers give NLTK's stems, word for word, and how fast each is.

    python bench/stemmer_agreement.py [--data DIR] [--synthetic N]

searchsvc stems with NLTK's Snowball stemmers. They are pure Python, and importing NLTK
imports SciPy when it is installed (it is, through datasketch), which costs a command-line
search most of its start-up. PyStemmer is the Snowball project's own C build, with no such
import: it could replace NLTK for a language only where it gives NLTK's stem for every word,
so that an index built with either reads the same. This measures whether it does, with the
PyStemmer installed (``pip install -e '.[slavic-eval]'`` installs one).

The words: every distinct lower-case word (letters only, accents kept) of the texts of each
language in ``../shared/data`` (English: RUWA, GDELT, the Guardian set, BBC News, Cranfield;
Russian: the Cyrillic sets' Russian records; German, French, Italian, Dutch, Spanish: their
European sets), plus the words of ``bench/synth.py``'s synthetic corpus, which needs no data.
For each language the report gives the number of words, the words on which the two disagree
(with examples), and each library's words per second over the whole vocabulary.

Exits 0 with a note for each language whose data is absent.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from searchsvc.analysis.languages import SNOWBALL_LANGUAGES

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
_WORD = re.compile(r"[^\W\d_]+")

#: Files per language, under the data folder, and the records of them that are in it.
SOURCES: dict[str, list[tuple[str, str | None]]] = {
    "english": [
        ("ruwa_ukraine_war_news/ruwa.jsonl", None),
        ("ukraine_war_gdelt_articles/articles.jsonl", None),
        ("guardian_ukraine_nato_2022/articles.jsonl", None),
        ("bbc_news/bbc_news.jsonl", None),
        ("cranfield/docs.jsonl", None),
    ],
    "russian": [
        ("cyrillic_news/nktkln_tg/articles.jsonl", "ru"),
        ("cyrillic_news/rus495/articles.jsonl", "ru"),
        ("cyrillic_news/segodnya2017/articles.jsonl", "ru"),
    ],
    "german": [("european_news/de.jsonl", None)],
    "french": [("european_news/fr.jsonl", None)],
    "italian": [("european_news/it.jsonl", None)],
    "dutch": [("european_news/nl.jsonl", None)],
    "spanish": [("european_news/es.jsonl", None)],
}


def words_of(texts: Iterable[str]) -> set[str]:
    return {w.lower() for text in texts for w in _WORD.findall(text)}


def texts_in(path: Path, lang: str | None) -> Iterator[str]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            if lang is not None and record.get("lang") != lang:
                continue
            yield " ".join(str(record.get(k) or "") for k in ("title", "lead", "body", "text"))


def synthetic_words(count: int) -> set[str]:
    from bench.synth import generate

    return words_of(
        " ".join(str(d.get(k) or "") for k in ("title", "body")) for d in generate(count, seed=42)
    )


def compare(language: str, words: list[str]) -> dict[str, object]:
    import Stemmer
    from nltk.stem.snowball import SnowballStemmer

    nltk_stemmer = SnowballStemmer(language)
    c_stemmer = Stemmer.Stemmer(language)
    c_stemmer.maxCacheSize = 0
    start = time.perf_counter()
    by_nltk = [nltk_stemmer.stem(w) for w in words]
    nltk_s = time.perf_counter() - start
    start = time.perf_counter()
    by_c = [c_stemmer.stemWord(w) for w in words]
    c_s = time.perf_counter() - start
    differ = [(w, a, b) for w, a, b in zip(words, by_nltk, by_c, strict=True) if a != b]
    return {
        "language": language,
        "words": len(words),
        "disagree": len(differ),
        "examples": differ[:8],
        "nltk_words_per_s": round(len(words) / nltk_s) if nltk_s else None,
        "pystemmer_words_per_s": round(len(words) / c_s) if c_s else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--synthetic", type=int, default=20_000, help="synthetic documents for English")
    args = parser.parse_args(argv)
    rows = []
    for language in SNOWBALL_LANGUAGES:
        vocabulary: set[str] = set()
        for relative, lang in SOURCES.get(language, []):
            path = args.data / relative
            if path.is_file():
                vocabulary |= words_of(texts_in(path, lang))
            else:
                print(f"stemmer_agreement: {relative} is absent; {language} is measured without it")
        if language == "english":
            vocabulary |= synthetic_words(args.synthetic)
        if not vocabulary:
            continue
        row = compare(language, sorted(vocabulary))
        rows.append(row)
        print(
            f"{language:10} {row['words']:>8,} words  disagree {row['disagree']:>6,}  "
            f"NLTK {row['nltk_words_per_s']:>9,} words/s  PyStemmer {row['pystemmer_words_per_s']:>10,} words/s"
        )
        for word, a, b in row["examples"]:  # type: ignore[union-attr]
            print(f"    {word}: NLTK {a}, PyStemmer {b}")
    out = Path(__file__).resolve().parent / "out" / "stemmer_agreement.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(rows, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"report: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
