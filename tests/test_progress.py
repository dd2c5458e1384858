"""Progress of index and reindex as a terminal shows it: a bar of the bytes read with a rate
and the time left, a count for standard input, and nothing but the summary off a terminal."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

import pytest
from test_global_statistics import corpus

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")


def run(args: list[str], *, terminal: bool, stdin: bytes | None = None) -> tuple[int, str]:
    """``searchsvc ARGS``, its standard error a terminal or a pipe: exit status and what it wrote there."""
    command = [sys.executable, "-m", "searchsvc", *args]
    if not terminal:
        done = subprocess.run(command, input=stdin, capture_output=True, timeout=300)
        return done.returncode, done.stderr.decode()
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        command,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=follower,
    )
    os.close(follower)
    if stdin is not None:
        assert process.stdin is not None
        process.stdin.write(stdin)
        process.stdin.close()
    written = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 300)
        if not ready:
            process.kill()
            pytest.fail("searchsvc wrote nothing for 300 s")
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the process is done
            break
        if not chunk:
            break
        written += chunk
    os.close(leader)
    return process.wait(timeout=60), written.decode(errors="replace")


@pytest.fixture(scope="module")
def articles(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("progress") / "articles.jsonl"
    path.write_text("\n".join(json.dumps(doc) for doc in corpus(4000)), "utf-8")
    return path


def frames(written: str) -> list[str]:
    """The states a terminal showed, one per carriage return, without cursor codes."""
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", written)
    return [frame.strip() for frame in re.split(r"[\r\n]+", plain) if frame.strip()]


def test_a_file_shows_a_bar_of_the_bytes_read_with_a_rate_and_time_left(articles, tmp_path) -> None:
    status, written = run(["--index-dir", str(tmp_path / "index"), "index", str(articles)], terminal=True)
    assert status == 0, written
    bars = [f for f in frames(written) if f.startswith("indexing") and "%" in f]
    shares = [int(re.search(r"(\d+)%", bar).group(1)) for bar in bars]  # type: ignore[union-attr]
    assert shares == sorted(shares) and shares[-1] == 100 and len(set(shares)) > 2, bars
    # Honest: the bar starts empty, and documents and their rate are counted along the way.
    assert shares[0] < 50
    assert any(re.search(r"[\d,]+ documents, [\d,]+ docs/s", bar) for bar in bars[1:]), bars
    # What follows the last document read is said too: the commit can take a while.
    assert frames(written)[-1] == "committing..."


def test_reindex_shows_the_same_bar(articles, tmp_path) -> None:
    folder = str(tmp_path / "index")
    assert run(["--index-dir", folder, "index", "-q", str(articles)], terminal=False)[0] == 0
    status, written = run(["--index-dir", folder, "reindex", str(articles)], terminal=True)
    assert status == 0, written
    shares = [int(m.group(1)) for m in re.finditer(r"reindexing .*?(\d+)%", written)]
    assert shares and shares[-1] == 100 and shares == sorted(shares)


def test_standard_input_shows_a_count_and_no_bar(articles, tmp_path) -> None:
    data = articles.read_bytes()
    status, written = run(["--index-dir", str(tmp_path / "index"), "index", "-"], terminal=True, stdin=data)
    assert status == 0, written
    shown = frames(written)
    assert not any("%" in frame or "[#" in frame for frame in shown), shown
    assert any(re.fullmatch(r"indexing: 4,000 documents, [\d,]+ docs/s", frame) for frame in shown), shown


def test_off_a_terminal_only_the_summary_is_printed(articles, tmp_path) -> None:
    status, written = run(["--index-dir", str(tmp_path / "index"), "index", str(articles)], terminal=False)
    assert status == 0
    assert "\r" not in written and "%" not in written
    assert re.fullmatch(r"read 4,000 documents in [\d.]+s \(\d+ docs/s\)\n", written), written


def test_check_shows_a_bar_of_its_work_on_a_terminal_only(articles, tmp_path) -> None:
    folder = str(tmp_path / "index")
    assert run(["--index-dir", folder, "index", "-q", str(articles)], terminal=False)[0] == 0
    status, written = run(["--index-dir", folder, "check"], terminal=True)
    assert status == 0, written
    shares = [int(m.group(1)) for m in re.finditer(r"checking .*?(\d+)%", written)]
    # One process per core reads the segments: a small index may go from empty to full at once.
    assert shares == sorted(shares) and shares[0] == 0 and shares[-1] == 100, written
    status, written = run(["--index-dir", folder, "check"], terminal=False)
    assert status == 0 and written == ""


def test_into_an_index_with_documents_the_bar_follows_the_commits(tmp_path) -> None:
    # Into an index that has documents, batches of INDEX_BATCH are read at once and then
    # committed: the bar, the count and the rate follow the commits, not the reading.
    from searchsvc.cli import INDEX_BATCH

    index = tmp_path / "index"
    first = tmp_path / "first.jsonl"
    first.write_text(json.dumps({"id": "first", "title": "t"}) + "\n")
    assert run(["--index-dir", str(index), "index", "-q", str(first)], terminal=False)[0] == 0
    many = tmp_path / "many.jsonl"
    total = 2 * INDEX_BATCH + 500
    many.write_text("".join(json.dumps({"id": f"d{n}", "title": f"report {n}"}) + "\n" for n in range(total)))
    status, written = run(["--index-dir", str(index), "index", str(many)], terminal=True)
    assert status == 0, written
    bars = [f for f in frames(written) if f.startswith("indexing") and "%" in f]
    counts = [
        int(m.group(1).replace(",", "")) for bar in bars if (m := re.search(r"([\d,]+) committed", bar))
    ]
    assert counts, bars
    # Only whole batches are ever said to be committed, until the last frame.
    assert all(count % INDEX_BATCH == 0 for count in counts), counts
    assert "time left: estimating" in bars[0]
