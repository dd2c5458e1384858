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


def test_searching_leaves_whoosh_query_classes_as_whoosh_made_them():
    # An application that embeds searchsvc and uses Whoosh itself must get plain Whoosh.
    # (Issue 14: the segment-reading patches in index.py are still to move into subclasses.)
    code = (
        "import whoosh.query as wq\n"
        "before = {name: dict(vars(getattr(wq, name))) for name in ('Term', 'Phrase', 'Or', 'And')}\n"
        "import searchsvc\n"
        "engine = searchsvc.SearchEngine.in_memory()\n"
        "engine.add([{'id': '1', 'title': 'power grid', 'body': 'Kyiv'}]); engine.commit()\n"
        "engine.search('power OR grid \"power grid\" Kyiv electri*', facets=['source'])\n"
        "after = {name: dict(vars(getattr(wq, name))) for name in before}\n"
        "print(before == after)\n"
        "t = wq.Term('f', 'x', boost=2.0)\n"
        "print(type(t.with_boost(3.0)) is wq.Term and t.boost == 2.0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["True", "True"]


def test_the_library_never_imports_its_adapters():
    # Data flows one way: the HTTP and CLI layers adapt the library, never the reverse.
    import ast
    from pathlib import Path

    package = Path(__file__).resolve().parents[1] / "searchsvc"
    adapters = {"api", "server", "cli", "openapi", "__main__"}
    offenders = []
    for path in package.rglob("*.py"):
        module = path.relative_to(package).with_suffix("").as_posix().replace("/", ".")
        if module in adapters:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [alias.name for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                if name.split(".")[-1] in adapters or name.startswith(("searchsvc.api", "searchsvc.cli")):
                    offenders.append(f"{module} imports {name}")
    assert offenders == []
