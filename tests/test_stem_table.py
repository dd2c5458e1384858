"""The shipped table of English stems gives NLTK's stem for every word it holds, and holds
the gazetteer's English words, so that using it changes no stem."""

from __future__ import annotations

import gzip
import subprocess
import sys

from nltk.stem.snowball import SnowballStemmer

from searchsvc.analysis import english_stem
from searchsvc.analysis.stem_table import english_stems, read_table, stem_lines, write_table
from searchsvc.analysis.variants import _load_shipped


def test_every_stem_of_the_table_is_nltks() -> None:
    nltk = SnowballStemmer("english")
    table = english_stems()
    wrong = {word: stem for word, stem in table.items() if nltk.stem(word) != stem}
    assert table and not wrong


def test_the_table_holds_the_gazetteers_english_words() -> None:
    assert set(english_stems()) == set(_load_shipped().dictionary)


def test_words_outside_the_table_are_stemmed_by_nltk() -> None:
    nltk = SnowballStemmer("english")
    for word in ("zelenskyy's", "vaprendov", "realizations", "shelling"):
        assert english_stem(word) == nltk.stem(word)


def test_written_table_reads_back_and_is_reproducible(tmp_path) -> None:
    stem = SnowballStemmer("english").stem
    path = tmp_path / "stems.txt.gz"
    assert write_table(path, ["running", "runs", "a", "running"], stem) == 3
    first = path.read_bytes()
    assert read_table(first) == {"a": "a", "running": "run", "runs": "run"}
    assert gzip.decompress(first).decode() == "a\nrunning\trun\nruns\trun\n"
    write_table(path, ["runs", "running", "a"], stem)
    assert path.read_bytes() == first
    assert stem_lines(["b"], stem) == ["b"]


def test_a_search_for_an_english_word_does_not_import_nltk(tmp_path) -> None:
    # In a fresh process: an English query word, and a document made of English words.
    code = (
        "import sys\n"
        "from searchsvc import SearchEngine\n"
        "with SearchEngine.in_memory() as engine:\n"
        "    engine.add([{'id': '1', 'title': 'Grain exports resumed'}])\n"
        "    engine.commit()\n"
        "    assert [h.id for h in engine.search('exports').hits] == ['1']\n"
        "print('nltk' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False", done.stderr
