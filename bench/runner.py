"""Orchestration: corpora x sizes x engines, then agreement, HTTP and reports."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import REPO_ROOT
from .agreement import compare
from .corpus import CorpusSpec, ensure_synth, iter_docs, real_corpus
from .peers import ENGINES, BenchQuery, availability
from .queries import CLASSES, FACETED_CLASSES, CorpusSample, QueryDrawer, interleave
from .stats import machine, summarize
from .worker import run_phase

#: Queries are drawn from at most this many leading documents. For the
#: synthetic corpus that makes 10k, 100k and 1M share one query set.
SAMPLE_DOCS = {"synth": 10_000, "real": 50_000}


@dataclass
class Options:
    mode: str = "quick"
    sizes: list[int] = field(default_factory=lambda: [2000])
    engines: list[str] = field(default_factory=lambda: list(ENGINES))
    corpora: list[str] = field(default_factory=lambda: ["synth"])
    data_dir: Path = Path("/work/shared/data")
    out: Path = REPO_ROOT / "bench" / "out"
    per_class: int = 5
    warmup: int = 3
    budget_s: float = 60.0
    cached_pass: bool = True
    seed: int = 42
    in_process: bool = False
    keep_indexes: bool = False
    http: bool = False
    http_levels: list[int] = field(default_factory=lambda: [1, 4, 16])
    http_duration: float = 10.0
    http_pool: int = 6000
    chart: bool = True
    results_md: Path | None = None
    max_docs: dict[str, int] = field(default_factory=dict)
    command: str = ""
    quiet: bool = False


class Runner:
    def __init__(self, opts: Options) -> None:
        self.opts = opts
        self.samples: dict[tuple[str, int], CorpusSample] = {}

    def log(self, msg: str) -> None:
        if not self.opts.quiet:
            stamp = dt.datetime.now().strftime("%H:%M:%S")
            print(f"[bench {stamp}] {msg}", file=sys.stderr, flush=True)

    # -- phases -------------------------------------------------------------------

    def _phase(self, phase: str, params: dict[str, Any], work: Path) -> dict[str, Any]:
        if self.opts.in_process:
            return run_phase(phase, params)
        stem = f"{params['engine']}.{phase}"
        params_file, out_file, log_file = (
            work / f"{stem}.params.json",
            work / f"{stem}.out.json",
            work / f"{stem}.log",
        )
        params_file.write_text(json.dumps(params))
        out_file.unlink(missing_ok=True)
        env = dict(os.environ)
        env["PYTHONPATH"] = str(REPO_ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        with open(log_file, "wb") as log:
            proc = subprocess.run(
                [sys.executable, "-m", "bench.worker", phase, str(params_file), str(out_file)],
                cwd=REPO_ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        if out_file.exists():
            return dict(json.loads(out_file.read_text()))
        tail = log_file.read_text(errors="replace")[-2000:]
        return {"status": "error", "error": f"worker exited with {proc.returncode}", "log_tail": tail}

    def _sample(self, spec: CorpusSpec) -> CorpusSample:
        limit = min(spec.size, SAMPLE_DOCS.get(spec.kind, 10_000))
        key = (spec.files[0], limit)
        if key not in self.samples:
            self.samples[key] = CorpusSample.from_docs(iter_docs(spec), limit)
        return self.samples[key]

    # -- one corpus at one size ---------------------------------------------------------

    def run_corpus(self, spec: CorpusSpec, unavailable: Mapping[str, str]) -> dict[str, Any]:
        opts = self.opts
        work = opts.out / "runs" / spec.label
        work.mkdir(parents=True, exist_ok=True)
        self.log(f"{spec.label}: drawing queries")
        drawer = QueryDrawer(self._sample(spec), opts.seed)
        queries = drawer.draw(opts.per_class)
        warmup = drawer.warmup(opts.warmup)
        ordered = interleave(queries)
        (work / "queries.json").write_text(
            json.dumps(
                {"queries": [q.to_json() for q in queries], "warmup": [q.to_json() for q in warmup]}, indent=1
            )
        )

        # What reading the corpus alone costs: part of every engine's build time.
        start = time.perf_counter()
        n_read = sum(1 for _ in iter_docs(spec))
        read_s = time.perf_counter() - start

        run: dict[str, Any] = {
            "corpus": spec.name,
            "kind": spec.kind,
            "size": spec.size,
            "label": spec.label,
            "docs": n_read,
            "read_docs_per_s": round(n_read / read_s, 1) if read_s > 0 else None,
            "queries": {
                "count": len(queries),
                "per_class": {c: sum(q.qclass == c for q in queries) for c in CLASSES},
                "stem_safe": sum(q.stem_safe for q in queries),
                "bands": drawer.thresholds,
            },
            "engines": {},
        }
        records: dict[str, list[dict[str, Any]]] = {}
        index_root = opts.out / "indexes" / spec.label
        for engine in opts.engines:
            entry: dict[str, Any] = {}
            run["engines"][engine] = entry
            if engine in unavailable:
                entry.update(status="skipped", reason=unavailable[engine])
                continue
            cap = opts.max_docs.get(engine)
            if cap is not None and spec.size > cap:
                entry.update(status="skipped", reason=f"--max-docs {engine}={cap}")
                continue
            index_dir = index_root / engine
            self.log(f"{spec.label}: {engine}: building")
            build = self._phase(
                "build", {"engine": engine, "corpus": spec.to_json(), "index_dir": str(index_dir)}, work
            )
            entry["build"] = build
            if build.get("status") != "ok":
                entry.update(status=build.get("status"), reason=build.get("reason") or build.get("error"))
                self.log(f"{spec.label}: {engine}: build {entry['status']}: {entry['reason']}")
                continue
            self.log(
                f"{spec.label}: {engine}: {build['docs_per_s']:,.0f} docs/s, "
                f"{build['size_bytes'] / 2**20:,.1f} MiB; querying"
            )
            # A build leaves much of its index in the page cache, not yet
            # written back: flushed first, or the queries of a large index are
            # timed while the kernel writes gigabytes (at 1M articles: p95 of
            # rare single words 155 ms during writeback, 10 ms after).
            os.sync()
            params = {
                "engine": engine,
                "index_dir": str(index_dir),
                "queries": [q.to_json() for q in ordered],
                "warmup": [q.to_json() for q in warmup],
                "budget_s": opts.budget_s,
                "cached_pass": opts.cached_pass,
            }
            search = self._phase("search", params, work)
            if search.get("status") != "ok":
                entry.update(status=search.get("status"), reason=search.get("reason") or search.get("error"))
                entry["search"] = search
                self.log(f"{spec.label}: {engine}: search {entry['status']}: {entry['reason']}")
                continue
            uncached = search.pop("uncached")
            cached = search.pop("cached")
            (work / f"{engine}.queries.json").write_text(json.dumps({"uncached": uncached, "cached": cached}))
            records[engine] = uncached
            errors = [r for r in uncached if "error" in r]
            entry.update(
                status="ok",
                search={
                    **{k: v for k, v in search.items() if k != "engine"},
                    "queries_run": len(uncached),
                    "errors": len(errors),
                    "first_errors": [f"{r['qid']}: {r['error']}" for r in errors[:5]],
                    "snippets_nonempty_pct": _snippet_pct(uncached),
                },
                engine=search.get("engine", {}),
                latency={
                    "uncached": latency_table(queries, uncached),
                    "cached": latency_table(queries, cached),
                },
            )
            lat = entry["latency"]["uncached"]
            self.log(
                f"{spec.label}: {engine}: {len(uncached)} queries, all p50 {_fmt(lat['all']['p50'])} ms, "
                f"p95 {_fmt(lat['all']['p95'])} ms"
            )
            if engine == "searchsvc" and opts.http:
                # Straight after its own queries, as the in-process figures
                # are taken: while the peers build, this machine pages the
                # idle index out of the page cache, and at 1M articles the
                # server then read it from disk (8.7 queries/s at concurrency
                # 1, start to first answer 5.3 s, instead of 28.7 and 1.6 s).
                run["http"] = self._http(spec, drawer, queries, entry, index_root)

        run["agreement"] = compare(queries, records)
        run["ratios"] = ratios(run["engines"])
        if opts.http and "http" not in run:
            run["http"] = self._http(spec, drawer, queries, run["engines"].get("searchsvc", {}), index_root)
        if not opts.keep_indexes:
            shutil.rmtree(index_root, ignore_errors=True)
        return run

    def _http(
        self,
        spec: CorpusSpec,
        drawer: QueryDrawer,
        queries: Sequence[BenchQuery],
        searchsvc: Mapping[str, Any],
        index_root: Path,
    ) -> dict[str, Any]:
        if searchsvc.get("status") != "ok":
            return {"status": "skipped", "reason": "the searchsvc index was not built in this run"}
        from .http_bench import run_http

        self.log(f"{spec.label}: HTTP load against the searchsvc server")
        pool = drawer.pool(self.opts.http_pool, used_keys=queries)
        return run_http(
            index_root / "searchsvc",
            pool,
            self.opts.out / "runs" / spec.label / "http",
            levels=self.opts.http_levels,
            duration=self.opts.http_duration,
            log=self.log,
        )

    # -- everything ---------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        opts = self.opts
        opts.out.mkdir(parents=True, exist_ok=True)
        started = dt.datetime.now(dt.UTC)
        unavailable = {e: r for e in opts.engines if (r := availability(e)) is not None}
        for engine, reason in unavailable.items():
            self.log(f"skipping {engine}: {reason}")
        specs: list[CorpusSpec] = []
        notes: list[str] = []
        if "synth" in opts.corpora and opts.sizes:
            base = ensure_synth(opts.out / "corpus", opts.seed, max(opts.sizes), log=self.log)
            specs += [CorpusSpec("synth", "synth", n, base.files, opts.seed) for n in sorted(opts.sizes)]
        if "real" in opts.corpora:
            real = real_corpus(opts.data_dir)
            if real is None:
                notes.append(f"real data not found under {opts.data_dir}: skipped")
                self.log(notes[-1])
            else:
                specs.append(real)
        results: dict[str, Any] = {
            "meta": {
                "mode": opts.mode,
                "command": opts.command,
                "started": started.isoformat(timespec="seconds"),
                "machine": machine(),
                "seed": opts.seed,
                "per_class": opts.per_class,
                "budget_s": opts.budget_s,
                "isolated_processes": not opts.in_process,
                "engines": opts.engines,
                "unavailable": unavailable,
                "notes": notes,
                "http": opts.http,
            },
            "runs": [],
        }
        for spec in specs:
            results["runs"].append(self.run_corpus(spec, unavailable))
            # Write as we go: a full run takes hours and may be interrupted.
            self._write(results, final=False)
        results["meta"]["seconds"] = round((dt.datetime.now(dt.UTC) - started).total_seconds(), 1)
        self._write(results, final=True)
        return results

    def _write(self, results: dict[str, Any], *, final: bool) -> None:
        from .report import chart, markdown

        out = self.opts.out
        (out / "results.json").write_text(json.dumps(results, indent=1, default=str))
        if not final:
            return
        md = markdown(results)
        (out / "results.md").write_text(md)
        if self.opts.chart:
            png = chart(results, out / "bench.png")
            results["meta"]["chart"] = str(png) if png else None
            (out / "results.json").write_text(json.dumps(results, indent=1, default=str))
        if self.opts.results_md is not None:
            self.opts.results_md.write_text(
                markdown(results, for_results_md=True, previous=self.opts.results_md)
            )
        self.log(f"wrote {out / 'results.json'} and {out / 'results.md'}")


# -- summaries ---------------------------------------------------------------------------


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _snippet_pct(records: Sequence[Mapping[str, Any]]) -> float | None:
    with_snippets = [r for r in records if "snippets_nonempty" in r and r.get("top_ids")]
    if not with_snippets:
        return None
    shown = sum(len(r["top_ids"]) for r in with_snippets)
    return round(100.0 * sum(r["snippets_nonempty"] for r in with_snippets) / shown, 1)


def latency_table(queries: Sequence[BenchQuery], records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Per-class latency summaries plus pooled "plain" (no facets) and "all"."""
    qclass = {q.qid: q.qclass for q in queries}
    by_class: dict[str, list[float]] = defaultdict(list)
    for r in records:
        if "error" in r or r["qid"] not in qclass:
            continue
        c = qclass[r["qid"]]
        by_class[c].append(r["ms"])
        by_class["all"].append(r["ms"])
        if c not in FACETED_CLASSES:
            by_class["plain"].append(r["ms"])
    return {c: summarize(by_class.get(c, [])) for c in (*CLASSES, "plain", "all")}


def ratios(engines: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """searchsvc / peer for latency (below 1: searchsvc faster) and indexing speed
    (above 1: searchsvc faster)."""
    me = engines.get("searchsvc", {})
    if me.get("status") != "ok":
        return {}
    out: dict[str, Any] = {}
    for name, peer in engines.items():
        if name == "searchsvc" or peer.get("status") != "ok":
            continue
        lat: dict[str, Any] = {}
        for c, mine in me["latency"]["uncached"].items():
            theirs = peer["latency"]["uncached"].get(c, {})
            lat[c] = {
                p: (round(mine[p] / theirs[p], 3) if mine.get(p) and theirs.get(p) else None)
                for p in ("p50", "p95", "p99")
            }
        my_rate, their_rate = me["build"].get("docs_per_s"), peer["build"].get("docs_per_s")
        out[name] = {
            "latency": lat,
            "indexing_speed": round(my_rate / their_rate, 3) if my_rate and their_rate else None,
            "index_size": round(me["build"]["size_bytes"] / peer["build"]["size_bytes"], 3)
            if peer["build"].get("size_bytes")
            else None,
        }
    return out
