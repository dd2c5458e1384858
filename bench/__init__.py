"""Benchmark harness for searchsvc and its peers (naive Whoosh, SQLite FTS5, tantivy).

Run ``python -m bench --quick`` for a smoke test or ``python -m bench`` for the
full run; ``python -m bench --help`` lists the options.
"""

from __future__ import annotations

from pathlib import Path

#: Root of the repository: workers and the HTTP server run with it on sys.path.
REPO_ROOT = Path(__file__).resolve().parents[1]
#: Default output folder (git-ignored).
DEFAULT_OUT = REPO_ROOT / "bench" / "out"
#: Where the real data sets live when this machine has them.
DEFAULT_DATA_DIR = Path("/work/shared/data")
