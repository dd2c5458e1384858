"""Transliteration variants through the engine: every spelling finds every other."""

from __future__ import annotations

import html

import pytest
from click.testing import CliRunner
from samples import found

from searchsvc import SearchEngine, SearchsvcError
from searchsvc.cli import cli

GROUPS = {
    "Sloviansk": [
        "Slavyansk",
        "Sloviansk",
        "Slovyansk",
        "Slaviansk",
        "Slov'yans'k",
        "Славянск",
        "Слов'янськ",
    ],
    "Kostiantynivka": [
        "Kostantinovka",
        "Konstantinovka",
        "Kostiantynivka",
        "Kostyantynivka",
        "Костянтинівка",
    ],
    "Pokrovsk": ["Pokrovsk", "Krasnoarmeysk", "Krasnoarmiisk"],
    "Bakhmut": ["Bakhmut", "Artemovsk", "Artemivsk"],
    "Dnipro": ["Dnipro", "Dnepr", "Dnipropetrovsk"],
    "Kyiv": ["Kyiv", "Kiev"],
    "Kharkiv": ["Kharkiv", "Kharkov"],
    "Zaporizhzhia": ["Zaporizhzhia", "Zaporizhia", "Zaporozhye"],
    "Sievierodonetsk": ["Sievierodonetsk", "Severodonetsk"],
    "Mykolaiv": ["Mykolaiv", "Nikolaev"],
    "Luhansk": ["Luhansk", "Lugansk"],
    "Odesa": ["Odesa", "Odessa"],
    "Donbas": ["Donbas", "Donbass"],
    "Zelensky": ["Zelensky", "Zelenskyy", "Zelenskiy", "Zelenskyi"],
}

CASES = [(group, a, b) for group, spellings in GROUPS.items() for a in spellings for b in spellings if a != b]


@pytest.fixture(scope="module")
def engine():
    docs = []
    for group, spellings in GROUPS.items():
        for spelling in spellings:
            docs.append(
                {
                    "id": f"{group}/{spelling}",
                    "title": f"Report from {spelling}",
                    "body": f"News about {spelling} today.",
                }
            )
    docs += [
        {"id": "slavic", "title": "Slavic languages", "body": "A slavic festival."},
        {"id": "kyivstar", "title": "Kyivstar outage", "body": "The operator Kyivstar said."},
        {"id": "human", "title": "Human rights", "body": "A human chain and good luck."},
        {"id": "other", "title": "Grain prices", "body": "Nothing to see."},
    ]
    with SearchEngine.in_memory() as eng:
        eng.add(docs)
        eng.commit()
        yield eng


@pytest.mark.parametrize("group, query, written", CASES, ids=[f"{q}->{w}" for _g, q, w in CASES])
def test_each_spelling_finds_every_other(engine, group, query, written):
    assert f"{group}/{written}" in found(engine, query)


@pytest.mark.parametrize("group", list(GROUPS))
def test_a_spelling_finds_nothing_outside_its_group(engine, group):
    for query in GROUPS[group]:
        assert {doc_id.split("/")[0] for doc_id in found(engine, query)} == {group}, query


@pytest.mark.parametrize("group", list(GROUPS))
def test_a_phrase_finds_every_spelling_of_its_names_in_order(engine, group):
    every = {f"{group}/{spelling}" for spelling in GROUPS[group]}
    for spelling in GROUPS[group]:
        assert found(engine, f'"{spelling} today"') == every, spelling
        hits = engine.search(f'"{spelling} today"', limit=100, highlight=True).hits
        assert hits[0].id == f"{group}/{spelling}"  # the spelling as typed first
        marked = html.escape(spelling)
        assert hits[0].highlights["body"] == [f"News about <mark>{marked}</mark> <mark>today</mark>."]
        assert found(engine, f'"today {spelling}"') == set()
    assert found(engine, f'title:"from {GROUPS[group][0]}"') == every


def test_a_phrase_of_one_name_is_its_word_query(engine):
    assert found(engine, '"Slavyansk"') == found(engine, "Slavyansk")
    assert len(found(engine, '"Slavyansk"')) == len(GROUPS["Sloviansk"])


def test_precision_cases(engine):
    assert "slavic" not in found(engine, "Slavyansk")
    assert found(engine, "slavic") == {"slavic"}
    assert "kyivstar" not in found(engine, "Kyiv")
    assert found(engine, "human") == {"human"}
    assert found(engine, "luck") == {"human"}
    assert "human" not in found(engine, "Uman")


def test_exact_spelling_ranks_above_variant_matches(engine):
    for group, spellings in GROUPS.items():
        for query in spellings:
            hits = engine.search(query, limit=100).hits
            assert hits[0].id == f"{group}/{query}", (query, [h.id for h in hits[:3]])


def test_highlights_mark_variants_as_written(engine):
    hits = {h.id: h.highlights for h in engine.search("Sloviansk", limit=100).hits}
    assert hits["Sloviansk/Slavyansk"]["title"] == "Report from <mark>Slavyansk</mark>"
    assert hits["Sloviansk/Славянск"]["body"] == ["News about <mark>Славянск</mark> today."]
    assert hits["Sloviansk/Slov'yans'k"]["title"] == "Report from <mark>Slov&#x27;yans&#x27;k</mark>"


def test_cyrillic_finds_latin_and_latin_finds_cyrillic(engine):
    assert "Sloviansk/Slavyansk" in found(engine, "Славянск")
    assert "Sloviansk/Славянск" in found(engine, "Slavyansk")
    assert "Kostiantynivka/Kostantinovka" in found(engine, "Костянтинівка")
    assert "Kostiantynivka/Костянтинівка" in found(engine, "Kostantinovka")


def test_places_facet_and_filter_use_the_official_name(engine):
    result = engine.search("", facets=["places"], facet_size=100)
    counts = {b.value: b.count for b in result.facets["places"]}
    assert counts["Sloviansk"] == len(GROUPS["Sloviansk"])
    assert counts["Kostiantynivka"] == len(GROUPS["Kostiantynivka"])
    assert counts["Pokrovsk"] == 3 and counts["Kyiv"] == 2 and counts["Zaporizhzhia"] == 3
    assert "Slavyansk" not in counts and "Kiev" not in counts and "Human" not in counts
    filtered = engine.search("", filters={"places": "Slavyansk"}, facets=["places"])
    assert filtered.total == len(GROUPS["Sloviansk"])
    assert [b.value for b in filtered.facets["places"] if b.selected] == ["Sloviansk"]
    assert engine.search("places:Славянск").total == len(GROUPS["Sloviansk"])


def test_explain_says_how_each_hit_matched(engine):
    hits = {h.id: h.matched for h in engine.search("Sloviansk", limit=100, explain=True).hits}
    assert {"word": "Sloviansk", "why": "exact", "field": "title"} in hits["Sloviansk/Sloviansk"]
    assert {m["why"] for m in hits["Sloviansk/Славянск"]} == {"gazetteer"}
    assert engine.search("Sloviansk").hits[0].matched is None


def test_seed_article_is_found_by_its_misspelling(tmp_path):
    from pathlib import Path

    runner = CliRunner()
    seeds = Path(__file__).resolve().parents[1] / "seeds"
    indexed = runner.invoke(cli, ["--index-dir", str(tmp_path / "ix"), "index", "-q", str(seeds)])
    assert indexed.exit_code == 0, indexed.output
    result = runner.invoke(cli, ["--index-dir", str(tmp_path / "ix"), "search", "Kostiantynivka", "--json"])
    assert result.exit_code == 0
    body = result.output[result.output.index("{") :]
    import json

    data = json.loads(body)
    assert data["total"] == 1
    assert any("<mark>Kostantinovka</mark>" in f for f in data["hits"][0]["highlights"]["body"])
    pokrovsk = json.loads(
        runner.invoke(cli, ["--index-dir", str(tmp_path / "ix"), "search", "Krasnoarmeysk", "--json"]).output
    )
    assert pokrovsk["total"] == 1
    assert "<mark>Pokrovsk</mark>" in pokrovsk["hits"][0]["highlights"]["title"]


def test_user_variant_groups(tmp_path):
    groups = tmp_path / "variants.txt"
    groups.write_text("# our newsroom's spellings\nPutin | Poutine | Путин\n", encoding="utf-8")
    from searchsvc import Settings

    with SearchEngine.in_memory(settings=Settings(variants_file=str(groups))) as eng:
        eng.add([{"id": "fr", "title": "Poutine parle"}, {"id": "ru", "title": "Путин сказал"}])
        eng.commit()
        assert {h.id for h in eng.search("Putin").hits} == {"fr", "ru"}
    runner = CliRunner()
    result = runner.invoke(cli, ["--variants-file", str(groups), "variants", "Poutine"])
    assert result.exit_code == 0
    assert "user file, line 2: Putin, Poutine, Путин" in result.output


def test_variants_command_explains_the_gazetteer_and_the_rule():
    result = CliRunner().invoke(cli, ["variants", "Slavyansk"])
    assert result.exit_code == 0
    assert "place: Sloviansk" in result.output
    assert "gazetteer: Sloviansk [UA]" in result.output
    assert "rule: key" in result.output


def test_place_names_are_not_stemmed_into_each_other():
    # English stemming would make the village Pokrovske "pokrovsk", the town.
    with SearchEngine.in_memory() as eng:
        eng.add(
            [
                {"id": "town", "title": "Fighting near Pokrovsk"},
                {"id": "village", "title": "Shelling of Pokrovske"},
                {"id": "possessive", "title": "Pokrovsk's defenders"},
            ]
        )
        eng.commit()
        assert {h.id for h in eng.search("Pokrovsk").hits} == {"town", "possessive"}
        assert {h.id for h in eng.search("pokrovske").hits} == {"village"}
        assert {h.id for h in eng.search("fight").hits} == {"town"}


def test_curated_names_join_forms_that_transliteration_cannot():
    with SearchEngine.in_memory() as eng:
        eng.add(
            [
                {"id": "ru", "title": "Lukashenko met the envoy"},
                {"id": "be", "title": "Лукашэнка выступіў"},
                {"id": "island", "title": "Troops left Zmiinyi island"},
            ]
        )
        eng.commit()
        assert {h.id for h in eng.search("Lukashenka").hits} == {"ru", "be"}
        assert {h.id for h in eng.search("Zmeiny").hits} == {"island"}
        matched = eng.search("Lukashenka", explain=True).hits
        assert {"word": "Lukashenko", "why": "curated", "field": "title"} in [
            m for h in matched for m in h.matched
        ]
    result = CliRunner().invoke(cli, ["variants", "Lukashenka"])
    assert "curated list of names: Lukashenko, Lukashenka" in result.output


@pytest.mark.parametrize(
    "query", ["*kiv", "title:*kiv", "title:[~ TO ~zz]", "[~ TO ~zz]", "~*", "title:~*", "*slavansk"]
)
def test_no_query_syntax_reaches_the_analysis_terms(query: str) -> None:
    # Kyiv is indexed with its variant key "~k:kiv", Slavyansk with "~k:slavansk":
    # no wildcard, range or field query may reach them.
    engine = SearchEngine.in_memory()
    engine.add(
        [{"id": "kyiv", "title": "Shelling in Kyiv"}, {"id": "sl", "title": "Fighting near Slavyansk"}]
    )
    engine.commit()
    try:
        found = {hit.id for hit in engine.search(query).hits}
    except SearchsvcError:
        return  # refused is as good as nothing found
    assert "kyiv" not in found and "sl" not in found


def test_a_wildcard_still_finds_the_words_themselves() -> None:
    engine = SearchEngine.in_memory()
    engine.add([{"id": "kyiv", "title": "Shelling in Kyiv"}, {"id": "kh", "title": "Kharkiv news"}])
    engine.commit()
    assert {hit.id for hit in engine.search("*yiv").hits} == {"kyiv"}
    assert {hit.id for hit in engine.search("*kiv").hits} == {"kh"}
