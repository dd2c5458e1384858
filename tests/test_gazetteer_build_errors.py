"""The gazetteer builder's errors name the option a user can give."""

from __future__ import annotations

import sys

import pytest

from searchsvc.analysis.gazetteer_build import load_english_words


def test_a_missing_word_list_names_the_words_option(tmp_path, monkeypatch) -> None:
    # Neither optional word-list package may stand in for the missing file.
    monkeypatch.setitem(sys.modules, "english_words", None)
    monkeypatch.setitem(sys.modules, "wordfreq", None)
    with pytest.raises(RuntimeError, match="--words FILE"):
        load_english_words(tmp_path / "missing.txt")
