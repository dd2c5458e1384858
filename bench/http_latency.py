"""Median and p95 latency of GET /search against a running searchsvc server.

    python bench/http_latency.py --url http://127.0.0.1:8080 [--rounds 5]

Runs in its own process, one request at a time over one keep-alive
connection, with 3 facets (source, category, date) and highlighting, over the
query list of bench/ruwa_library.py.
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ruwa_library import QUERIES, p50_p95  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8080")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    target = urllib.parse.urlsplit(args.url)
    conn = http.client.HTTPConnection(target.hostname, target.port or 80, timeout=30)
    times = []
    for round_ in range(args.rounds + 1):
        for q in QUERIES:
            path = "/search?" + urllib.parse.urlencode(
                {"q": q, "facets": "source,category,date", "highlight": "true", "limit": 10}
            )
            started = time.perf_counter()
            conn.request("GET", path)
            response = conn.getresponse()
            body = response.read()
            elapsed = (time.perf_counter() - started) * 1000
            if response.status != 200:
                raise SystemExit(f"{q!r}: HTTP {response.status} {body[:200]!r}")
            json.loads(body)
            if round_:  # the first round warms the server up
                times.append(elapsed)
    print(f"GET /search, 3 facets + highlighting, {len(times)} requests: {p50_p95(times)}")


if __name__ == "__main__":
    main()
