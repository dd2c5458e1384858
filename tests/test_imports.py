"""The library stands alone: importing it loads no web or CLI framework."""

import subprocess
import sys


def test_importing_searchsvc_loads_no_falcon_click_or_waitress():
    code = (
        "import sys, searchsvc, searchsvc.engine\n"
        "engine = searchsvc.SearchEngine.in_memory()\n"
        "engine.add([{'id': '1', 'title': 'x'}]); engine.commit(); engine.search('x')\n"
        "loaded = [m for m in ('falcon', 'click', 'waitress') if m in sys.modules]\n"
        "print(','.join(loaded))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_package_ships_py_typed():
    from importlib import resources

    assert resources.files("searchsvc").joinpath("py.typed").is_file()
