"""The library stands alone: importing it loads no web or CLI framework."""

import subprocess
import sys
from pathlib import Path


def test_importing_searchsvc_loads_no_falcon_click_waitress_or_prometheus_client():
    code = (
        "import sys, searchsvc, searchsvc.engine\n"
        "engine = searchsvc.SearchEngine.in_memory()\n"
        "engine.add([{'id': '1', 'title': 'x'}]); engine.commit(); engine.search('x')\n"
        "loaded = [m for m in ('falcon', 'click', 'waitress', 'prometheus_client') if m in sys.modules]\n"
        "print(','.join(loaded))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_package_ships_py_typed():
    from importlib import resources

    assert resources.files("searchsvc").joinpath("py.typed").is_file()


def test_the_library_never_imports_its_adapters():
    # Data flows one way: the HTTP and CLI layers adapt the library, never the reverse.
    import ast
    from pathlib import Path

    package = Path(__file__).resolve().parents[1] / "searchsvc"
    adapters = {"api", "server", "cli", "openapi", "metrics", "__main__"}
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


def _imports(path) -> list[str]:
    """The modules ``path`` imports, relative imports made absolute."""
    import ast

    package = path.parent.relative_to(PACKAGE.parent).as_posix().split("/")
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.append(module)
            found.extend(f"{module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
    return found


PACKAGE = Path(__file__).resolve().parents[1] / "searchsvc"


def test_only_the_store_knows_whoosh():
    # The analysis chain is built from Whoosh's public analysis classes, which
    # the schema's text fields need; everything else that knows Whoosh is in store/.
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        inside = path.relative_to(PACKAGE).parts[0]
        for name in _imports(path):
            if not name.startswith("whoosh"):
                continue
            if inside == "store" or (inside == "analysis" and name.startswith("whoosh.analysis")):
                continue
            offenders.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert offenders == []


def test_the_store_imports_nothing_above_it():
    # Data flows one way: the store hands arrays and plain objects up, and knows
    # only the document model (its fields and values), the errors, the analysis and the
    # scoring arithmetic.
    allowed = (
        "searchsvc.store",
        "searchsvc.analysis",
        "searchsvc.documents",
        "searchsvc.jsonvalues",
        "searchsvc.errors",
        "searchsvc.scoring",
    )
    offenders = [
        f"{path.name} imports {name}"
        for path in (PACKAGE / "store").glob("*.py")
        for name in _imports(path)
        if name.startswith("searchsvc") and not name.startswith(allowed)
    ]
    assert offenders == []


def test_only_the_cluster_module_knows_ray():
    # Ray's API, its errors and its actors stay in searchsvc/cluster.py.
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in PACKAGE.rglob("*.py")
        if path.name != "cluster.py"
        for name in _imports(path)
        if name == "ray" or name.startswith("ray.")
    ]
    assert offenders == []


def test_only_the_metrics_module_knows_prometheus_client():
    # It must be imported after PROMETHEUS_MULTIPROC_DIR is set: one module decides when.
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in PACKAGE.rglob("*.py")
        if path.name != "metrics.py"
        for name in _imports(path)
        if name.split(".")[0] == "prometheus_client"
    ]
    assert offenders == []
