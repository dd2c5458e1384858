"""An index folder opens whatever searchsvc's modules were called when it was written.

Whoosh pickles the schema into every table of contents, naming the module of
each class in it; searchsvc always opens with the running code's schema, so
moving a module (``searchsvc.index`` became ``searchsvc.store.schema``) does
not make older indexes unreadable.
"""

from __future__ import annotations

import json
import zlib

from searchsvc import SearchEngine


def test_an_index_opens_when_the_module_that_wrote_it_is_gone(tmp_path):
    path = tmp_path / "ix"
    with SearchEngine(path, variants=None) as engine:
        engine.add([{"id": "a", "title": "Grain from Odesa"}])
    tocs = list(path.glob("gen-*/_MAIN_*.toc"))
    assert tocs
    for toc in tocs:
        data = toc.read_bytes()
        assert b"searchsvc.store.schema" in data
        # The same length, so the file stays well formed: a module that never existed.
        toc.write_bytes(data.replace(b"searchsvc.store.schema", b"searchsvc.gone.elsewhr"))
        # Its checksum was of the bytes as the older code wrote them: recorded anew here.
        toc.with_name(toc.name + ".sum").write_text(
            json.dumps(
                {
                    "format": "searchsvc-checksums",
                    "files": {
                        toc.name: {"bytes": len(toc.read_bytes()), "crc32": zlib.crc32(toc.read_bytes())}
                    },
                }
            )
        )
    with SearchEngine(path, variants=None) as engine:
        assert [hit.id for hit in engine.search("odesa").hits] == ["a"]
        engine.add([{"id": "b", "title": "More grain"}])
        engine.commit()
        assert len(engine) == 2
