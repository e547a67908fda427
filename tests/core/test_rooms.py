"""The rooms hold: modules import without a circle, delivery knows nothing of intake or casework, queued job names exist."""
from __future__ import annotations

import ast
import importlib
import re
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("gateway", "channels", "classifier")


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for package in PACKAGES for p in (REPO / package).rglob("*.py") if "migrations" not in p.parts}


def load_time_imports(tree: ast.Module) -> Iterator[ast.Import | ast.ImportFrom]:
    """Imports run when the module loads: at top level, not inside functions nor under `if TYPE_CHECKING`."""
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.Try):
            yield from (n for n in node.body if isinstance(n, (ast.Import, ast.ImportFrom)))


def with_parents(name: str) -> list[str]:
    """Importing a.b.c runs a/__init__, a/b/__init__ and a/b/c."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


def import_graph() -> dict[str, set[str]]:
    known = modules()
    graph: dict[str, set[str]] = {}
    for name, path in known.items():
        edges: set[str] = set()
        for node in load_time_imports(ast.parse(path.read_text(encoding="utf-8"))):
            targets = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names]
            for target in targets:
                edges.update(m for m in with_parents(target) if m in known and m != name and not name.startswith(m + "."))
        graph[name] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                found.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, path)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    return found


def test_no_module_imports_itself_in_a_circle() -> None:
    assert cycles(import_graph()) == []


def test_a_circle_is_found() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c", "a"]]


def test_delivery_knows_nothing_of_intake_or_casework() -> None:
    graph = import_graph()
    for room in ("gateway.delivery", "gateway.intake", "gateway.casework"):
        assert room in graph, f"{room} is a package"
    leaks = {(m, d) for m, deps in graph.items() if m.startswith("gateway.delivery")
             for d in deps if d.startswith(("gateway.intake", "gateway.casework"))}
    assert leaks == set()
    leaks = {(m, d) for m, deps in graph.items() if m.startswith("gateway.casework") for d in deps if d.startswith("gateway.intake")}
    assert leaks == set(), "casework follows intake; it does not reach back into it"


JOB_NAME = re.compile(r"""["']((?:gateway|channels)\.[a-z_.]+\.[a-z_]+)["']""")


def test_every_job_queued_by_name_exists() -> None:
    sources = [p.read_text(encoding="utf-8") for p in modules().values()]
    names = {m.group(1) for text in sources if "enqueue" in text or "prepare_data" in text for m in JOB_NAME.finditer(text)}
    jobs = {n for n in names if n.startswith("gateway.jobs.") or n.endswith(("send_replies", "retrain_job"))}
    assert {"gateway.jobs.deliver", "gateway.jobs.drain", "gateway.jobs.probe", "gateway.jobs.pull", "gateway.jobs.send_notification"} <= jobs
    for name in jobs:
        module, function = name.rsplit(".", 1)
        assert callable(getattr(importlib.import_module(module), function, None)), f"{name} is queued but does not exist"
