"""The bounded load test: writers, readers, commits, merges and a reindex swap at once.

bench/load.py's harness in its CI form; ``python bench/load.py --seconds 60``
runs the full one.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import load  # noqa: E402

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="uses SIGKILL and fork")

SECONDS = float(os.environ.get("SEARCHSVC_LOAD_SECONDS", "10"))


def test_reads_and_writes_through_commits_merges_and_a_swap(tmp_path: Path) -> None:
    result = load.run(SECONDS, tmp_path, log=lambda text: None)
    assert result["reads"] > 0 and result["writes"] > 0
    assert result["errors_5xx"] == 0
    assert result["connection_errors"] == 0
    assert result["lost"] == []
    assert result["other"] == []
