"""The package's layout holds (docs/layout.md): no import circle between casewatch's modules,
and each package imports only the packages beneath it, the engine nothing that does I/O."""

import ast
from functools import cache
from pathlib import Path

import casewatch

PACKAGE = Path(casewatch.__file__).parent
SHARED = {"errors", "inputs", "progress", "private", "runtime", "http"}
# What each package may import of casewatch, besides itself (cli may import anything).
MAY_IMPORT = {
    "schemas": set(),
    "pages": set(),
    "engine": {"schemas"},
    "simulate": {"schemas", "engine"},
    "analysis": {"schemas", "engine", "pages"},
    "metrics": {"schemas", "engine", "analysis"},
    "replay": {"schemas", "engine", "metrics", *SHARED},
    "kafka": {"schemas", *SHARED},
    "worker": {"schemas", "engine", "metrics", "kafka", *SHARED},
    "delivery": {"schemas", "engine", "kafka", "pages", *SHARED},
    "ingest": {"schemas", "kafka", *SHARED},
    "rebuild": {"schemas", "engine", "replay", "kafka", *SHARED},
    "web": {"schemas", "engine", "kafka", "delivery", "pages", *SHARED},
    "errors": set(),
    "progress": set(),
    "runtime": set(),
    "http": set(),
    "private": {"errors"},
    "inputs": {"errors", "progress"},
}
# Nothing of these in the pure core: it takes events and a clock and returns alert changes.
NOT_IN_THE_ENGINE = {"kafka", "faust", "aiokafka", "mode", "socket", "urllib", "http",
                     "subprocess", "logging", "prometheus_client", "rocksdict", "jinja2",
                     "matplotlib", "time", "os", "sys", "io", "shutil", "tempfile"}


@cache
def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports(path: Path) -> set[str]:
    """Every module this one imports, at any depth (a function's own imports too): for
    `from package import module`, the module, not the package."""
    known = modules()
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in known else node.module)
    return found


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: {m for m in imports(path) if m in known and m != name}
            for name, path in known.items()}


def test_no_module_imports_one_that_imports_it_back() -> None:
    edges = graph()
    circles = []
    state: dict[str, int] = {}  # 1: on the path being walked, 2: done

    def walk(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(edges[node]):
            if state.get(target) == 1:
                circles.append(" -> ".join([*path[path.index(target):], target]))
            elif target not in state:
                walk(target, [*path, target])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            walk(node, [node])
    assert not circles, circles


def test_each_package_imports_only_what_lies_beneath_it() -> None:
    wrong = []
    for name, targets in graph().items():
        parts = name.split(".")
        if len(parts) < 2 or parts[1] == "cli" or name == "casewatch.__main__":
            continue
        own = parts[1]
        assert own in MAY_IMPORT, f"{own}: a new package must say what it may import"
        for target in targets:
            other = target.split(".")[1] if target != "casewatch" else "casewatch"
            if other != own and other not in MAY_IMPORT[own]:
                wrong.append(f"{name} imports {target}")
    assert not wrong, wrong


def test_the_engine_does_no_io() -> None:
    wrong = [f"{name} imports {target}" for name, path in modules().items()
             if name.startswith("casewatch.engine")
             for target in imports(path) if target.split(".")[0] in NOT_IN_THE_ENGINE]
    assert not wrong, wrong


def test_every_package_says_what_it_is_for_and_may_import() -> None:
    for init in PACKAGE.rglob("__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text()))
        assert doc and len(doc) > 60, f"{init} has no docstring saying what the package holds"
