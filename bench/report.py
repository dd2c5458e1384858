"""Markdown tables, the targets check, ``bench/RESULTS.md`` content and the chart."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .corpus import size_label
from .queries import CLASSES
from .stats import human_bytes

ROWS = (*CLASSES, "plain", "all")
TARGET_SIZE = 100_000
#: The size of the large-index targets (build time, latency and memory).
LARGE_SIZE = 1_000_000
#: RESULTS.md's section written by ``bench/relevance.py``; a full run carries it over verbatim.
RELEVANCE_START = "<!-- relevance:start -->"
RELEVANCE_END = "<!-- relevance:end -->"
RESULTS_MD = Path(__file__).resolve().parent / "RESULTS.md"


def _ms(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def _num(value: float | None, fmt: str = "{:,.0f}") -> str:
    return "–" if value is None else fmt.format(value)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines + [""]


def _ok_engines(run: Mapping[str, Any]) -> list[str]:
    return [e for e, v in run["engines"].items() if v.get("status") == "ok"]


def _lat(run: Mapping[str, Any], engine: str, row: str, kind: str = "uncached") -> Mapping[str, Any]:
    return dict(run["engines"].get(engine, {}).get("latency", {}).get(kind, {}).get(row, {}))


def _engines_table(run: Mapping[str, Any]) -> list[str]:
    rows = []
    for name, e in run["engines"].items():
        if e.get("status") != "ok":
            rows.append([name, f"{e.get('status')}: {str(e.get('reason', ''))[:90]}"] + ["–"] * 7)
            continue
        b, s = e["build"], e["search"]
        child = b.get("children_peak_rss_bytes")
        build_rss = human_bytes(b.get("peak_rss_bytes")) + (
            f" (+ workers {human_bytes(child)})" if child else ""
        )
        rows.append(
            [
                name,
                "ok",
                _num(b.get("docs_per_s")),
                _num(b.get("seconds"), "{:,.1f}"),
                human_bytes(b.get("size_bytes")),
                build_rss,
                human_bytes(s.get("rss_bytes")),
                _num(s.get("open_to_first_answer_s"), "{:.3f}"),
                f"{s.get('errors', 0)} / {s.get('queries_run', 0)}",
            ]
        )
    header = [
        "engine",
        "status",
        "index docs/s",
        "build s",
        "index size",
        "build peak RSS",
        "query RSS",
        "open → 1st answer s",
        "errors / queries",
    ]
    return _table(header, rows)


def _latency_section(run: Mapping[str, Any], kind: str) -> list[str]:
    engines = _ok_engines(run)
    if not engines:
        return ["(no engine ran)", ""]
    header = ["class", *(f"{e} p50 / p95 / p99" for e in engines), "n"]
    rows = []
    for row in ROWS:
        cells = []
        n = 0
        for e in engines:
            lat = _lat(run, e, row, kind)
            n = max(n, lat.get("n") or 0)
            cells.append(f"{_ms(lat.get('p50'))} / {_ms(lat.get('p95'))} / {_ms(lat.get('p99'))}")
        rows.append([f"**{row}**" if row in ("plain", "all") else row, *cells, str(n)])
    return _table(header, rows)


def _ratio_section(run: Mapping[str, Any]) -> list[str]:
    ratios = run.get("ratios") or {}
    if not ratios:
        return ["(no ratios: searchsvc did not run)", ""]
    peers = list(ratios)
    header = ["class", *(f"vs {p} p50 / p95" for p in peers)]
    rows = []
    for row in ROWS:
        cells = []
        for p in peers:
            r = ratios[p]["latency"].get(row, {})
            cells.append(f"{_num(r.get('p50'), '{:.3f}')} / {_num(r.get('p95'), '{:.3f}')}")
        rows.append([row, *cells])
    rows.append(["indexing docs/s", *(_num(ratios[p].get("indexing_speed"), "{:.2f}") for p in peers)])
    rows.append(["index size", *(_num(ratios[p].get("index_size"), "{:.2f}") for p in peers)])
    return _table(header, rows)


def _agreement_section(run: Mapping[str, Any]) -> list[str]:
    agr = run.get("agreement") or {}
    pairs = agr.get("pairs") or {}
    if not pairs:
        return ["(fewer than two engines ran)", ""]
    rows = []
    for pair, v in pairs.items():
        t, s, f = v["totals"].get("all", {}), v["totals_stem_safe"], v["facets"].get("all", {})
        rows.append(
            [
                pair.replace("~", " ~ "),
                f"{_num(t.get('pct'), '{:.1f}')} % of {t.get('n', 0)}",
                f"{_num(s.get('pct'), '{:.1f}')} % of {s.get('n', 0)}",
                f"{_num(f.get('pct'), '{:.1f}')} % of {f.get('n', 0)}",
                _num(v.get("top10_overlap"), "{:.2f}"),
            ]
        )
    lines = _table(
        ["pair", "totals equal", "totals equal (stem-safe)", "facet counts equal", "top-10 overlap"], rows
    )
    # Per class, totals only.
    header = ["class", *(p.replace("~", " ~ ") for p in pairs)]
    crow = []
    for c in CLASSES:
        crow.append([c, *(_num(pairs[p]["totals"].get(c, {}).get("pct"), "{:.0f} %") for p in pairs)])
    lines += ["Totals equal, per class:", ""] + _table(header, crow)
    allg = agr.get("all_engines_totals") or {}
    lines.append(
        f"All engines agree on the total for {_num(allg.get('pct'), '{:.1f}')} % of {allg.get('n', 0)} queries."
    )
    lines.append("")
    examples = agr.get("disagreements") or []
    if examples:
        lines.append("First disagreements (totals per engine):")
        lines.append("")
        for ex in examples[:12]:
            totals = ", ".join(f"{k} {v:,}" for k, v in ex["totals"].items())
            lines.append(f"- `{ex['qid']}` `{ex['query']}`: {totals}")
        lines.append("")
    return lines


def _http_section(http: Mapping[str, Any] | None) -> list[str]:
    if not http:
        return []
    lines = ["#### HTTP (searchsvc server, facets + highlight on every request)", ""]
    if http.get("status") != "ok":
        lines += [f"HTTP run {http.get('status')}: {http.get('reason') or http.get('error')}", ""]
        if http.get("server_log_tail"):
            lines += ["```", str(http["server_log_tail"])[-800:], "```", ""]
        return lines
    rows = []
    for c, lv in http["levels"].items():
        lat = lv["latency_ms"]
        rows.append(
            [
                c,
                _num(lv["qps"], "{:,.1f}"),
                _ms(lat["p50"]),
                _ms(lat["p95"]),
                _ms(lat["p99"]),
                f"{lv['errors']} / {lv['requests']}",
                str(lv.get("repeated_queries", 0)),
                human_bytes(lv.get("server_rss_bytes")),
            ]
        )
    cached = http.get("cached") or {}
    if cached:
        lat = cached["latency_ms"]
        rows.append(
            [
                f"{cached['concurrency']} (cached: 50 queries repeated)",
                _num(cached["qps"], "{:,.1f}"),
                _ms(lat["p50"]),
                _ms(lat["p95"]),
                _ms(lat["p99"]),
                f"{cached['errors']} / {cached['requests']}",
                str(cached.get("repeated_queries", 0)),
                "",
            ]
        )
    lines += _table(
        ["concurrency", "queries/s", "p50 ms", "p95 ms", "p99 ms", "errors", "repeated q", "server RSS"], rows
    )
    lines.append(
        f"Start to first answer {_num(http.get('start_to_first_answer_s'), '{:.2f}')} s; "
        f"highest sustained {_num(http.get('max_qps'), '{:,.1f}')} queries/s "
        f"(at concurrency {http.get('max_qps_concurrency')}); server RSS idle "
        f"{human_bytes(http.get('rss_idle_bytes'))}, after load {human_bytes(http.get('rss_bytes'))}."
    )
    lines.append("")
    return lines


def _growth_section(runs: Sequence[Mapping[str, Any]]) -> list[str]:
    synth = [r for r in runs if r["kind"] == "synth"]
    if len(synth) < 2:
        return []
    rows = []
    engines = list(dict.fromkeys(e for r in synth for e in _ok_engines(r)))
    for e in engines:
        for r in synth:
            en = r["engines"].get(e, {})
            if en.get("status") != "ok":
                continue
            plain, fac = _lat(r, e, "plain"), _lat(r, e, "faceted")
            rows.append(
                [
                    e,
                    size_label(r["size"]),
                    _num(en["build"].get("docs_per_s")),
                    human_bytes(en["build"].get("size_bytes")),
                    human_bytes(en["search"].get("rss_bytes")),
                    _ms(plain.get("p50")),
                    _ms(plain.get("p95")),
                    _ms(fac.get("p50")),
                    _ms(fac.get("p95")),
                ]
            )
    header = [
        "engine",
        "docs",
        "docs/s",
        "index size",
        "RSS",
        "plain p50",
        "plain p95",
        "faceted p50",
        "faceted p95",
    ]
    return ["## Growth (synthetic corpus, uncached, ms)", "", *_table(header, rows)]


# -- targets ------------------------------------------------------------------------


def target_run(runs: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    synth = [r for r in runs if r["kind"] == "synth"]
    if not synth:
        return None
    return min(synth, key=lambda r: abs(r["size"] - TARGET_SIZE))


def targets(results: Mapping[str, Any]) -> tuple[Mapping[str, Any] | None, list[dict[str, Any]]]:
    """Each target with its measured value and pass/fail (None = not measured)."""
    run = target_run(results["runs"])
    if run is None:
        return None, []
    me = run["engines"].get("searchsvc", {})
    ok = me.get("status") == "ok"
    ratios = run.get("ratios") or {}
    http = run.get("http") or {}
    c4 = (http.get("levels") or {}).get("4", {}) if http.get("status") == "ok" else {}
    out: list[dict[str, Any]] = []

    def add(name: str, value: float | None, passed: Callable[[float], bool], unit: str = "") -> None:
        out.append(
            {"target": name, "value": value, "unit": unit, "pass": None if value is None else passed(value)}
        )

    def lat(row: str, p: str) -> float | None:
        return _lat(run, "searchsvc", row).get(p) if ok else None

    add("faceted+highlighted p50 ≤ 10 ms", lat("faceted", "p50"), lambda v: v <= 10, "ms")
    add("faceted+highlighted p95 ≤ 50 ms", lat("faceted", "p95"), lambda v: v <= 50, "ms")
    add("plain p50 ≤ 5 ms", lat("plain", "p50"), lambda v: v <= 5, "ms")
    add("HTTP concurrency 4: p95 ≤ 60 ms", c4.get("latency_ms", {}).get("p95"), lambda v: v <= 60, "ms")
    add("HTTP concurrency 4: ≥ 150 queries/s", c4.get("qps"), lambda v: v >= 150, "q/s")
    add(
        "indexing ≥ 1,500 docs/s",
        me.get("build", {}).get("docs_per_s") if ok else None,
        lambda v: v >= 1500,
        "docs/s",
    )

    def inverse(value: float | None) -> float | None:
        return round(1 / value, 2) if value else None

    # The issue states the peer targets on the faceted and highlighted
    # queries; the same ratios over every query are shown beside them.
    naive = ratios.get("naive_whoosh", {})
    for row in ("faceted", "all"):
        add(
            f"vs naive Whoosh: p95 ≥ 20× lower ({row} queries)",
            inverse(naive.get("latency", {}).get(row, {}).get("p95")),
            lambda v: v >= 20,
            "×",
        )
    add("vs naive Whoosh: indexing ≥ 5× faster", naive.get("indexing_speed"), lambda v: v >= 5, "×")
    for row in ("faceted", "all"):
        fts = ratios.get("fts5", {}).get("latency", {}).get(row, {})
        add(f"vs FTS5: lower p50 ({row} queries; ratio < 1)", fts.get("p50"), lambda v: v < 1, "ratio")
        add(f"vs FTS5: lower p95 ({row} queries; ratio < 1)", fts.get("p95"), lambda v: v < 1, "ratio")
    for row in ("faceted", "all"):
        tv = ratios.get("tantivy", {}).get("latency", {}).get(row, {})
        add(f"vs tantivy: p50 within 5× ({row} queries; ratio ≤ 5)", tv.get("p50"), lambda v: v <= 5, "ratio")
    # Issue 30's targets: every class within 2× of tantivy, p50 and p95; indexing within 3×.
    tantivy = ratios.get("tantivy", {})
    for p in ("p50", "p95"):
        worst = _worst_class(tantivy.get("latency", {}), p)
        name = f" (worst: {worst[0]})" if worst else ""
        add(
            f"vs tantivy: {p} within 2×, every class{name}",
            worst[1] if worst else None,
            lambda v: v <= 2,
            "ratio",
        )
    add(
        "vs tantivy: indexing within 3× (tantivy's rate / ours)",
        inverse(tantivy.get("indexing_speed")),
        lambda v: v <= 3,
        "ratio",
    )
    add("RSS ≤ 1 GiB", _rss_mib(run), lambda v: v <= 1024, "MiB")
    large = next((r for r in results["runs"] if r["kind"] == "synth" and r["size"] == LARGE_SIZE), None)
    if large is not None:
        big = large["engines"].get("searchsvc", {})
        big_ok = big.get("status") == "ok"
        build_s = big.get("build", {}).get("seconds") if big_ok else None
        add(
            "1M: index built in ≤ 20 min",
            round(build_s / 60, 2) if build_s else None,
            lambda v: v <= 20,
            "min",
        )
        add(
            "1M: faceted+highlighted p95 ≤ 200 ms",
            _lat(large, "searchsvc", "faceted").get("p95") if big_ok else None,
            lambda v: v <= 200,
            "ms",
        )
        add("1M: RSS ≤ 4 GiB", _rss_mib(large), lambda v: v <= 4096, "MiB")
        worst = _worst_class((large.get("ratios") or {}).get("tantivy", {}).get("latency", {}), "p95")
        add(
            f"1M: vs tantivy: p95 within 3×, every class{f' (worst: {worst[0]})' if worst else ''}",
            worst[1] if worst else None,
            lambda v: v <= 3,
            "ratio",
        )
    return run, out


def _worst_class(latency: Mapping[str, Mapping[str, float | None]], p: str) -> tuple[str, float] | None:
    """The query class whose ``p`` ratio to a peer is highest, and that ratio; None unmeasured."""
    measured = [(c, latency[c][p]) for c in CLASSES if latency.get(c, {}).get(p)]
    if not measured:
        return None
    name, ratio = max(measured, key=lambda item: item[1] or 0.0)
    return name, float(ratio or 0.0)


def _rss_mib(run: Mapping[str, Any]) -> float | None:
    """The larger of the HTTP server's and the in-process query phase's RSS."""
    me = run["engines"].get("searchsvc", {})
    http = run.get("http") or {}
    in_process = me.get("search", {}).get("rss_bytes") if me.get("status") == "ok" else None
    rss = [x for x in (http.get("rss_bytes"), in_process) if x]
    return round(max(rss) / 2**20, 1) if rss else None


def _targets_section(results: Mapping[str, Any]) -> list[str]:
    run, rows = targets(results)
    if run is None:
        return []
    where = f"synthetic corpus, {size_label(run['size'])} docs; rows marked 1M at {size_label(LARGE_SIZE)}"
    if run["size"] != TARGET_SIZE:
        where += f"; the targets are stated at {size_label(TARGET_SIZE)}, which this run did not index"
    lines = [f"## Targets ({where})", ""]
    table = []
    for t in rows:
        status = "not measured" if t["pass"] is None else ("PASS" if t["pass"] else "FAIL")
        value = "–" if t["value"] is None else f"{t['value']:,.2f} {t['unit']}"
        table.append([t["target"], value, status])
    lines += _table(["target", "measured", "status"], table)
    lines.append(
        "Ratios are searchsvc / peer, over every measured query; latency ratios below 1 mean searchsvc is faster. "
        "RSS is the larger of the HTTP server's and the in-process query phase's."
    )
    lines.append("")
    return lines


# -- documents ----------------------------------------------------------------------


def _machine_line(meta: Mapping[str, Any]) -> str:
    m = meta.get("machine", {})
    return (
        f"{m.get('cores')} cores ({m.get('cpu') or 'unknown CPU'}), {human_bytes(m.get('memory_bytes'))} RAM, "
        f"Python {m.get('python')}, {m.get('platform')}"
    )


def relevance_section(text: str) -> str | None:
    """The relevance section of a RESULTS.md text, markers included, or None."""
    start = text.find(RELEVANCE_START)
    end = text.find(RELEVANCE_END, start)
    if start < 0 or end < 0:
        return None
    return text[start : end + len(RELEVANCE_END)]


def markdown(
    results: Mapping[str, Any], *, for_results_md: bool = False, previous: Path | None = None
) -> str:
    """The report; ``for_results_md`` keeps the relevance section of ``previous`` at its end."""
    meta = results["meta"]
    lines: list[str] = []
    if for_results_md:
        lines += [
            "# Benchmark results",
            "",
            "Latest full run of the `bench/` harness, written by `python -m bench` (regenerate it the same way; "
            "the raw figures are in `bench/out/results.json` and the chart in `bench/out/bench.png`).",
            "",
        ]
    else:
        lines += [f"# searchsvc benchmark ({meta.get('mode')} mode)", ""]
    lines += [
        f"- Command: `{meta.get('command')}`",
        f"- Machine: {_machine_line(meta)}",
        f"- Started {meta.get('started')}, took {_num(meta.get('seconds'), '{:,.0f}')} s; seed {meta.get('seed')}; "
        f"{meta.get('per_class')} queries per class, time budget {meta.get('budget_s')} s per engine and size; "
        "engines "
        + (
            "each in its own process."
            if meta.get("isolated_processes")
            else "in the harness process (RSS figures are the whole process's, not one engine's)."
        ),
    ]
    for engine, reason in (meta.get("unavailable") or {}).items():
        lines.append(f"- {engine} skipped: {reason}")
    for note in meta.get("notes") or []:
        lines.append(f"- {note}")
    lines += [
        "",
        "Latencies are in milliseconds, measured in-process (library call to result), each distinct query "
        'timed once with caches off ("uncached"); "cached" repeats the same queries after a priming pass. '
        "Plain classes ask for the exact total and the top 10 ids; the faceted class also asks for facet "
        "counts on source, category and month and for highlighted snippets of the top 10. "
        "`plain` pools every class but faceted; `all` pools every class.",
        "",
    ]
    lines += _targets_section(results)
    lines += _growth_section(results["runs"])
    for run in results["runs"]:
        lines += [f"## {run['corpus']} corpus, {run['docs']:,} docs", ""]
        q = run["queries"]
        lines.append(
            f"{q['count']} queries ({q['stem_safe']} stem-safe), drawn from the first "
            f"{q['bands'].get('sample_docs'):,} docs; document frequency bands in that sample: "
            f"low {q['bands'].get('low_df')}, mid {q['bands'].get('mid_df')}, high {q['bands'].get('high_df')}. "
            f"Reading the corpus alone: {_num(run.get('read_docs_per_s'))} docs/s."
        )
        lines.append("")
        lines += ["### Engines", "", *_engines_table(run)]
        lines += ["### Latency, uncached (ms)", "", *_latency_section(run, "uncached")]
        lines += ["### Latency, cached / repeated (ms)", "", *_latency_section(run, "cached")]
        lines += ["### Ratios searchsvc / peer", "", *_ratio_section(run)]
        lines += ["### Agreement between engines", "", *_agreement_section(run)]
        lines += _http_section(run.get("http"))
    kept = previous.read_text(encoding="utf-8") if for_results_md and previous and previous.exists() else ""
    if section := relevance_section(kept):
        lines += ["", section]
    return "\n".join(lines).rstrip() + "\n"


def placeholder_results_md() -> str:
    return (
        "# Benchmark results\n\n"
        "No full run yet. Produce this file with `python -m bench --http` (full mode), which rewrites it "
        "with the machine, the command, the targets table and every figure.\n"
    )


# -- chart ---------------------------------------------------------------------------


def chart(results: Mapping[str, Any], path: Path) -> Path | None:
    """Latency per class at the target size and the growth curve; None without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    runs = results["runs"]
    run = target_run(runs) or (runs[0] if runs else None)
    if run is None:
        return None
    engines = _ok_engines(run)
    synth = [r for r in runs if r["kind"] == "synth"]
    all_engines = list(dict.fromkeys([*engines, *(e for r in synth for e in _ok_engines(r))]))
    # One colour per engine across the three panels.
    colour = {e: f"C{i}" for i, e in enumerate(all_engines)}
    fig, axes = plt.subplots(1, 3, figsize=(18, 5.5))
    ax = axes[0]
    width = 0.8 / max(1, len(engines))
    xs = range(len(ROWS))
    for i, e in enumerate(engines):
        p50 = [_lat(run, e, r).get("p50") or 0 for r in ROWS]
        p95 = [_lat(run, e, r).get("p95") or 0 for r in ROWS]
        pos = [x + i * width for x in xs]
        bars = ax.bar(pos, p50, width, label=f"{e} p50")
        ax.scatter(
            pos, p95, marker="_", s=120, color=bars.patches[0].get_facecolor() if bars.patches else None
        )
    ax.set_xticks([x + width * (len(engines) - 1) / 2 for x in xs])
    ax.set_xticklabels(ROWS, rotation=45, ha="right")
    ax.set_yscale("log")
    ax.set_ylabel("ms (bar p50, tick p95)")
    ax.set_title(f"Latency per class, {run['corpus']} {size_label(run['size'])}")
    ax.legend(fontsize=8)

    for e in all_engines:
        pts = [(r["size"], r["engines"][e]) for r in synth if r["engines"].get(e, {}).get("status") == "ok"]
        if not pts:
            continue
        sizes = [p[0] for p in pts]
        axes[1].plot(
            sizes,
            [p[1]["latency"]["uncached"]["all"]["p95"] or float("nan") for p in pts],
            "o-",
            color=colour[e],
            label=f"{e} all p95",
        )
        axes[1].plot(
            sizes,
            [p[1]["latency"]["uncached"]["faceted"]["p50"] or float("nan") for p in pts],
            "s--",
            color=colour[e],
            label=f"{e} faceted p50",
        )
        axes[2].plot(sizes, [p[1]["build"]["docs_per_s"] for p in pts], "o-", color=colour[e], label=e)
    for ax, title, ylabel in (
        (axes[1], "Growth: latency vs corpus size", "ms"),
        (axes[2], "Indexing throughput", "docs/s"),
    ):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("documents")
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        if ax.has_data():
            ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
