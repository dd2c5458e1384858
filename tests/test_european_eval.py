"""bench/european_eval.py: the gold matching, the labels, the scoring arithmetic and the report.

The logic is tested on small texts written here; one test runs the whole bench on a slice of
the real data and is skipped when ../shared/data is absent. No figure of the engine is pinned:
the bench is there to measure it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.european_eval import (
    KINDS,
    LABELS,
    Cell,
    Gold,
    Label,
    Matcher,
    Row,
    Side,
    categorize_word,
    cells_of,
    compare_lines,
    compute_gold,
    fold,
    main,
    parse_labels,
    pooled,
    read_labels,
    render_markdown,
    review,
    run,
    score,
    split_of,
    summarize,
)
from bench.european_names import BY_KEY, LANGS, NAMES, Name, Spellings

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
EUROPEAN = DATA / "european_news"

# A made-up name, so that the tests do not depend on the real lists.
KHARKIV = Name(
    key="Kharkiv",
    kind="place",
    uk="Харків",
    ru="Харьков",
    latin=("Kharkov",),
    langs={
        "pl": Spellings(own=("Charków",), cases=("Charkowa", "Charkowie", "Charkowem")),
        "de": Spellings(own=("Charkiw",), cases=("Charkiws",), variants=("Charkow",)),
    },
    others=("charkowiak",),
)
CHASIV = Name(
    key="Chasiv Yar",
    kind="place",
    uk="Часів Яр",
    ru="Часов Яр",
    latin=(),
    langs={"pl": Spellings(own=("Czasiw Jar",), cases=("Czasiw Jaru",))},
)


def words(name: Name, lang: str, text: str) -> list[str]:
    folded = fold(text)
    return [text[m.start() : m.end()] for m in Matcher.build(name, lang).mentions(folded)]


# ------------------------------------------------------------------ folding


def test_fold_drops_diacritics_one_character_for_one() -> None:
    text = "Łukaszenką, Járkov, Kosťantynivka, Dněpr – Kyiv’s"
    folded = fold(text)
    assert folded == "Lukaszenka, Jarkov, Kostantynivka, Dnepr – Kyiv's"
    assert len(folded) == len(text)


# ----------------------------------------------------------------- matching


def test_case_forms_and_the_english_spelling_match() -> None:
    text = "Atak na Charków. W Charkowie i pod Charkowem; z Charkowa do Kharkov."
    assert words(KHARKIV, "pl", text) == ["Charków", "Charkowie", "Charkowem", "Charkowa", "Kharkov"]


def test_first_letter_keeps_its_case_the_rest_does_not() -> None:
    assert words(KHARKIV, "pl", "CHARKÓW pod ostrzałem") == ["CHARKÓW"]
    assert words(KHARKIV, "pl", "dwa charkowa") == []


def test_diacritics_are_optional_in_the_text() -> None:
    assert words(KHARKIV, "pl", "w Charkow i Charkowie") == ["Charkow", "Charkowie"]


def test_whole_words_hyphens_apostrophes_and_possessive() -> None:
    assert words(KHARKIV, "de", "Charkiw-Reise") == ["Charkiw"]
    assert words(KHARKIV, "de", "l'Charkiw und Charkiw's Bürger") == ["Charkiw", "Charkiw's"]
    assert words(KHARKIV, "de", "Charkiwer Straße, XCharkiw") == []


def test_other_languages_forms_do_not_count() -> None:
    # Charkiw is German, not Polish: the Polish gold does not know it.
    assert words(KHARKIV, "pl", "Charkiw") == []
    assert words(KHARKIV, "de", "Charkowie") == []


def test_multi_word_forms_match_with_a_space_or_hyphen() -> None:
    assert words(CHASIV, "pl", "pod Czasiw Jarem? w Czasiw Jaru, trasa Czasiw-Jar") == [
        "Czasiw Jaru",
        "Czasiw-Jar",
    ]


def test_derived_words_and_others() -> None:
    matcher = Matcher.build(KHARKIV, "pl")
    derived = [m.group(0) for m in matcher.derived(fold("obwód charkowski, Charkowiak, Charkowa"))]
    # "charkowski" begins with the nominative; "Charkowiak" is listed as another word; a form is no
    # derived word.
    assert derived == ["charkowski"]


def test_category_of_a_missed_word() -> None:
    assert categorize_word("Charków", KHARKIV, "pl") == "spelling"
    assert categorize_word("Charkow", KHARKIV, "de") == "spelling"
    assert categorize_word("Charkowie", KHARKIV, "pl") == "case form"


# ------------------------------------------------------------------- labels


def test_parse_labels_reads_rows_and_skips_comments() -> None:
    labels = parse_labels(
        ["# header", "", "d1\tKharkiv\t-\tcharków\tcommon noun", "d2\tKharkiv\t+", "d3\tKyiv\t?"]
    )
    assert labels == {
        ("d1", "Kharkiv"): Label("d1", "Kharkiv", "-", "charków", "common noun"),
        ("d2", "Kharkiv"): Label("d2", "Kharkiv", "+"),
        ("d3", "Kyiv"): Label("d3", "Kyiv", "?"),
    }


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["d1\tKyiv\tx"], "verdict"),
        (["d1\tKyiv"], "expected"),
        (["d1\tKyiv\t-", "d1\tKyiv\t+"], "twice"),
    ],
)
def test_parse_labels_rejects_bad_rows(lines: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_labels(lines)


def test_the_labels_file_parses_and_names_known_names() -> None:
    labels = read_labels(LABELS)
    assert len(labels) > 50
    assert {name for _, name in labels} <= set(BY_KEY)


# --------------------------------------------------------------------- gold


def test_gold_relevant_neutral_excluded_and_added() -> None:
    texts = {
        "form": "Rakiety nad Charkowem.",
        "derived": "Alarm w obwodzie charkowskim.",
        "friend": "Charków to także nazwa klubu.",  # labelled "-" below
        "typo": "Atak na Charkuw.",  # labelled "+"
        "broken": "Atak na CharkĂłw.",  # labelled "?"
        "nothing": "Pogoda w Krakowie.",
        "other": "Pan Charkowiak.",
    }
    labels = {
        ("friend", "Kharkiv"): Label("friend", "Kharkiv", "-", "Charków", "a club"),
        ("typo", "Kharkiv"): Label("typo", "Kharkiv", "+", "Charkuw"),
        ("broken", "Kharkiv"): Label("broken", "Kharkiv", "?"),
    }
    gold = compute_gold(KHARKIV, "pl", texts, labels)
    assert gold.relevant == {"form", "typo"}
    assert gold.neutral == {"derived", "broken"}
    assert gold.excluded == {"friend": "Charków"}
    assert gold.words == {"form": ["Charkowem"], "typo": ["Charkuw"]}


def test_split_is_fixed_and_holds_some_names_out() -> None:
    splits = {n.key: split_of(n.key) for n in NAMES}
    assert splits == {n.key: split_of(n.key) for n in NAMES}
    assert set(splits.values()) == {"dev", "held-out"}
    assert 0.2 < sum(s == "held-out" for s in splits.values()) / len(splits) < 0.5


def test_every_name_is_written_for_every_language() -> None:
    for name in NAMES:
        assert set(name.langs) == set(LANGS), name.key
        for lang, spellings in name.langs.items():
            assert spellings.own, (name.key, lang)
            assert not set(spellings.own) & set(spellings.cases), (name.key, lang)
        assert name.uk and name.ru and name.kind in ("place", "person")


# ------------------------------------------------------------------ scoring


def test_score_drops_neutral_documents_from_both_sides() -> None:
    gold = Gold(relevant={"a", "b", "c", "d"}, neutral={"n"})
    counted, hits, recall, precision = score({"a", "b", "n", "x"}, gold)
    assert (counted, hits) == (3, 2)
    assert recall == pytest.approx(2 / 4)
    assert precision == pytest.approx(2 / 3)


def test_score_of_an_empty_result_is_precision_one_recall_zero() -> None:
    assert score(set(), Gold(relevant={"a"})) == (0, 0, 0.0, 1.0)
    assert score({"n"}, Gold(relevant={"a"}, neutral={"n"})) == (0, 0, 0.0, 1.0)


def _row(lang: str, name: str, kind: str, recall: float, precision: float, split: str = "dev") -> Row:
    side = Side(found=1, counted=1, hits=1, recall=recall, precision=precision)
    return Row(lang, name, kind, "q", 10, split, side, Side(0, 0, 0, 0.0, 1.0))


def test_cells_average_the_queries_of_a_kind() -> None:
    rows = [
        _row("pl", "Kyiv", "cyrillic", 1.0, 1.0),
        _row("pl", "Kyiv", "cyrillic", 0.0, 0.5),
        _row("pl", "Kyiv", "english", 0.5, 1.0),
    ]
    cells = {c.kind: c for c in cells_of(rows, "ours")}
    assert cells["cyrillic"] == Cell("pl", "Kyiv", "cyrillic", "dev", 0.5, 0.75)
    assert cells["english"].recall == 0.5


def test_pooled_figures_weigh_each_document_the_same() -> None:
    small = Row("pl", "Lviv", "english", "q", 2, "dev", Side(1, 1, 0, 0.0, 0.0), Side(0, 0, 0, 0.0, 1.0))
    big = Row("pl", "Kyiv", "english", "q", 8, "dev", Side(8, 8, 8, 1.0, 1.0), Side(0, 0, 0, 0.0, 1.0))
    assert pooled([small, big], "ours") == {"cells": 2, "recall": 0.8, "precision": 8 / 9}
    assert pooled([small, big], "baseline") == {"cells": 2, "recall": 0.0, "precision": 1.0}


def test_summary_is_the_mean_of_languages_and_checks_the_targets() -> None:
    cells = [
        Cell("pl", "Kyiv", "english", "dev", 1.0, 1.0),
        Cell("pl", "Lviv", "english", "held-out", 0.0, 1.0),
        Cell("de", "Kyiv", "english", "dev", 1.0, 0.9),
    ]
    summary = summarize(cells, ["pl", "de", "cs"])
    assert summary["per_lang"]["pl"] == {"cells": 2, "recall": 0.5, "precision": 1.0}
    assert summary["per_lang"]["cs"]["cells"] == 0
    # Overall: the mean of pl (0.5) and de (1.0), not of the three cells.
    assert summary["overall"]["recall"] == pytest.approx(0.75)
    assert summary["overall"]["precision"] == pytest.approx(0.95)
    assert summary["per_split"]["held-out"]["recall"] == 0.0
    assert summary["per_kind"]["own"]["cells"] == 0
    assert summary["languages_below"] == ["pl"]
    assert summary["passed"] is False

    perfect = summarize([Cell("pl", "Kyiv", k, "dev", 1.0, 1.0) for k in KINDS], ["pl"])
    assert perfect["passed"] is True


# ------------------------------------------------------------------- report


def synthetic_report(tmp_path: Path) -> dict:
    folder = tmp_path / "european_news"
    folder.mkdir()
    docs = [
        {"id": "pl-1", "title": "Atak na Charków", "body": "Mer Charkowa apeluje."},
        {"id": "pl-2", "title": "Wybuchy w Charkowie", "body": ""},
        {"id": "pl-3", "title": "Charków", "body": "Charkow, Charkow."},
        {"id": "pl-4", "title": "Alarm w obwodzie charkowskim", "body": ""},
        {"id": "pl-5", "title": "Pogoda w Krakowie", "body": "Słonecznie."},
    ]
    (folder / "pl.jsonl").write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in docs), "utf-8")
    labels = {("pl-3", "Kharkiv"): Label("pl-3", "Kharkiv", "-", "Charków", "made up")}
    return run({"pl": folder / "pl.jsonl"}, [KHARKIV], labels, workdir=tmp_path / "idx", log=lambda _m: None)


def test_run_scores_both_engines_and_the_report_renders(tmp_path: Path) -> None:
    report = synthetic_report(tmp_path)
    assert report["meta"]["documents"] == {"pl": 5}
    assert report["names"]["Kharkiv"]["docs"] == {"pl": {"relevant": 2, "neutral": 1}}
    rows = {(r["kind"], r["query"]): r for r in report["rows"]}
    assert set(rows) == {
        ("english", "Kharkiv"),
        ("cyrillic", "Харків"),
        ("cyrillic", "Харьков"),
        ("own", "Charków"),
    }
    own = rows[("own", "Charków")]["baseline"]
    # Plain stemming finds the nominative as written (pl-1) and the false friend (pl-3), not the cases.
    assert own["recall"] == pytest.approx(0.5)
    assert own["precision"] == pytest.approx(0.5)
    assert report["false_friends"] == [
        {"lang": "pl", "id": "pl-3", "name": "Kharkiv", "form": "Charków", "note": "made up"}
    ]
    markdown = render_markdown(report)
    for heading in ("## Per language", "## Per query kind", "## Dev and held-out names", "## Worst cells"):
        assert heading in markdown
    # The report holds words of the data, never its sentences.
    assert "Mer Charkowa apeluje" not in markdown
    assert "Mer Charkowa apeluje" not in json.dumps(report, ensure_ascii=False)


def test_compare_lines_put_an_old_run_beside_the_new(tmp_path: Path) -> None:
    report = synthetic_report(tmp_path)
    old = json.loads(json.dumps(report))
    old["summary"]["ours"]["per_lang"]["pl"]["recall"] = 0.125
    old["meta"]["searchsvc"]["commit"] = "abc1234"
    text = "\n".join(compare_lines(report, old, "before.json"))
    assert "before.json" in text and "abc1234" in text
    assert "| pl | 0.125 / " in text


def test_review_lists_every_match_with_its_label() -> None:
    texts = {"a": "Atak na Charków.", "b": "obwód charkowski", "c": "nic"}
    labels = {("a", "Kharkiv"): Label("a", "Kharkiv", "-", "Charków")}
    lines = list(review("pl", [KHARKIV], texts, labels))
    assert lines[0] == "== pl Kharkiv: 2 documents"
    assert lines[1].startswith("  [-] a  ") and "[Charków]" in lines[1]
    assert lines[2].startswith("  [d] b  ")


def test_main_skips_without_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data", str(tmp_path / "absent")]) == 0
    assert "skipped" in capsys.readouterr().out


# ---------------------------------------------------------------- real data


@pytest.mark.skipif(not EUROPEAN.is_dir(), reason="../shared/data/european_news is not present")
def test_real_data_slice(tmp_path: Path) -> None:
    out, js = tmp_path / "report.md", tmp_path / "report.json"
    args = ["--data", str(DATA), "--langs", "pl,de", "--limit-docs", "400", "--quiet"]
    assert main([*args, "--out", str(out), "--json", str(js)]) == 0
    report = json.loads(js.read_text("utf-8"))
    assert report["meta"]["documents"] == {"pl": 400, "de": 400}
    assert report["rows"], "the slice should hold some names"
    for side in ("ours", "baseline"):
        for lang in ("pl", "de"):
            figures = report["summary"][side]["per_lang"][lang]
            assert 0.0 <= figures["recall"] <= 1.0 and 0.0 <= figures["precision"] <= 1.0
    # Only single words (or a name of a few words) of the data are kept.
    for row in report["rows"]:
        for label, _n in row["ours"]["missed"] + row["ours"]["extra"]:
            assert len(label.split(":", 1)[1].split()) <= 3, label
    assert out.read_text("utf-8").startswith("# Names in seven European languages")
