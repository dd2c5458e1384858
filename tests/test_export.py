"""Export: every stored document as JSON Lines, in id order, that index reads back to the same
documents and the same answers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from test_global_statistics import corpus

from searchsvc import SearchEngine
from searchsvc.cli import cli
from searchsvc.shards import open_shards

ODD = [
    {"id": "Київ/2024/1", "title": "Обстріл Києва", "body": "Вночі дрони атакували Київ.", "lang": "uk"},
    {
        "id": "wire-7",
        "title": "Grain corridor",
        "tags": ["grain", "Odesa port"],
        "date": "2024-03-05T10:15:00+02:00",
        "source": "Reuters",
        "extra": {"nested": [1, 2.5, None, True], "note": "kept as given"},
        "count": 3,
    },
    {"id": "a b?c#d%", "title": "An id with odd characters", "url": "https://example.org/a?b=c"},
]


def run(folder: Path, *args: str) -> Any:
    return CliRunner().invoke(cli, ["--index-dir", str(folder), *args])


def exported(folder: Path) -> list[dict[str, Any]]:
    done = run(folder, "export")
    assert done.exit_code == 0, done.output
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_an_export_indexed_again_gives_the_same_documents_and_answers(tmp_path) -> None:
    first = tmp_path / "first"
    with SearchEngine(first) as engine:
        engine.add([*corpus(120), *ODD])
        engine.commit()
        engine.add({"id": "doc-3", "title": "Replaced", "body": "A second version."})
        engine.delete(["doc-4", "doc-5"])
        engine.commit()
        engine.add({"id": "pending", "title": "Not committed yet"})
        # An export is of committed documents: the pending one is not in it.
        docs = list(engine.export())
    assert [d["id"] for d in docs] == sorted(d["id"] for d in docs)
    assert len(docs) == 120 + 3 - 2 and "pending" not in {d["id"] for d in docs}
    with SearchEngine(first) as engine:
        assert {d["id"]: d for d in docs}["wire-7"] == engine.get("wire-7")
    backup = tmp_path / "backup.jsonl"
    done = run(first, "export", "--output", str(backup))
    assert done.exit_code == 0, done.output
    assert "exported 122 documents" in done.stderr  # and "pending", committed when the engine closed
    assert not Path(f"{backup}.partial").exists()
    second = tmp_path / "second"
    assert run(second, "index", "-q", str(backup)).exit_code == 0
    assert exported(second) == exported(first)
    with SearchEngine(first) as one, SearchEngine(second) as other:
        assert other.get("doc-3")["title"] == "Replaced"
        for q in ("grain", "Slavyansk", "Київ", '"power plant"', "grain OR drone", "odd characters"):
            a, b = (
                one.search(q, limit=100, facets="source,tags"),
                other.search(q, limit=100, facets="source,tags"),
            )
            # The same documents match. Scores may differ a little: the first index still
            # counts the deleted documents in its statistics until its segments merge.
            assert a.total == b.total <= 100
            assert sorted(h.id for h in a.hits) == sorted(h.id for h in b.hits)
            assert {k: [x.to_dict() for x in v] for k, v in a.facets.items()} == {
                k: [x.to_dict() for x in v] for k, v in b.facets.items()
            }


def test_export_continues_after_an_id_and_a_folder_of_shards_exports_in_id_order(tmp_path) -> None:
    docs = corpus(60)
    with SearchEngine.in_memory() as engine:
        engine.add(docs)
        engine.commit()
        everything = [d["id"] for d in engine.export()]
        assert [d["id"] for d in engine.export(after=everything[9])] == everything[10:]
    with open_shards(tmp_path / "sharded", 3) as sharded:
        sharded.bulk_index(docs)
    assert [d["id"] for d in exported(tmp_path / "sharded")] == everything


def test_exporting_a_missing_index_is_a_one_line_error(tmp_path) -> None:
    done = run(tmp_path / "nothing", "export", "--output", str(tmp_path / "out.jsonl"))
    assert done.exit_code == 1 and "the index is missing" in done.output
    assert not (tmp_path / "out.jsonl").exists() and not (tmp_path / "nothing").exists()


def test_a_running_server_exports_behind_its_keys_and_reads_the_export_back(tmp_path) -> None:
    import falcon.testing

    from searchsvc.api import create_app
    from searchsvc.settings import Settings

    settings = Settings(api_key="write-key", read_key="read-key")
    with SearchEngine(tmp_path / "live") as engine, SearchEngine(tmp_path / "restored") as restored:
        engine.add([*corpus(40), *ODD])
        engine.commit()
        client = falcon.testing.TestClient(create_app(engine, settings))
        assert client.simulate_get("/export").status_code == 401
        assert client.simulate_get("/export", headers={"Authorization": "Bearer read-key"}).status_code == 401
        answer = client.simulate_get("/export", headers={"Authorization": "Bearer write-key"})
        assert answer.status_code == 200 and answer.headers["content-type"] == "application/x-ndjson"
        lines = answer.text.splitlines()
        assert [json.loads(line) for line in lines] == list(engine.export())
        back = falcon.testing.TestClient(create_app(restored, Settings()))
        written = back.simulate_post(
            "/documents",
            body=answer.content,
            headers={"Content-Type": "application/x-ndjson"},
            params={"commit": "true"},
        )
        assert written.status_code == 200 and written.json["accepted"] == len(lines) == 43
        assert list(restored.export()) == list(engine.export())
