"""An application that embeds searchsvc and also uses Whoosh gets plain Whoosh.

searchsvc reads its own indexes through subclasses and storages of its own
(:mod:`searchsvc.store.files`); nothing it does may change Whoosh for anyone
else in the process.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

#: Plain Whoosh, as an application would use it: an index in memory and one
#: on disk, two segments each; prints what it found and how Whoosh read it.
PLAIN_WHOOSH = textwrap.dedent(
    """
    import json, sys, tempfile
    from whoosh import qparser
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.filedb.filestore import FileStorage, RamStorage

    def plain_whoosh():
        schema = Schema(id=ID(stored=True), body=TEXT(stored=True))
        seen = []
        folder = tempfile.mkdtemp()
        for storage in (RamStorage(), FileStorage(folder).create()):
            ix = storage.create_index(schema)
            for first in (0, 30):
                writer = ix.writer()
                for n in range(first, first + 30):
                    words = ["grain", "power", "port", "harvest"][n % 4 :] + [str(n)]
                    writer.add_document(id=str(n), body=" ".join(words))
                writer.commit(merge=False)
            with ix.searcher() as searcher:
                query = qparser.QueryParser("body", schema).parse("grain OR (power port)")
                hits = searcher.search(query, limit=None)
                seen.append([[hit["id"], round(hit.score, 9)] for hit in hits])
                for reader, _offset in searcher.reader().leaf_readers():
                    files = reader.storage()
                    compound = getattr(files, "a", files)
                    seen.append([type(files).__name__, type(compound).__name__,
                                 getattr(compound, "_source", None) is not None])
                    column = reader._perdoc._cached_reader("_stored", None)
                    seen.append(type(column).__name__)
            opened = storage.open_file(sorted(storage.list())[0])
            seen.append([type(opened).__name__, type(opened.file).__name__])
            opened.close()
        return seen
    """
)

#: Every function and attribute of every class and module of Whoosh loaded so far, by identity.
FINGERPRINT = textwrap.dedent(
    """
    def fingerprint():
        found = {}
        for name, module in sorted(sys.modules.items()):
            if not name.startswith("whoosh") or module is None:
                continue
            for attr, value in vars(module).items():
                found[f"{name}.{attr}"] = id(value)
                if isinstance(value, type) and value.__module__ == name:
                    for member, inner in vars(value).items():
                        found[f"{name}.{attr}.{member}"] = id(inner)
        return found
    """
)


def run(code: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", PLAIN_WHOOSH + FINGERPRINT + textwrap.dedent(code)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_whoosh_behaves_the_same_beside_searchsvc(tmp_path):
    alone = run("print(json.dumps(plain_whoosh()))")
    beside = run(
        f"""
        import whoosh.codec.whoosh3, whoosh.filedb.compound, whoosh.index, whoosh.qparser
        import whoosh.reading, whoosh.searching, whoosh.writing
        before = fingerprint()
        from searchsvc import SearchEngine
        for path in (None, {str(tmp_path / "ix")!r}):
            with SearchEngine(path) as engine:
                engine.rebuild([{{"id": str(n), "title": f"Grain from Odesa {{n}}"}} for n in range(40)], procs=2)
                engine.add([{{"id": "x", "title": "Shelling in Slavyansk", "body": "power grid"}}])
                engine.commit()
                engine.search('Sloviansk OR "power grid" OR electri*', facets=["source"], explain=True)
                engine.get("x")
        after = fingerprint()
        changed = sorted(k for k in before if after.get(k) != before[k])
        print(json.dumps(changed))
        print(json.dumps(plain_whoosh()))
        """
    )
    assert json.loads(beside[0]) == []
    assert json.loads(beside[1]) == json.loads(alone[0])
    # What plain Whoosh does, and searchsvc's own storages do not: it maps
    # segment files and copies each file it opens from memory.
    seen = json.loads(alone[0])
    assert ["OverlayStorage", "CompoundStorage", True] in seen
    assert ["BufferFile", "BytesIO"] in seen
