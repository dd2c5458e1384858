"""The index check: checksums recorded at each commit, `searchsvc check`, and a server that
refuses a damaged index."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from test_global_statistics import corpus
from test_snapshot import BatchWriter

from searchsvc import IndexCheck, SearchEngine, SearchsvcError, Settings, check_index
from searchsvc.cli import cli
from searchsvc.errors import IndexCorrupt, IndexNotFound, InvalidInput
from searchsvc.server import verify_index
from searchsvc.shards import open_shards
from searchsvc.store.checksums import CHECKSUMS_EXT
from searchsvc.store.integrity import SharedCount
from searchsvc.store.writer import writing


def run(folder: Path, *args: str) -> Any:
    return CliRunner().invoke(cli, ["--index-dir", str(folder), *args])


def built(folder: Path) -> Path:
    """An index of three commits: added, added again, one document deleted."""
    with SearchEngine(folder, variants=None) as engine:
        engine.add(corpus(120))
        engine.commit()
        engine.add(corpus(160)[120:])
        engine.commit()
        engine.delete(["doc-5"])
        engine.commit()
    return folder


def generation(folder: Path) -> Path:
    return folder / json.loads((folder / "searchsvc.json").read_text())["generation"]


def segment_files(folder: Path) -> list[Path]:
    return sorted(generation(folder).glob("MAIN_*.seg"))


def flip(path: Path, offset: int) -> None:
    with open(path, "r+b") as fh:
        fh.seek(offset)
        byte = fh.read(1)
        fh.seek(offset)
        fh.write(bytes([byte[0] ^ 0x55]))


def test_a_sound_index_checks_clean_and_counts_what_it_read(tmp_path) -> None:
    folder = built(tmp_path / "ix")
    report = check_index(folder)
    assert report.ok, report.problems
    assert (report.documents, report.deleted) == (159, 1)
    assert report.stored == 160  # a deleted document stays stored until a merge
    assert report.segments == len(segment_files(folder)) == report.files
    assert report.unrecorded == 0
    assert report.terms > 0 and report.postings >= report.terms and report.positions > 0
    assert report.bytes == sum(f.stat().st_size for f in segment_files(folder))

    done = run(folder, "check")
    assert done.exit_code == 0, done.output
    assert "159 documents, 1 deleted" in done.output
    assert "no problems found" in done.output


def test_every_segment_written_has_its_checksums_and_merged_ones_lose_theirs(tmp_path) -> None:
    folder = tmp_path / "ix"
    with SearchEngine(folder, variants=None) as engine:
        # Many small commits: Whoosh merges segments along the way.
        for start in range(0, 300, 10):
            engine.add(corpus(300)[start : start + 10])
            engine.commit()
        engine.bulk_index(iter(corpus(400)[300:]), procs=2)
    live = generation(folder)
    segments = {p.name.removesuffix(".seg") for p in live.glob("MAIN_*.seg")}
    sums = {p.name.removesuffix(CHECKSUMS_EXT) for p in live.glob("MAIN_*" + CHECKSUMS_EXT)}
    assert segments == sums
    assert len(segments) < 30  # merged along the way
    assert check_index(folder).ok


def test_a_rebuilt_index_has_checksums_too(tmp_path) -> None:
    folder = tmp_path / "ix"
    with SearchEngine(folder, variants=None) as engine:
        engine.rebuild(iter(corpus(200)), procs=2)
    report = check_index(folder)
    assert report.ok and report.unrecorded == 0 and report.files >= 1


@pytest.mark.parametrize("where", [0.0, 0.3, 0.5, 0.8, 1.0])
def test_a_flipped_byte_anywhere_in_a_segment_is_reported(tmp_path, where) -> None:
    folder = built(tmp_path / "ix")
    damaged = max(segment_files(folder), key=lambda p: p.stat().st_size)
    flip(damaged, min(int(damaged.stat().st_size * where), damaged.stat().st_size - 1))

    quick = check_index(folder, full=False)
    assert not quick.ok
    assert any(damaged.name in p and "does not match its checksum" in p for p in quick.problems)

    done = run(folder, "check")
    assert done.exit_code == 1
    assert f"problem: segment {damaged.stem}: file {damaged.name} does not match its checksum" in done.output
    assert done.stderr.startswith("Error: the index is damaged:") and done.stderr.count("\n") == 1
    # The damaged file is a problem, not among the files whose checksums were verified.
    sound = len(segment_files(folder)) - 1
    assert quick.files == sound
    assert f"verified the checksums of {sound} file" in done.output


def test_a_truncated_segment_is_reported_with_its_sizes(tmp_path) -> None:
    folder = built(tmp_path / "ix")
    damaged = segment_files(folder)[0]
    size = damaged.stat().st_size
    os.truncate(damaged, size // 2)
    report = check_index(folder)
    assert not report.ok
    assert f"file {damaged.name} has {size // 2:,} bytes, {size:,} were written" in " ".join(report.problems)
    done = run(folder, "check", "--json")
    assert done.exit_code == 1
    answer = json.loads(done.stdout)
    assert answer["ok"] is False and answer["problems"] == report.problems


def test_the_server_refuses_a_damaged_index_with_one_clear_line(tmp_path) -> None:
    folder = built(tmp_path / "ix")
    damaged = segment_files(folder)[-1]
    flip(damaged, damaged.stat().st_size // 2)
    # It stops before it binds a port or indexes anything: a healthy index would serve forever here.
    done = CliRunner().invoke(cli, ["--index-dir", str(folder), "serve", "--port", "0"])
    assert done.exit_code == 1
    assert done.stderr.startswith("Error: the index is damaged: segment ")
    assert damaged.name in done.stderr and "searchsvc check" in done.stderr
    assert done.stderr.count("\n") == 1

    with pytest.raises(IndexCorrupt):
        verify_index(Settings(index_dir=str(folder)))
    # Turned off, nothing is verified, and nothing refused.
    assert verify_index(Settings(index_dir=str(folder), verify_on_start=False)) is None


def test_verifying_a_sound_index_or_none_at_all(tmp_path) -> None:
    folder = built(tmp_path / "ix")
    report = verify_index(Settings(index_dir=str(folder)))
    assert isinstance(report, IndexCheck) and report.ok and not report.full
    assert report.files == len(segment_files(folder)) and report.terms == 0
    assert verify_index(Settings(index_dir=str(tmp_path / "new"))) is None


def test_a_damaged_checksum_file_is_a_problem_and_a_missing_one_is_not(tmp_path) -> None:
    folder = built(tmp_path / "ix")
    first, second = sorted(generation(folder).glob("MAIN_*" + CHECKSUMS_EXT))[:2]
    first.write_text("{not json")
    second.unlink()  # as for a segment written before checksums were recorded
    report = check_index(folder)
    assert f"segment {first.stem}: its checksum file {first.name} is damaged" in report.problems
    assert report.unrecorded == 1
    assert len(report.problems) == 1


def test_a_damaged_table_of_contents_is_refused_everywhere(tmp_path) -> None:
    folder = built(tmp_path / "ix")
    tocs = sorted(generation(folder).glob("_MAIN_*.toc"))
    assert len(tocs) == 1
    # Only the latest commit's table of contents has a record: older ones went with their files.
    assert [p.name for p in generation(folder).glob("_MAIN_*.toc" + CHECKSUMS_EXT)] == [tocs[0].name + ".sum"]
    # Its first bytes are the schema, which searchsvc never reads: damage there too is damage.
    flip(tocs[0], 40)
    report = check_index(folder)
    assert len(report.problems) == 1
    assert f"file {tocs[0].name} does not match its checksum" in report.problems[0]
    with pytest.raises(IndexCorrupt, match="does not match its checksum"):
        SearchEngine(folder, variants=None, create=False)
    done = CliRunner().invoke(cli, ["--index-dir", str(folder), "serve", "--port", "0"])
    assert done.exit_code == 1 and tocs[0].name in done.stderr and done.stderr.count("\n") == 1


def test_every_byte_of_a_table_of_contents_flipped_is_an_index_error(tmp_path) -> None:
    folder = built(tmp_path / "ix")
    for recorded in generation(folder).glob("_MAIN_*.toc" + CHECKSUMS_EXT):
        recorded.unlink()  # as for an index written before they were recorded: decoding alone must tell
    toc = next(generation(folder).glob("_MAIN_*.toc"))
    original = toc.read_bytes()
    for offset in range(0, len(original), 7):
        toc.write_bytes(original[:offset] + bytes([original[offset] ^ 0x55]) + original[offset + 1 :])
        try:
            check_index(folder)
            with SearchEngine(folder, variants=None, create=False) as engine:
                engine.search("grain")
        except SearchsvcError:
            pass  # a clear error is the right answer; so is none, where the byte changed nothing read


def test_without_checksums_the_full_read_still_finds_a_segment_cut_short(tmp_path) -> None:
    folder = built(tmp_path / "ix")
    for recorded in generation(folder).glob("MAIN_*" + CHECKSUMS_EXT):
        recorded.unlink()
    damaged = segment_files(folder)[0]
    os.truncate(damaged, damaged.stat().st_size - 100)
    report = check_index(folder)
    assert report.unrecorded == report.segments
    assert any(p.startswith(f"segment {damaged.stem}: ") for p in report.problems), report.problems


def _write_raw(folder: Path, fields: dict[str, Any]) -> None:
    """A document written past the engine, which would have replaced the older one."""
    with (
        SearchEngine(folder, variants=None) as engine,
        writing(engine.pool.current_index(), "write a test document") as writes,
    ):
        writes.add(fields)


def test_an_id_live_twice_is_reported(tmp_path) -> None:
    folder = built(tmp_path / "ix")
    _write_raw(folder, {"id": "doc-7", "doc": json.dumps({"id": "doc-7", "title": "again"})})
    report = check_index(folder)
    assert any("id 'doc-7' is live twice" in p for p in report.problems), report.problems


def test_an_id_live_twice_in_one_segment_is_reported(tmp_path) -> None:
    folder = tmp_path / "ix"
    with (
        SearchEngine(folder, variants=None) as engine,
        writing(engine.pool.current_index(), "write test documents") as writes,
    ):
        for title in ("first", "second"):
            writes.add({"id": "same", "doc": json.dumps({"id": "same", "title": title})})
    report = check_index(folder)
    assert report.segments == 1
    assert report.problems == [f"segment {segment_files(folder)[0].stem}: id 'same' is live 2 times in it"]


def test_a_stored_document_that_is_not_the_one_indexed_is_reported(tmp_path) -> None:
    folder = built(tmp_path / "ix")
    _write_raw(folder, {"id": "doc-new", "doc": json.dumps({"id": "doc-other"})})
    report = check_index(folder)
    assert any("has id 'doc-other', the index has 'doc-new'" in p for p in report.problems), report.problems


@pytest.mark.parametrize("procs", [1, 2])
def test_progress_rises_to_the_whole_work_and_processes_find_the_same(tmp_path, procs) -> None:
    folder = tmp_path / "ix"
    # Many distinct words: the progress is told every mebibyte of work, and there must be many.
    docs = [
        {**doc, "body": doc["body"] + " " + " ".join(f"w{(n * 31 + k * 17) % 20000}" for k in range(150))}
        for n, doc in enumerate(corpus(3100))
    ]
    with SearchEngine(folder, variants=None) as engine:
        engine.bulk_index(iter(docs[:3000]), procs=2)  # a segment per process
        engine.add(docs[3000:])
        engine.commit()
    told: list[tuple[int, int]] = []
    report = check_index(folder, procs=procs, progress=lambda done, total: told.append((done, total)))
    assert report.ok and report.segments >= 2
    totals = {total for _done, total in told}
    assert len(totals) == 1 and told[-1][0] == totals.pop()
    assert [done for done, _total in told] == sorted(done for done, _total in told)
    if procs == 1:
        assert len(told) > 2  # told as it goes, not only at the end
    single = check_index(folder)
    assert (report.terms, report.postings, report.positions, report.stored, report.files) == (
        single.terms,
        single.postings,
        single.positions,
        single.stored,
        single.files,
    )


class Busy:
    """A shared count to which the checking processes add 7 just before every read of it."""

    def __init__(self) -> None:
        self.added = 0

    @property
    def value(self) -> int:
        self.added += 7
        return self.added


def test_the_work_processes_count_reaches_the_progress_however_their_adds_fall() -> None:
    # `searchsvc check`'s bar stopped at 78 %: what a process added between two reads was lost.
    busy = Busy()
    shared = SharedCount(busy)
    taken = [shared.take() for _ in range(3)]
    assert sum(taken) == busy.added


def test_processes_find_an_id_live_in_two_segments(tmp_path) -> None:
    folder = built(tmp_path / "ix")
    _write_raw(folder, {"id": "doc-7", "doc": json.dumps({"id": "doc-7", "title": "again"})})
    report = check_index(folder, procs=2)
    assert any("id 'doc-7' is live twice" in p for p in report.problems), report.problems


def test_checking_while_commits_land_and_merge(tmp_path) -> None:
    folder = tmp_path / "ix"
    with SearchEngine(folder, variants=None) as engine:
        engine.add(corpus(100))
        engine.commit()
        with BatchWriter(engine, 5) as writer:
            reports = [check_index(folder) for _ in range(8)]
    assert not writer.failures
    for report in reports:
        assert report.ok, report.problems
        assert report.documents >= 100 and report.unrecorded == 0


def test_each_shard_is_checked_and_named_in_its_problems(tmp_path) -> None:
    folder = tmp_path / "sharded"
    with open_shards(folder, 2, settings=Settings(), create=True) as engine:
        engine.add(corpus(80))
        engine.commit()
    report = check_index(folder)
    assert report.ok and len(report.shards) == 2
    assert report.documents == 80 == sum(part.documents for part in report.shards)
    done = run(folder, "check")
    assert done.exit_code == 0 and "shard 0 " in done.output and "shard 1 " in done.output

    damaged = next(sorted(path.glob("MAIN_*.seg")) for path in folder.glob("set-*/shard-1/gen-*"))[0]
    flip(damaged, 10)
    report = check_index(folder)
    assert [p.split(":")[0] for p in report.problems] == ["shard 1"]


def test_the_engine_checks_its_own_files(tmp_path) -> None:
    with SearchEngine(built(tmp_path / "ix"), variants=None) as engine:
        assert engine.check().ok
        assert engine.check(full=False).terms == 0
        assert engine.stats()["segments"] == len(segment_files(tmp_path / "ix"))
    with SearchEngine.in_memory() as memory, pytest.raises(InvalidInput):
        memory.check()


def test_checking_a_folder_without_an_index_is_one_line(tmp_path) -> None:
    with pytest.raises(IndexNotFound):
        check_index(tmp_path / "none")
    done = run(tmp_path / "none", "check")
    assert done.exit_code == 1 and done.stderr.startswith("Error: no index") and done.stderr.count("\n") == 1
    assert not (tmp_path / "none").exists()  # a check writes nothing


def test_export_does_not_copy_silent_damage(tmp_path) -> None:
    # Flipped in the middle, a byte leaves searches answering as before: only the
    # checksums tell, and a backup must not carry the damage on.
    folder = built(tmp_path / "ix")
    damaged = segment_files(folder)[0]
    flip(damaged, damaged.stat().st_size // 2)
    with (
        SearchEngine(folder, variants=None, settings=Settings(verify_on_start=False)) as engine,
        pytest.raises(IndexCorrupt, match=damaged.stem),
    ):
        engine.export()
    done = run(folder, "export", "--output", str(tmp_path / "backup.jsonl"))
    assert done.exit_code == 1
    assert damaged.stem in done.output and "does not match its checksum" in done.output
    assert not (tmp_path / "backup.jsonl").exists()


def test_export_of_a_sound_index_is_whole(tmp_path) -> None:
    folder = built(tmp_path / "ix")
    with SearchEngine(folder, variants=None) as engine:
        export = engine.export()
        assert export.count == len(list(export)) == 159
