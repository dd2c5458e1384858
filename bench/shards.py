"""One index against the same documents split into shards: ``python -m bench.shards``.

For each corpus size and each number of shards this builds an index in a fresh
temporary folder, then times searches on it and measures its memory:

- ``1`` shard is the baseline: one plain :class:`searchsvc.SearchEngine`
  folder, no Ray, built with ``bulk_index(procs=2)`` as the main bench builds
  searchsvc (``--baseline-indexing add`` builds it as the shards are built);
- ``N`` shards with ``--backend ray`` is :func:`searchsvc.cluster.start`: per
  shard one writer actor and ``--replicas`` searcher actors, each its own
  process, every search two calls per shard (statistics, then the search);
- ``N`` shards with ``--backend local`` is a
  :class:`~searchsvc.shards.ShardedEngine` over in-process engines, one folder
  each: the cost of splitting and merging without any process hop.

What is measured, per configuration:

- indexing docs/s: the synthetic corpus (bench/synth.py, read from the main
  bench's cache of it, so generating documents costs nothing here; reading
  them does, as in the main bench) added in batches of ``--batch`` documents
  and committed once at the end, timed from the first document read to the
  end of the commit. A commit holds everything it writes in memory, so a
  corpus larger than ``--commit-every`` documents gets a commit after each
  that many. Durability is each backend's own unless ``--durability`` says
  otherwise; the report says whether an engine kept a write log;
- search latency p50 and p95 per query class: the main bench's query classes,
  drawn by bench/queries.py from the same sample with the same seed, and asked
  through the main bench's own searchsvc peer (same query string, limit 10,
  facets and highlighting for the faceted class), so the figures compare with
  bench/RESULTS.md's "uncached" ones. Each query is timed once, in an order
  that interleaves the classes;
- memory: RSS summed over the process that searches (the driver) and, for
  Ray, every process of the Ray session this run started (its GCS, raylet,
  agents, idle workers and the shard actors), after the timed queries; PSS
  beside it, which counts pages shared between processes once;
- whether each configuration finds what the one index finds (same totals,
  same top 10 in the same order, ties included).

"Warm" means: the engine or every shard actor is open, the index was just
written and flushed (``os.sync()``), and ``--warmup`` single-word queries that
are not among the timed ones have run through the whole path first. Nothing
more: data a query class needs first (facet columns, say) is loaded by the
first timed query of that class on each engine or actor, as in the main bench.

Each configuration runs in a fresh process (``--in-process`` runs them all in
this one), and Ray is started for it and shut down after it, so no two
configurations share a process or a cache in memory.

What a machine with 2 cores can and cannot show: shards on one machine share
its CPUs with each other, with the driver and with Ray's own processes, so
more shards cannot make searching or indexing faster here in a way that
would carry over to more machines: two shards may at best use both cores, and
more only take turns. What the figures do show is the cost of
coordination: the local rows give the price of splitting a search and
merging its answers, the Ray rows add the price of the calls between
processes per shard, and the memory column the fixed cost of each shard
actor and of Ray itself. With the time a shard needs for its part of a larger
index (the baseline at that size divided by the shards), those are what a
capacity estimate for real machines is made of.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import itertools
import json
import multiprocessing
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Protocol

from . import DEFAULT_OUT, REPO_ROOT
from .corpus import CorpusSpec, ensure_synth, iter_docs, parse_size, size_label
from .peers.base import BenchQuery, PeerResult
from .peers.searchsvc_peer import SearchsvcPeer
from .queries import CLASSES, CorpusSample, QueryDrawer, interleave
from .runner import SAMPLE_DOCS, latency_table
from .stats import dir_size, machine, proc_status

#: Processes that build the baseline with ``bulk_index``, as the main bench's searchsvc peer asks.
BULK_PROCS = 2
#: Documents added between two commits of a sharded build: one commit up to this size, and a
#: commit's memory stays bounded beyond it.
COMMIT_EVERY = 100_000
#: Rows of the latency table: the classes, then all classes pooled.
ROWS: tuple[str, ...] = (*CLASSES, "all")
MIB = 2**20


class Engine(Protocol):
    """What this harness uses of SearchEngine and ShardedEngine alike."""

    def add(self, docs: Sequence[Mapping[str, Any]]) -> Any: ...
    def commit(self) -> None: ...
    def search(self, q: str | None = "", **params: Any) -> Any: ...
    def __len__(self) -> int: ...


@dataclass(frozen=True)
class Config:
    """One way to hold the index: ``backend`` is "single" (one SearchEngine), "local" or "ray"."""

    backend: str
    shards: int
    replicas: int = 1

    @property
    def label(self) -> str:
        if self.backend == "single":
            return "1 index"
        if self.backend == "local":
            return f"{self.shards} shards (local)"
        plural = "s" if self.replicas > 1 else ""
        return f"{self.shards} shards x {self.replicas} replica{plural} (ray)"

    @property
    def slug(self) -> str:
        return f"{self.backend}-{self.shards}x{self.replicas}"


@dataclass(frozen=True)
class Job:
    """Everything one configuration's run needs, as plain data (it may cross into a child process)."""

    config: Config
    corpus: dict[str, Any]
    queries: list[dict[str, Any]]
    warmup: list[dict[str, Any]]
    batch: int
    commit_every: int
    baseline_indexing: str
    durability: str | None


# -- command line -----------------------------------------------------------------------------------


def _csv(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def _positive_ints(text: str, option: str) -> list[int]:
    try:
        values = [int(item) for item in _csv(text)]
    except ValueError:
        raise SystemExit(f"{option} expects whole numbers separated by commas, got {text!r}") from None
    if not values or min(values) < 1:
        raise SystemExit(f"{option} expects numbers of at least 1, got {text!r}")
    return values


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench.shards",
        description="Indexing rate, search latency per query class and memory of one searchsvc index "
        "against the same documents in shards (in-process or Ray actors).",
    )
    p.add_argument("--sizes", default="10k", help="synthetic corpus sizes, e.g. 100k,1M (default 10k)")
    p.add_argument(
        "--shards", default="1,2,4", help="shard counts; 1 is one plain index, no Ray (default 1,2,4)"
    )
    p.add_argument("--replicas", default="1", help="searcher actors per shard, ray backend only (default 1)")
    p.add_argument(
        "--backend",
        default="ray",
        help="ray: searchsvc.cluster on a local Ray; local: in-process shards; ray,local: both (default ray)",
    )
    p.add_argument("--queries-per-class", type=int, default=100, help="timed queries per class (default 100)")
    p.add_argument("--warmup", type=int, default=20, help="untimed single-word queries first (default 20)")
    p.add_argument("--seed", type=int, default=42, help="corpus and query seed (default 42)")
    p.add_argument("--batch", type=int, default=1000, help="documents per add call (default 1000)")
    p.add_argument(
        "--commit-every",
        type=int,
        default=COMMIT_EVERY,
        help=f"commit after every N documents added, and at the end (default {COMMIT_EVERY:,}: one commit "
        "up to that size; 0: one commit whatever the size)",
    )
    p.add_argument(
        "--baseline-indexing",
        choices=("bulk", "add"),
        default="bulk",
        help="build the 1-index baseline with bulk_index (as the main bench does) or with add "
        "batches and commits as the shards are built (default bulk)",
    )
    p.add_argument(
        "--durability",
        choices=("none", "interval", "request"),
        help="the durability setting of every engine (default: each backend's own default)",
    )
    p.add_argument("--out", type=Path, default=DEFAULT_OUT / "shards", help="where results.json goes")
    p.add_argument(
        "--corpus-cache",
        type=Path,
        default=DEFAULT_OUT / "corpus",
        help="the synthetic corpus cache, shared with python -m bench (default bench/out/corpus)",
    )
    p.add_argument(
        "--in-process", action="store_true", help="run every configuration in this process (less isolated)"
    )
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    return p


def configurations(shards: Sequence[int], replicas: Sequence[int], backends: Sequence[str]) -> list[Config]:
    """One index for 1 shard; for more, each backend's, with every number of replicas on Ray."""
    out: list[Config] = []
    for n in sorted(set(shards)):
        if n == 1:
            out.append(Config("single", 1))
            continue
        for backend in backends:
            out += [Config("local", n)] if backend == "local" else [Config("ray", n, r) for r in replicas]
    return list(dict.fromkeys(out))


# -- one configuration ------------------------------------------------------------------------------


class _Peer(SearchsvcPeer):
    """The main bench's searchsvc peer asking an engine opened here (one index or shards)."""

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self._eng = engine

    def close(self) -> None:
        self._eng = None  # the engine is its opener's to close


def _settings(durability: str | None) -> Any:
    from searchsvc.settings import Settings

    return Settings(durability=durability) if durability else Settings()


@contextlib.contextmanager
def open_engine(config: Config, folder: Path, settings: Any) -> Iterator[tuple[Engine, str | None]]:
    """The configuration's engine over ``folder``, and the temporary folder of its Ray session."""
    from searchsvc import SearchEngine
    from searchsvc.shards import ShardedEngine

    if config.backend == "single":
        with SearchEngine(folder, settings=settings) as engine:
            yield engine, None
        return
    if config.backend == "local":
        engines = [SearchEngine(folder / f"shard-{n}", settings=settings) for n in range(config.shards)]
        try:
            with ShardedEngine(engines, settings) as sharded:
                yield sharded, None
        finally:
            for engine in engines:
                engine.close()
        return

    import ray

    from searchsvc import cluster

    # Ray's socket paths must stay short: its own folder under /tmp, whatever TMPDIR says.
    ray_dir = tempfile.mkdtemp(prefix="ray-", dir="/tmp")
    try:
        ray.init(include_dashboard=False, configure_logging=False, log_to_driver=False, _temp_dir=ray_dir)
        with cluster.start(
            folder, shards=config.shards, replicas=config.replicas, settings=settings
        ) as sharded:
            yield sharded, ray_dir
    finally:
        ray.shutdown()
        shutil.rmtree(ray_dir, ignore_errors=True)


def _commits(every: int, size: int) -> str:
    return f"a commit every {every:,} docs" if 0 < every < size else "one commit"


def index(engine: Any, job: Job) -> dict[str, Any]:
    """Add the corpus in batches and commit; the baseline may use ``bulk_index`` instead."""
    spec = CorpusSpec.from_json(job.corpus)
    single = job.config.backend == "single"
    if single and job.baseline_indexing == "bulk":
        start = time.perf_counter()
        summary = engine.bulk_index(iter_docs(spec), procs=BULK_PROCS)
        engine.commit()
        seconds = time.perf_counter() - start
        return {
            "method": f"bulk_index(procs={BULK_PROCS})",
            "seconds": round(seconds, 3),
            "add_seconds": None,
            "commit_seconds": None,
            "accepted": summary.added + summary.updated,
            "rejected": summary.rejected,
        }
    accepted = rejected = since_commit = 0
    add_s = commit_s = 0.0
    docs = iter_docs(spec)
    start = time.perf_counter()
    while True:
        t0 = time.perf_counter()
        batch = list(itertools.islice(docs, job.batch))
        if not batch:
            break
        summary = engine.add(batch)
        add_s += time.perf_counter() - t0
        accepted += summary.added + summary.updated
        rejected += summary.rejected
        since_commit += len(batch)
        if job.commit_every and since_commit >= job.commit_every:
            t0 = time.perf_counter()
            engine.commit()
            commit_s += time.perf_counter() - t0
            since_commit = 0
    t0 = time.perf_counter()
    engine.commit()
    commit_s += time.perf_counter() - t0
    seconds = time.perf_counter() - start
    commits = _commits(job.commit_every, spec.size)
    return {
        "method": f"add in batches of {job.batch:,}, {commits}",
        "seconds": round(seconds, 3),
        "add_seconds": round(add_s, 3),
        "commit_seconds": round(commit_s, 3),
        "accepted": accepted,
        "rejected": rejected,
    }


def _kind(cmdline: str, driver: bool) -> str:
    if driver:
        return "driver"
    if "ShardHost" in cmdline:
        return "shard actors"
    return "ray"


def memory(ray_dir: str | None) -> dict[str, Any]:
    """RSS and PSS of this process, plus every process of the Ray session using ``ray_dir``.

    Ray's processes are this process's descendants (GCS, raylet, and under it
    the workers and agents); any process whose command line names the
    session's own temporary folder is added in case one was started apart.
    """
    import psutil

    me = psutil.Process()
    procs: dict[int, Any] = {me.pid: me}
    if ray_dir is not None:
        procs.update((p.pid, p) for p in me.children(recursive=True))
        for p in psutil.process_iter(["cmdline"]):
            if p.pid not in procs and any(ray_dir in part for part in p.info["cmdline"] or ()):
                procs[p.pid] = p
                procs.update((c.pid, c) for c in p.children(recursive=True))
    rows: list[dict[str, Any]] = []
    for pid, p in sorted(procs.items()):
        try:
            info = p.memory_full_info()
            cmdline = " ".join(p.cmdline()) or p.name()
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
        rows.append(
            {
                "pid": pid,
                "kind": _kind(cmdline, pid == me.pid),
                "cmdline": cmdline[:120],
                "rss_bytes": info.rss,
                "pss_bytes": getattr(info, "pss", None),
                "peak_rss_bytes": proc_status(pid).get("VmHWM"),
            }
        )
    by_kind: dict[str, int] = {}
    for row in rows:
        by_kind[row["kind"]] = by_kind.get(row["kind"], 0) + row["rss_bytes"]
    pss = [row["pss_bytes"] for row in rows]
    return {
        "processes": len(rows),
        "rss_bytes": sum(row["rss_bytes"] for row in rows),
        "pss_bytes": sum(pss) if None not in pss else None,
        # Each process's own peak, added: at least the peak of the whole, as peaks need not coincide.
        "peak_rss_sum_bytes": sum(row["peak_rss_bytes"] or 0 for row in rows),
        "rss_by_kind_bytes": by_kind,
        "detail": rows,
    }


def _timed(peer: _Peer, query: BenchQuery) -> tuple[float, PeerResult | None, str | None]:
    start = time.perf_counter()
    try:
        result = peer.search(query)
    except Exception as exc:  # one failing query must not hide the others' figures
        return (time.perf_counter() - start) * 1000, None, f"{type(exc).__name__}: {exc}"
    return (time.perf_counter() - start) * 1000, result, None


def run_config(job: Job) -> dict[str, Any]:
    """Build, warm up, time and measure one configuration, and leave nothing behind."""
    from searchsvc.wal import FOLDER as WAL_FOLDER

    config = job.config
    queries = [BenchQuery.from_json(q) for q in job.queries]
    warmup = [BenchQuery.from_json(q) for q in job.warmup]
    out: dict[str, Any] = {"label": config.label, **asdict(config), "status": "error"}
    root = Path(tempfile.mkdtemp(prefix=f"searchsvc-shards-{config.slug}-"))
    try:
        start = time.perf_counter()
        with open_engine(config, root / "index", _settings(job.durability)) as (engine, ray_dir):
            out["start_seconds"] = round(time.perf_counter() - start, 3)
            build = index(engine, job)
            build["documents"] = len(engine)
            build["docs_per_s"] = round(build["accepted"] / build["seconds"], 1) if build["seconds"] else None
            out["indexing"] = build
            out["index_size_bytes"] = dir_size(root)
            # A write log's folder: some engine logged its writes (its durability was not "none").
            out["write_log"] = any(path.is_dir() for path in root.rglob(WAL_FOLDER))
            # As the main bench does: a build's pages written back before timing queries.
            os.sync()
            out["memory_after_indexing"] = memory(ray_dir)

            peer = _Peer(engine)
            warmup_errors = [error for query in warmup if (error := _timed(peer, query)[2])]
            out["warmup_errors"] = warmup_errors[:5]
            records: list[dict[str, Any]] = []
            for query in queries:
                ms, result, error = _timed(peer, query)
                record: dict[str, Any] = {"qid": query.qid, "ms": round(ms, 4)}
                if result is not None:
                    record.update(total=result.total, top_ids=result.top_ids)
                else:
                    record["error"] = error
                records.append(record)
            out["memory"] = memory(ray_dir)
            peer.close()
        errors = [r for r in records if "error" in r]
        out.update(
            status="ok",
            latency=latency_table(queries, records),
            errors=len(errors),
            first_errors=[f"{r['qid']}: {r['error']}" for r in errors[:5]],
            records=records,
        )
    except Exception as exc:
        out.update(error=f"{type(exc).__name__}: {exc}", traceback=traceback.format_exc())
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return out


def _child(job: Job, result_file: str) -> None:
    Path(result_file).write_text(json.dumps(run_config(job)))


def run_isolated(job: Job) -> dict[str, Any]:
    """:func:`run_config` in a fresh process, so that no configuration inherits another's memory."""
    with tempfile.TemporaryDirectory(prefix="searchsvc-shards-result-") as folder:
        result_file = Path(folder) / "result.json"
        child = multiprocessing.get_context("spawn").Process(
            target=_child, args=(job, str(result_file)), name=f"bench.shards {job.config.slug}"
        )
        child.start()
        try:
            child.join()
        except KeyboardInterrupt:
            # The child got the interrupt too: give it the time to stop its Ray.
            child.join(60)
            raise
        if result_file.exists():
            return dict(json.loads(result_file.read_text()))
        return {
            "label": job.config.label,
            **asdict(job.config),
            "status": "error",
            "error": f"the process of this configuration exited with {child.exitcode}",
        }


# -- reports ----------------------------------------------------------------------------------------


def agreement(baseline: Mapping[str, Any], other: Mapping[str, Any]) -> dict[str, Any]:
    """How many queries have the baseline's total, and its top 10 in the same order."""
    mine = {r["qid"]: r for r in baseline.get("records", []) if "error" not in r}
    both = [(mine[r["qid"]], r) for r in other.get("records", []) if "error" not in r and r["qid"] in mine]
    return {
        "queries": len(both),
        "same_total": sum(a["total"] == b["total"] for a, b in both),
        "same_top10": sum(a["top_ids"] == b["top_ids"] for a, b in both),
    }


def _ms(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def _mib(value: float | None) -> str:
    return "–" if value is None else f"{value / MIB:,.0f}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows] + [""]


def _indexing_cell(entry: Mapping[str, Any]) -> str:
    build = entry["indexing"]
    rate = f"{build['docs_per_s']:,.0f}" if build.get("docs_per_s") else "–"
    return f"{rate} ({'bulk_index' if build['method'].startswith('bulk') else 'add'})"


def markdown(results: Mapping[str, Any]) -> str:
    meta = results["meta"]
    m = meta["machine"]
    lines = [
        "# searchsvc: one index against shards",
        "",
        f"- Command: `{meta['command']}`",
        f"- Machine: {m['cores']} cores ({m['cpu'] or 'unknown CPU'}), {m['memory_bytes'] / 2**30:.1f} GiB, "
        f"Python {m['python']}, Ray {m.get('ray') or 'not installed'}; searchsvc at {m.get('git') or '?'}",
        f"- {meta['per_class']} queries per class, seed {meta['seed']}; latency in ms, each distinct query "
        f"timed once after {meta['warmup']} untimed single-word queries (warm: engine or actors open, "
        "index just written and flushed; nothing else primed), as bench/RESULTS.md's uncached figures.",
        f"- Indexing: the 1-index baseline with {meta['baseline_indexing']}; shards with add in batches "
        f"of {meta['batch']:,} and {meta['commits']}; docs/s from the first document read to the last commit.",
        "- RSS: after the timed queries, summed over the driver and, for Ray, every process of its "
        "session (PSS counts shared pages once).",
        "",
    ]
    for run in results["runs"]:
        entries = [e for e in results["configurations"] if e["size"] == run["size"]]
        ok = [e for e in entries if e["status"] == "ok"]
        lines += [f"## {size_label(run['size'])} documents", ""]
        header = ["configuration", "indexing docs/s", *(f"{c} p50 / p95" for c in ROWS), "RSS MiB"]
        rows = []
        for e in ok:
            cells = [f"{_ms(e['latency'][c]['p50'])} / {_ms(e['latency'][c]['p95'])}" for c in ROWS]
            rows.append([e["label"], _indexing_cell(e), *cells, _mib(e["memory"]["rss_bytes"])])
        lines += _table(header, rows)
        header = [
            "configuration",
            "start s",
            "index s (add / commit)",
            "index size MiB",
            "RSS MiB: driver / shard actors / Ray",
            "RSS MiB",
            "PSS MiB",
            "processes",
            "write log",
            "errors",
            "same total / top-10 ids in order as 1 index",
        ]
        rows = []
        for e in ok:
            build, mem = e["indexing"], e["memory"]
            kinds = mem["rss_by_kind_bytes"]
            split = (
                f" ({build['add_seconds']:.1f} / {build['commit_seconds']:.1f})"
                if build.get("add_seconds") is not None
                else ""
            )
            agree = e.get("agreement")
            rows.append(
                [
                    e["label"],
                    f"{e['start_seconds']:.1f}",
                    f"{build['seconds']:.1f}{split}",
                    _mib(e["index_size_bytes"]),
                    " / ".join(_mib(kinds.get(k, 0)) for k in ("driver", "shard actors", "ray")),
                    _mib(mem["rss_bytes"]),
                    _mib(mem["pss_bytes"]),
                    str(mem["processes"]),
                    "yes" if e.get("write_log") else "no",
                    f"{e['errors']} / {len(e['records'])}",
                    f"{agree['same_total']} / {agree['same_top10']} of {agree['queries']}" if agree else "–",
                ]
            )
        lines += _table(header, rows)
        for e in entries:
            if e["status"] != "ok":
                lines += [f"- {e['label']}: **{e['status']}**: {e.get('error')}"]
            for error in e.get("first_errors", []):
                lines += [f"- {e['label']}: query failed: {error}"]
        lines += [
            "",
            "Top-10 ids are compared in order: one index and shards alike break ties by id. "
            "Index s: reading, adding and committing; "
            "start s: opening the engine, or starting Ray and the shard actors.",
            "",
        ]
    return "\n".join(lines)


def _git() -> str | None:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + (" with uncommitted changes" if dirty else "")


def _version(package: str) -> str | None:
    try:
        return version(package)
    except PackageNotFoundError:
        return None


# -- everything -------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser().parse_args(argv)
    sizes = sorted({parse_size(s) for s in _csv(args.sizes)})
    shards = _positive_ints(args.shards, "--shards")
    replicas = _positive_ints(args.replicas, "--replicas")
    backends = _csv(args.backend)
    if not backends or set(backends) - {"ray", "local"}:
        raise SystemExit(f"--backend expects ray, local or ray,local, got {args.backend!r}")
    if "ray" not in backends and replicas != [1]:
        raise SystemExit("--replicas applies to the ray backend only: local shards have no replicas")
    if not sizes or min(sizes) < 1 or args.queries_per_class < 1 or args.batch < 1:
        raise SystemExit("--sizes, --queries-per-class and --batch must be positive")
    if args.warmup < 0 or args.commit_every < 0:
        raise SystemExit("--warmup and --commit-every must not be negative")
    configs = configurations(shards, replicas, backends)

    def log(message: str) -> None:
        if not args.quiet:
            print(f"[bench.shards {dt.datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)

    args.out.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now(dt.UTC)
    commits = _commits(args.commit_every, max(sizes))
    if args.commit_every and min(sizes) <= args.commit_every < max(sizes):
        commits += f" (one up to {args.commit_every:,} docs)"
    results: dict[str, Any] = {
        "meta": {
            "command": "python -m bench.shards " + " ".join(shlex.quote(a) for a in argv),
            "started": started.isoformat(timespec="seconds"),
            "machine": {
                **machine(),
                "ray": _version("ray"),
                "psutil": _version("psutil"),
                "whoosh": _version("whoosh"),
                "git": _git(),
            },
            "backends": backends,
            "configurations": [c.label for c in configs],
            "seed": args.seed,
            "per_class": args.queries_per_class,
            "warmup": args.warmup,
            "batch": args.batch,
            "commits": commits,
            "baseline_indexing": f"bulk_index(procs={BULK_PROCS})"
            if args.baseline_indexing == "bulk"
            else "add, as the shards",
            "durability": args.durability or "each backend's default",
            "isolated_processes": not args.in_process,
        },
        "runs": [],
        "configurations": [],
    }
    base = ensure_synth(args.corpus_cache, args.seed, max(sizes), log=log)
    for size in sizes:
        spec = CorpusSpec("synth", "synth", size, base.files, args.seed)
        start = time.perf_counter()
        read = sum(1 for _ in iter_docs(spec))
        read_s = time.perf_counter() - start
        drawer = QueryDrawer(
            CorpusSample.from_docs(iter_docs(spec), min(size, SAMPLE_DOCS["synth"])), args.seed
        )
        queries = drawer.draw(args.queries_per_class)
        warmup = drawer.warmup(args.warmup)
        results["runs"].append(
            {
                "size": size,
                "docs": read,
                "read_docs_per_s": round(read / read_s, 1) if read_s > 0 else None,
                "queries": [q.to_json() for q in queries],
                "warmup": [q.to_json() for q in warmup],
                "per_class": {c: sum(q.qclass == c for q in queries) for c in CLASSES},
            }
        )
        baseline: dict[str, Any] | None = None
        for config in configs:
            job = Job(
                config=config,
                corpus=spec.to_json(),
                queries=[q.to_json() for q in interleave(queries)],
                warmup=[q.to_json() for q in warmup],
                batch=args.batch,
                commit_every=args.commit_every,
                baseline_indexing=args.baseline_indexing,
                durability=args.durability,
            )
            log(f"{size_label(size)}: {config.label}: indexing and searching")
            entry = {"size": size, **(run_config(job) if args.in_process else run_isolated(job))}
            if entry["status"] == "ok":
                if config.backend == "single":
                    baseline = entry
                elif baseline is not None:
                    entry["agreement"] = agreement(baseline, entry)
                lat = entry["latency"]["all"]
                log(
                    f"{size_label(size)}: {config.label}: {entry['indexing']['docs_per_s']:,.0f} docs/s, "
                    f"all p50 {_ms(lat['p50'])} ms, p95 {_ms(lat['p95'])} ms, "
                    f"RSS {_mib(entry['memory']['rss_bytes'])} MiB"
                )
            else:
                log(f"{size_label(size)}: {config.label}: {entry['status']}: {entry.get('error')}")
            results["configurations"].append(entry)
            # Written as it goes: a run at 1M documents takes long and may be interrupted.
            (args.out / "results.json").write_text(json.dumps(results, indent=1, default=str))
    results["meta"]["seconds"] = round((dt.datetime.now(dt.UTC) - started).total_seconds(), 1)
    (args.out / "results.json").write_text(json.dumps(results, indent=1, default=str))
    report = markdown(results)
    (args.out / "results.md").write_text(report)
    print(report)
    log(f"wrote {args.out / 'results.json'} and {args.out / 'results.md'}")
    return 0 if all(e["status"] == "ok" for e in results["configurations"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
