"""The command line through click's CliRunner, including its error paths."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from samples import ARTICLES

from searchsvc.cli import cli

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.delenv("SEARCHSVC_INDEX_DIR", raising=False)
    index_dir = tmp_path / "ix"

    def invoke(*args: str):
        return CliRunner().invoke(cli, ["--index-dir", str(index_dir), *args])

    return invoke


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "articles.jsonl"
    lines = [json.dumps(a) for a in ARTICLES]
    lines.insert(2, "{not json")
    lines.insert(3, json.dumps({"title": "no id"}))
    path.write_text("\n".join(lines) + "\n")
    return path


def test_every_command_has_help():
    runner = CliRunner()
    for name, command in cli.commands.items():
        assert command.help, name
        result = runner.invoke(cli, [name, "--help"])
        assert result.exit_code == 0, name
        assert "Usage:" in result.output


def test_index_reports_bad_records_and_indexes_the_good(run, corpus):
    result = run("index", str(corpus), "-q")
    assert result.exit_code == 0, result.output
    assert "indexed: 5 added, 0 updated, 2 rejected" in result.output
    assert f"{corpus}:3" in result.output and f"{corpus}:4" in result.output
    again = run("index", str(corpus), "-q")
    assert "indexed: 0 added, 5 updated, 2 rejected" in again.output


def test_index_strict_stops_at_the_first_bad_record(run, corpus):
    result = run("index", "--strict", "-q", str(corpus))
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert f"{corpus}:3" in result.output
    assert "Traceback" not in result.output


def test_search_json_is_the_result_shape(run, corpus):
    run("index", "-q", str(corpus))
    result = run("search", "fighting", "--facet", "source,date", "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["total"] == 2
    assert {h["id"] for h in data["hits"]} == {"kyiv-drones", "kharkiv-power"}
    assert {b["value"]: b["count"] for b in data["facets"]["source"]} == {"Reuters": 1, "BBC": 1}
    assert "<mark>" in data["hits"][0]["highlights"]["body"][0]


def test_search_text_output(run, corpus):
    run("index", "-q", str(corpus))
    result = run("search", "grain", "--facet", "source", "--filter", "source:reuters")
    assert result.exit_code == 0
    assert "1 hits for 'grain'" in result.output
    assert "Grain exports resume from Odesa" in result.output
    assert "*       1  Reuters" in result.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["search", "(grain"], "without a matching ')'"),
        (["search", "grain", "--filter", "colour:red"], "cannot filter on 'colour'"),
        (["search", "grain", "--date-from", "yesterday"], "not an ISO 8601 date"),
        (["search", "colour:red"], "unknown field 'colour'"),
        (["search", "grain", "--limit", "0"], "limit must be"),
        (["get", "missing"], "no document with id 'missing'"),
    ],
)
def test_user_errors_are_one_line_and_non_zero(run, corpus, args, message):
    run("index", "-q", str(corpus))
    result = run(*args)
    assert result.exit_code != 0
    assert message in result.output or message in result.output.replace("\n", " ")
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_get_delete_stats(run, corpus):
    run("index", "-q", str(corpus))
    got = run("get", "grain-deal")
    assert json.loads(got.output)["title"] == "Grain exports resume from Odesa"
    deleted = run("delete", "grain-deal", "nope")
    assert "deleted 1 document; 1 id was not in the index" in deleted.output
    stats = json.loads(run("stats").output)
    assert stats["documents"] == 4
    assert run("delete", "nope").exit_code == 1


def test_missing_index_is_a_clear_error(run):
    result = run("stats")
    assert result.exit_code == 1
    assert "no index" in result.output


def test_search_finds_the_seed_article_once_it_is_indexed(run):
    # Only `serve` indexes the seed articles by itself (see test_cli_reliability.py).
    assert run("index", "-q", str(SEEDS)).exit_code == 0
    result = run("search", "Pokrovsk", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["total"] == 1
    hit = data["hits"][0]
    assert hit["id"] == "pokrovsk-fakti-2025-11-07.txt"
    assert hit["document"]["source"] == "Fakti"
    assert "<mark>Pokrovsk</mark>" in hit["highlights"]["title"]


def test_reindex_swaps_in_a_new_index(run, corpus, tmp_path):
    run("index", "-q", str(corpus))
    other = tmp_path / "other.jsonl"
    other.write_text(json.dumps({"id": "solo", "title": "Solo grain"}) + "\n")
    result = run("reindex", "-q", str(other))
    assert result.exit_code == 0
    assert "reindexed: 1 added" in result.output
    assert json.loads(run("stats").output)["documents"] == 1


def test_analyze_prints_terms(run):
    result = run("analyze", "The fighting in Slov’yansk")
    assert result.exit_code == 0
    assert "fight" in result.output and "slov'yansk" in result.output
    assert "the" not in result.output.split()


def test_unknown_format_is_an_error(run, tmp_path):
    path = tmp_path / "notes.docx"
    path.write_bytes(b"PK")
    result = run("index", str(path))
    assert result.exit_code != 0
    assert "Traceback" not in result.output


def test_first_index_writes_in_parallel_and_keeps_the_last_version(run, tmp_path, monkeypatch):
    import searchsvc.engine as engine_module
    import searchsvc.rebuild as rebuild_module

    calls: list[int] = []
    real = rebuild_module.write_parallel

    def spy(*args, **kwargs):
        calls.append(kwargs.get("procs", 0))
        return real(*args, **kwargs)

    monkeypatch.setattr(rebuild_module, "write_parallel", spy)
    monkeypatch.setattr(engine_module.os, "cpu_count", lambda: 2)
    changed = dict(ARTICLES[0], title="A corrected headline about Sloviansk")
    path = tmp_path / "twice.jsonl"
    path.write_text("\n".join(json.dumps(a) for a in [*ARTICLES, changed]) + "\n")
    result = run("index", "-q", str(path))
    assert result.exit_code == 0, result.output
    assert f"indexed: {len(ARTICLES)} added, 1 updated, 0 rejected" in result.output
    assert calls == [2]
    shown = json.loads(run("get", ARTICLES[0]["id"]).output)
    assert shown["title"] == "A corrected headline about Sloviansk"
