"""Command line: ``python -m bench [--quick] [options]``.

Quick mode is a smoke test (one small synthetic corpus, a few queries per
class, a couple of minutes at most). Full mode runs 10k, 100k and 1M synthetic
documents plus the real data sets, and rewrites ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from . import DEFAULT_DATA_DIR, DEFAULT_OUT, REPO_ROOT
from .corpus import parse_size
from .peers import ENGINES
from .runner import Options, Runner


@dataclass(frozen=True)
class ModeDefaults:
    sizes: str
    per_class: int
    warmup: int
    budget: float
    http_duration: float
    http_pool: int


QUICK = ModeDefaults("2000", per_class=5, warmup=3, budget=30.0, http_duration=3.0, http_pool=3000)
FULL = ModeDefaults(
    "10k,100k,1M", per_class=100, warmup=20, budget=600.0, http_duration=15.0, http_pool=15000
)


def _csv(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmark searchsvc against naive Whoosh, SQLite FTS5 and tantivy.",
    )
    p.add_argument(
        "--quick", action="store_true", help="smoke test: 2,000 synthetic docs, 5 queries per class"
    )
    p.add_argument(
        "--sizes", help="synthetic corpus sizes, e.g. 10k,100k,1M (quick: 2000; full: 10k,100k,1M)"
    )
    p.add_argument(
        "--engines", default=",".join(ENGINES), help=f"comma-separated subset of {','.join(ENGINES)}"
    )
    p.add_argument("--corpus", help="synth, real or synth,real (quick: synth; full: synth,real)")
    p.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="folder with the real data sets")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default bench/out)")
    p.add_argument("--queries-per-class", type=int, help="queries per class (quick 5, full 100)")
    p.add_argument("--warmup", type=int, help="untimed queries before timing (quick 3, full 20)")
    p.add_argument(
        "--budget", type=float, help="seconds of querying per engine and size before cutting the mix short"
    )
    p.add_argument("--no-cached-pass", action="store_true", help="skip the repeated (cached) query pass")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--http", action="store_true", help="also run the searchsvc HTTP server under load")
    p.add_argument("--http-concurrency", default="1,4,16", help="client concurrency levels (default 1,4,16)")
    p.add_argument("--http-duration", type=float, help="seconds per concurrency level (quick 3, full 15)")
    p.add_argument("--http-pool", type=int, help="distinct HTTP queries to draw (split across levels)")
    p.add_argument(
        "--max-docs",
        action="append",
        default=[],
        metavar="ENGINE=N",
        help="skip ENGINE on corpora larger than N docs (e.g. naive_whoosh=100k); repeatable",
    )
    p.add_argument(
        "--in-process", action="store_true", help="run engines inside this process (faster, less isolated)"
    )
    p.add_argument("--keep-indexes", action="store_true", help="keep the indexes under OUT/indexes")
    p.add_argument("--no-chart", action="store_true", help="do not draw bench.png")
    p.add_argument(
        "--results-md",
        type=Path,
        help="where to write the RESULTS.md summary (full mode default: bench/RESULTS.md; quick: none)",
    )
    p.add_argument("--no-results-md", action="store_true", help="do not write RESULTS.md even in full mode")
    p.add_argument("--quiet", action="store_true")
    return p


def options_from_args(args: argparse.Namespace, argv: list[str]) -> Options:
    defaults = QUICK if args.quick else FULL
    engines = _csv(args.engines)
    unknown = [e for e in engines if e not in ENGINES]
    if unknown:
        raise SystemExit(f"unknown engine(s): {', '.join(unknown)}; known: {', '.join(ENGINES)}")
    max_docs: dict[str, int] = {}
    for item in args.max_docs:
        name, _, value = item.partition("=")
        if name not in ENGINES or not value:
            raise SystemExit(f"--max-docs expects ENGINE=N with a known engine, got {item!r}")
        max_docs[name] = parse_size(value)
    results_md = args.results_md
    if results_md is None and not args.quick:
        results_md = REPO_ROOT / "bench" / "RESULTS.md"
    if args.no_results_md:
        results_md = None
    corpora = _csv(args.corpus or ("synth" if args.quick else "synth,real"))
    for c in corpora:
        if c not in ("synth", "real"):
            raise SystemExit(f"--corpus: unknown corpus {c!r} (synth, real)")
    return Options(
        mode="quick" if args.quick else "full",
        sizes=[parse_size(s) for s in _csv(args.sizes or defaults.sizes)],
        engines=engines,
        corpora=corpora,
        data_dir=args.data_dir,
        out=args.out,
        per_class=args.queries_per_class or defaults.per_class,
        warmup=args.warmup if args.warmup is not None else defaults.warmup,
        budget_s=args.budget or defaults.budget,
        cached_pass=not args.no_cached_pass,
        seed=args.seed,
        in_process=args.in_process,
        keep_indexes=args.keep_indexes,
        http=args.http,
        http_levels=[int(c) for c in _csv(args.http_concurrency)],
        http_duration=args.http_duration or defaults.http_duration,
        http_pool=args.http_pool or defaults.http_pool,
        chart=not args.no_chart,
        results_md=results_md,
        max_docs=max_docs,
        command="python -m bench " + " ".join(shlex.quote(a) for a in argv),
        quiet=args.quiet,
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser().parse_args(argv)
    opts = options_from_args(args, argv)
    Runner(opts).run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
