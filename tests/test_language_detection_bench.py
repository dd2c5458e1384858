"""bench/language_detection.py: the detector searchsvc uses, measured as the bench measures it."""

from __future__ import annotations

import pytest

from bench.language_detection import detector, main


def test_without_data_it_says_so_and_succeeds(tmp_path, capsys) -> None:
    assert main(["--data", str(tmp_path)]) == 0
    assert "nothing to measure" in capsys.readouterr().out


def test_searchsvcs_detector_tells_the_languages_apart() -> None:
    detect = detector("py3langid")
    assert detect("Die russische Armee hat die Stadt in der Nacht erneut angegriffen.") == "de"
    assert detect("Rosyjskie wojsko przeprowadziło w nocy kolejny atak na stolicę.") == "pl"


def test_an_unknown_detector_is_refused() -> None:
    with pytest.raises(SystemExit):
        detector("nonesuch")
