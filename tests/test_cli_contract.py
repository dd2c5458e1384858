"""The command line's contract, through the real entry point: one line per mistake, exit 1 or 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from searchsvc import SearchEngine


def searchsvc(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("SEARCHSVC_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "searchsvc", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli-contract")
    docs = [{"id": f"d{i}", "title": f"grain report {i}", "body": "word " * 400} for i in range(300)]
    (folder / "docs.jsonl").write_text("\n".join(json.dumps(d) for d in docs) + "\n")
    done = searchsvc("index", "docs.jsonl", "--quiet", cwd=folder)
    assert done.returncode == 0, done.stderr
    return folder


@pytest.mark.parametrize(
    "args",
    [
        ("search", "grain", "-n", "abc"),
        ("search", "--bogus"),
        ("index", "does-not-exist.jsonl"),
        ("nonsense-command",),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(indexed: Path, args: tuple[str, ...]) -> None:
    result = searchsvc(*args, cwd=indexed)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: ")


@pytest.mark.parametrize(
    "args",
    [
        ("search", "grain AND"),
        ("delete", "no-such-id"),
        ("get", "no-such-id"),
        ("search", "grain", "--sort", "relevance:asc"),
    ],
)
def test_errors_in_what_was_asked_are_one_line_and_exit_1(indexed: Path, args: tuple[str, ...]) -> None:
    result = searchsvc(*args, cwd=indexed)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: ")
    assert result.stdout == ""


def test_closing_the_pipe_is_not_an_error(indexed: Path) -> None:
    # head stops reading after one line; the rest of the output meets a closed pipe.
    pipeline = subprocess.run(
        f"{sys.executable} -m searchsvc search '' -n 100 | head -n 1; exit ${{PIPESTATUS[0]}}",
        executable="/bin/bash",
        shell=True,
        cwd=indexed,
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if not k.startswith("SEARCHSVC_")},
    )
    assert pipeline.stdout.startswith("300 hits for")
    assert pipeline.stderr == ""
    assert pipeline.returncode == 0


def test_every_command_reads_settings_from_the_environment_and_flags(tmp_path: Path) -> None:
    big = {"id": "big", "title": "long", "body": "word " * 300_000}
    (tmp_path / "big.jsonl").write_text(json.dumps(big) + "\n")
    # Over the default limit, the field is cut and said to be, and the article kept.
    cut = searchsvc("index", "big.jsonl", "--quiet", cwd=tmp_path)
    assert cut.returncode == 0 and "1 added" in cut.stdout, cut.stderr
    assert "big.jsonl:1: field 'body' cut to 1,000,000 characters (it had 1,499,999)" in cut.stderr
    from_env = searchsvc(
        "index", "big.jsonl", "--quiet", cwd=tmp_path, env={"SEARCHSVC_MAX_FIELD_LENGTH": "2000000"}
    )
    assert from_env.returncode == 0 and "1 updated" in from_env.stdout + from_env.stderr
    assert "cut" not in from_env.stderr
    from_flag = searchsvc("index", "big.jsonl", "--quiet", "--max-field-length", "2000000", cwd=tmp_path)
    assert from_flag.returncode == 0 and "1 updated" in from_flag.stdout + from_flag.stderr
    with SearchEngine(tmp_path / "index", variants=None) as engine:
        assert len(engine.get("big")["body"]) == len(big["body"].strip())
    bad = searchsvc("stats", cwd=tmp_path, env={"SEARCHSVC_MAX_FIELD_LENGTH": "lots"})
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1


def test_text_ids_from_a_root_encodings_and_array_positions(tmp_path: Path) -> None:
    sub = tmp_path / "news" / "sub"
    sub.mkdir(parents=True)
    (sub / "plain.txt").write_text("Grain deal\nShips left Odesa.\n", encoding="utf-8")
    (sub / "legacy.txt").write_bytes("Prices\nA ticket cost £5 in Kyiv.\n".encode("cp1252"))
    (tmp_path / "docs.json").write_text('[{"id": "a"}, {"id": "b", "tags": 7}]')
    first = searchsvc("index", "news", "--root", "news", "--quiet", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "note: " in first.stderr and "cp1252" in first.stderr
    again = searchsvc("index", "news/sub", "--root", "news", "--quiet", cwd=tmp_path)
    assert "2 updated" in again.stdout
    stats = searchsvc("stats", cwd=tmp_path)
    assert json.loads(stats.stdout)["documents"] == 2
    array = searchsvc("index", "docs.json", "--quiet", cwd=tmp_path)
    assert "docs.json:1 (index 1)" in array.stderr


def test_writers_wait_for_a_held_lock_and_fail_alike(indexed: Path) -> None:
    # Another process holds the index's write lock for longer than writers wait.
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from searchsvc.analysis import NewsAnalyzer\n"
            "from searchsvc.store.generations import IndexStore\n"
            "from searchsvc.store.schema import build_schema\n"
            "from searchsvc.store.writer import writing\n"
            "store = IndexStore('index', build_schema(NewsAnalyzer()))\n"
            "with writing(store.open(create=False), 'hold the lock', timeout=5.0):\n"
            "    print('locked', flush=True)\n"
            "    time.sleep(60)\n",
        ],
        cwd=indexed,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        (indexed / "one.jsonl").write_text('{"id": "extra", "title": "one more"}\n')
        deleting = searchsvc("delete", "d1", "--wait", "1", cwd=indexed)
        indexing = searchsvc("index", "one.jsonl", "--quiet", "--wait", "1", cwd=indexed)
    finally:
        holder.kill()
        holder.wait()
    assert deleting.returncode == indexing.returncode == 1
    assert deleting.stderr == indexing.stderr
    assert "waiting up to 1 s for another process writing to the index" in deleting.stderr
    assert "another process is writing to the index" in deleting.stderr
    assert searchsvc("delete", "d1", cwd=indexed).returncode == 0


def test_a_port_in_use_is_named(tmp_path: Path) -> None:
    import socket

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        for workers in ("1", "2"):
            done = searchsvc("serve", "--port", str(port), "--workers", workers, cwd=tmp_path)
            assert done.returncode == 1
            # The last line: an empty index is first seeded, as serve does.
            last = done.stderr.strip().splitlines()[-1]
            assert last == f"Error: cannot listen on 127.0.0.1:{port}: the port is in use (another server?)"


def test_a_bad_value_from_a_variable_exits_2_as_from_an_option(tmp_path: Path) -> None:
    by_option = searchsvc("serve", "--port", "70000", cwd=tmp_path)
    by_variable = searchsvc("serve", cwd=tmp_path, env={"SEARCHSVC_PORT": "70000"})
    assert (by_option.returncode, by_variable.returncode) == (2, 2)
    assert "SEARCHSVC_PORT" in by_variable.stderr
    assert len(by_variable.stderr.strip().splitlines()) == 1


def test_export_to_a_missing_folder_names_the_file(indexed: Path) -> None:
    done = searchsvc("export", "--output", "/nonexistent/dir/x.jsonl", cwd=indexed)
    assert done.returncode == 1
    assert done.stderr.strip() == "Error: cannot write /nonexistent/dir/x.jsonl: No such file or directory"


def test_reading_one_index_as_shards_says_what_the_folder_holds(indexed: Path) -> None:
    for command in (("stats",), ("get", "d1"), ("search", "grain")):
        done = searchsvc(*command, cwd=indexed, env={"SEARCHSVC_SHARDS": "2"})
        assert done.returncode == 1, done.stderr
        assert "holds one index, not 2 shards" in done.stderr
        assert "missing" not in done.stderr


def test_counts_are_singular_for_one(indexed: Path) -> None:
    done = searchsvc("delete", "d0", "nope", cwd=indexed)
    assert done.returncode == 0, done.stderr
    assert "deleted 1 document; 1 id was not in the index" in done.stdout


def test_a_query_starting_with_a_minus_says_to_use_two_dashes(indexed: Path) -> None:
    refused = searchsvc("search", "-grain", cwd=indexed)
    assert refused.returncode == 2
    assert "searchsvc search -- -grain" in refused.stderr
    answered = searchsvc("search", "--", "-grain", cwd=indexed)
    assert answered.returncode == 0, answered.stderr


def test_serving_one_index_as_shards_is_refused_before_anything_starts(indexed: Path) -> None:
    done = searchsvc("serve", "--shards", "3", cwd=indexed)
    assert done.returncode == 1
    assert "holds one index, not shards" in done.stderr
    assert "starting" not in done.stderr
