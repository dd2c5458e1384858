"""Language detectors on real news: accuracy, speed and memory, for choosing searchsvc's.

    python bench/language_detection.py [--detector py3langid|py3langid-all|lingua|lingua-low|pycld2]
                                       [--data DIR] [--per-file 600]

Each record of the European (de, fr, it, nl, pl, cs, es) and Cyrillic (ru, uk)
sets carries its language; RUWA and BBC News are English. A seeded sample of
``--per-file`` records per file (half that for the Cyrillic sets) is detected
from its title and body, cut to searchsvc's :data:`DETECTION_CHARS`, and the
share detected right is reported per language and overall, with documents per
second and the process's peak RSS before and after loading the detector.

``py3langid`` is what searchsvc uses: its own identifier restricted to the
languages searchsvc analyses (:data:`DETECTED`). The others are for comparison
and need installing (``pip install lingua-language-detector pycld2``);
``py3langid-all`` is py3langid choosing among all its languages. Exits 0 with
a message when the data folder is absent.
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from searchsvc.analysis.languages import DETECTED, DETECTION_CHARS

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
EUROPEAN = ("de", "fr", "it", "nl", "pl", "cs", "es")
CYRILLIC = ("tsn_tg", "nktkln_tg", "rus495", "segodnya2017")


def sample(data: Path, per_file: int) -> list[tuple[str, str]]:
    """(language, text) pairs drawn with a fixed seed."""
    found: list[tuple[str, str]] = []

    def draw(path: Path, language_of: Callable[[dict[str, str]], str], count: int) -> None:
        records = [json.loads(line) for line in path.open(encoding="utf-8")]
        random.Random(1).shuffle(records)
        for record in records[:count]:
            text = "\n".join(str(record.get(f) or "") for f in ("title", "body")).strip()
            if text:
                found.append((language_of(record), text[:DETECTION_CHARS]))

    for language in EUROPEAN:
        draw(data / "european_news" / f"{language}.jsonl", lambda r: str(r["lang"]), per_file)
    for name in CYRILLIC:
        draw(data / "cyrillic_news" / name / "articles.jsonl", lambda r: str(r["lang"]), per_file // 2)
    draw(data / "ruwa_ukraine_war_news" / "ruwa.jsonl", lambda r: "en", per_file)
    draw(data / "bbc_news" / "bbc_news.jsonl", lambda r: "en", per_file)
    return found


def detector(name: str) -> Callable[[str], str]:
    if name in ("py3langid", "py3langid-all"):
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        identifier = LanguageIdentifier.from_model_file(MODEL_FILE)
        if name == "py3langid":
            identifier.set_languages(list(DETECTED))
        return lambda text: str(identifier.classify(text)[0])
    if name in ("lingua", "lingua-low"):
        from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

        languages = [Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())) for code in DETECTED]
        builder = LanguageDetectorBuilder.from_languages(*languages)
        built = (builder.with_low_accuracy_mode() if name == "lingua-low" else builder).build()

        def lingua_detect(text: str) -> str:
            found = built.detect_language_of(text)
            return found.iso_code_639_1.name.lower() if found is not None else "?"

        return lingua_detect
    if name == "pycld2":
        import pycld2

        def cld2_detect(text: str) -> str:
            try:
                return str(pycld2.detect(text)[2][0][1])[:2]
            except pycld2.error:
                return "?"

        return cld2_detect
    raise SystemExit(f"unknown detector {name!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--detector", default="py3langid")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--per-file", type=int, default=600)
    args = parser.parse_args(argv)
    if not (args.data / "european_news").is_dir():
        print(f"no data at {args.data}: nothing to measure")
        return 0
    texts = sample(args.data, args.per_file)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    detect = detector(args.detector)
    detect("warm up")
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    results = [(language, detect(text)) for language, text in texts]
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    right: collections.Counter[str] = collections.Counter()
    total: collections.Counter[str] = collections.Counter()
    for language, guess in results:
        total[language] += 1
        right[language] += language == guess
    print(
        f"{args.detector}: {len(results)} texts, loaded in {loaded:.2f} s, {len(results) / seconds:,.0f} texts/s"
    )
    print(f"peak RSS {before:,.0f} MiB before loading, {after:,.0f} MiB after")
    print(f"accuracy {sum(right.values()) / len(results):.4f}")
    for language in sorted(total):
        print(f"  {language}: {right[language] / total[language]:.3f} ({total[language]} texts)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
