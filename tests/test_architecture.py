"""The layout's rules (docs/architecture.md): the import-linter contracts in pyproject.toml, no
import cycles between modules, no source file over 600 lines."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
APPS = (
    "libraries",
    "catalog",
    "patrons",
    "events",
    "transport",
    "circulation",
    "notices",
    "stats",
    "sip2",
    "collection",
    "interop",
    "opac",
    "config",
    "bench",
)
MAX_LINES = 600


def test_import_contracts_hold():
    """lint-imports (the same run as .ci/run): layers, plumbing, benchmark, acyclic siblings."""
    done = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_between_modules():
    """Every import counts, at module level or inside a function (a function-level import is
    still a dependency, it only hides the circle); ``if TYPE_CHECKING:`` imports never run."""
    sys.path.insert(0, str(ROOT))
    graph = grimp.build_graph(*APPS, exclude_type_checking_imports=True, cache_dir=None)
    edges = {
        module: {
            imported
            for imported in graph.find_modules_directly_imported_by(module)
            if imported.split(".")[0] in APPS
        }
        for module in graph.modules
        if module.split(".")[0] in APPS
    }
    assert _cycles(edges) == []


def test_no_source_file_over_600_lines():
    long = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative:
                continue
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > MAX_LINES:
                long.append((relative, lines))
    assert long == []


def test_tasks_queued_by_name_exist():
    """Services name the tasks they queue (``enqueue_on_commit("app.tasks.fn", …)``,
    ``task_named("app.tasks.fn")``): every such name is a Celery task under that name."""
    import re

    from celery import Task

    from libraries.enqueue import task_named

    pattern = re.compile(r"""(?:enqueue_on_commit|task_named|_enqueue)\(\s*["']([\w.]+)["']""")
    names = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            names.update(pattern.findall(path.read_text(encoding="utf-8")))
    assert {"circulation.tasks.target_holds", "transport.tasks.plan_transfer_task"} <= names
    for name in sorted(names):
        task = task_named(name)
        assert isinstance(task, Task) and task.name == name, name
