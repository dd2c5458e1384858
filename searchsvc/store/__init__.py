"""The store: the index on disk or in memory, and everything that knows Whoosh.

What belongs here is whatever would change if searchsvc moved to another
Whoosh release or fork: how files are read (:mod:`.files`), the schema
(:mod:`.schema`), the generations of an index folder (:mod:`.generations`),
the W3 codec's postings (:mod:`.postings`), the segment writer (:mod:`.writer`),
Whoosh's query objects and parser (:mod:`.query`) and their evaluation over
arrays (:mod:`.evaluate`). The rest of searchsvc gets a :class:`.snapshot.Snapshot`
of plain objects and NumPy arrays, and the store's failures as the index
errors of :mod:`searchsvc.errors` (:mod:`.errors`).

Nothing here imports from the modules above it, and nothing here changes a
Whoosh class: searchsvc's own storages and subclasses do the work.
"""
