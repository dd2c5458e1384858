"""bench/slavic_stemming_eval.py: its scoring counts what it says, on tiny made-up inputs.

No figure on real data is asserted, and nothing is timed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.slavic_stemming_eval import (
    DATA_DIR,
    HERE,
    LANGS,
    Family,
    KeyIndex,
    grouping,
    main,
    methods_for,
    pairs_kept_apart,
    parse_hand,
    read_corpus,
    sample_families,
    score,
)


def _lines(*texts: str) -> list[str]:
    return [json.dumps({"id": str(i), "title": "", "body": text}) for i, text in enumerate(texts)]


def _prefix4(word: str) -> str:
    return word[:4]


def test_corpus_keeps_the_words_of_the_language_with_their_documents() -> None:
    docs_of, count = read_corpus(_lines("Atak na Kijów, the 3 ataki", "Kijowie: atak"), "pl")
    assert count == 2
    # Lower-cased; digits, stop words (English "the", Polish "na") and foreign letters left out.
    assert docs_of == {
        "atak": frozenset({1, 2}),
        "kijów": frozenset({1}),
        "ataki": frozenset({1}),
        "kijowie": frozenset({2}),
    }
    cs_words, _ = read_corpus(_lines("Útok na Kyjev, Łuck"), "cs")
    assert set(cs_words) == {"útok", "kyjev"}


def test_hand_file_gives_families_found_in_the_corpus_and_pairs() -> None:
    text = "# places\nkijów kijowa kijowie\nlwów lwowa\n# apart\nkij != kijowie\n"
    docs_of = {w: frozenset({1}) for w in ["kijów", "kijowie", "lwów"]}
    hand = parse_hand(text, docs_of)
    # Only forms in the corpus count, and a family needs two of them.
    assert hand.families == [
        Family("kijów", "places", frozenset({"kijów", "kijowie"}), frozenset({"kijów", "kijowie"}))
    ]
    assert hand.apart == [("kij", "kijowie")]


def _toy() -> tuple[Family, KeyIndex]:
    docs_of = {
        "ataku": frozenset({1}),
        "ataki": frozenset({2}),
        "atakiem": frozenset({3}),
        "atakować": frozenset({4}),  # unrelated here: a verb
        "atom": frozenset({5}),
    }
    forms = frozenset({"ataku", "ataki", "atakiem"})
    return Family("atak", "noun", forms, forms), KeyIndex(_prefix4, docs_of)


def test_score_counts_recall_and_drag_per_query() -> None:
    family, index = _toy()
    s = score([family], index)
    # Every form finds all three forms, and also "atakować" (one unrelated word, in document 4).
    assert s["recall_words"] == s["recall_docs"] == 1.0
    assert s["drag_words"] == 1.0
    assert s["drag_docs"] == 1.0
    assert s["queries_with_drag"] == 1.0
    assert s["drag_share"] == pytest.approx(1 / 4)
    assert s["families"] == 1


def test_score_of_an_exact_key_finds_only_the_query() -> None:
    family, index = _toy()
    exact = KeyIndex(str, index.docs_of)
    s = score([family], exact)
    assert s["recall_words"] == pytest.approx(1 / 3)
    assert s["drag_words"] == 0.0
    assert s["drag_share"] == 0.0


def test_bare_query_recall_uses_the_key_of_the_word_without_diacritics() -> None:
    docs_of = {"kijów": frozenset({1}), "kijowie": frozenset({2})}
    forms = frozenset(docs_of)
    family = Family("kijów", "places", forms, forms)
    # A key that folds finds both written forms from a bare query; one that does not finds only
    # the form written without diacritics (kijowie), from either bare query.
    assert score([family], KeyIndex(lambda w: w.replace("ó", "o")[:5], docs_of))["recall_bare"] == 1.0
    assert score([family], KeyIndex(lambda w: w[:5], docs_of))["recall_bare"] == pytest.approx(0.5)


def test_pairs_and_grouping() -> None:
    assert pairs_kept_apart([("atak", "atom"), ("atak", "ataki")], _prefix4) == (1, ["atak=ataki"])
    family, index = _toy()
    assert grouping(family, index) == "ataki ataku atakiem"
    assert grouping(family, KeyIndex(lambda w: w[:5], index.docs_of)) == "ataki atakiem \\| ataku"


def test_sampling_splits_between_groups_and_is_seeded() -> None:
    families = [
        Family(f"{g}{i}", g, frozenset({f"{g}{i}a", f"{g}{i}b"}), frozenset()) for g in "ab" for i in range(5)
    ]
    picked = sample_families(families, 4, seed=1)
    assert [f.group for f in picked] == ["a", "a", "b", "b"]
    assert picked == sample_families(families, 4, seed=1)


def test_methods_without_their_package_are_named_not_run() -> None:
    for lang in LANGS:
        usable, missing = methods_for(lang)
        assert {"exact", "light", "today"} <= set(usable)
        assert not set(usable) & {m.split(" ")[0] for m in missing}
        for name in ("exact", "light", "light_folded", "today"):
            assert isinstance(usable[name].factory(lang)("ataku"), str)


@pytest.mark.parametrize("lang", LANGS)
def test_hand_files_hold_about_forty_families_and_some_pairs(lang: str) -> None:
    text = (HERE / "data" / f"{lang}_stem_families.txt").read_text(encoding="utf-8")
    everything = {
        w: frozenset({1}) for line in text.splitlines() if not line.startswith("#") for w in line.split()
    }
    hand = parse_hand(text, everything)
    assert len(hand.families) >= 40
    assert {"places", "people", "verbs", "adjectives"} <= {f.group for f in hand.families}
    assert len(hand.apart) >= 5


def test_the_report_runs_end_to_end_on_a_tiny_corpus(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "pl.jsonl").write_text(
        "\n".join(_lines("Atak na Kijów i ataki", "W Kijowie atakiem", "Z Kijowa do Lwowa, we Lwowie")),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert main(["--lang", "pl", "--data-dir", str(data), "--out-dir", str(out), "--no-memory"]) == 0
    report = (out / "slavic_stemming_eval_pl.md").read_text(encoding="utf-8")
    assert "hand families" in report and "Pairs that must stay apart" in report
    results = json.loads((out / "slavic_stemming_eval_pl.json").read_text(encoding="utf-8"))
    hand = next(v for k, v in results["pl"]["sets"].items() if k.startswith("hand"))
    assert hand["light"]["recall_words"] == 1.0
    assert hand["exact"]["recall_words"] < 1.0


@pytest.mark.skipif(not DATA_DIR.exists(), reason="no european_news data folder")
@pytest.mark.parametrize("lang", LANGS)
def test_hand_families_are_found_in_the_real_corpus(lang: str) -> None:
    with (DATA_DIR / f"{lang}.jsonl").open(encoding="utf-8") as lines:
        docs_of, _ = read_corpus(lines, lang)
    hand = parse_hand((HERE / "data" / f"{lang}_stem_families.txt").read_text(encoding="utf-8"), docs_of)
    assert len(hand.families) >= 40
