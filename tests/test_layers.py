"""The package's rooms: layers only point down (a generator knows nothing of retrieval,
the cost model nothing of the rules, and only the faces, cli/ and ui/, see everything),
no two modules of a package import each other round a circle, and no face imports
another face (a command's module, a page's module).

Every import counts, including the ones inside functions that keep start-up light.
Module size is left to judgment (docs/architecture.md), not counted here.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "advisor"

BASE = {
    "errors", "yamlio", "settings", "options", "conditions", "log", "hf", "words", "cache",
    "files", "terminal", "paths", "__init__",
}  # fmt: skip
# In a face, what every command or page may share; the rest are faces of their own, and a
# module named `<face>_<part>` (compare_change, finetune_export) is a part of `<face>`.
SHARED = {
    "cli": {"base", "__init__", "__main__"},
    "ui": {"state", "wording", "model_picker", "jobs"},
}
# What each part may import besides the base modules. A part not listed is a face.
ALLOWED: dict[str, set[str]] = {
    "base": set(),
    "decision": set(),
    "costs": set(),
    "llm": set(),
    "questionsets": set(),
    "rag": {"llm", "questionsets"},
    "finetune": {"llm", "rag", "questionsets"},
    "compare": {"llm", "rag", "finetune", "costs", "questionsets"},
    "advice": {"decision", "costs", "compare", "questionsets"},
    "report": {"decision", "costs", "advice", "compare", "questionsets"},
    "workspace": set(),
}


def _part(module: str) -> str:
    """`advisor.rag.search` -> `rag`; the base modules -> `base`."""
    head = module.split(".")[1] if module.count(".") else "__init__"
    return "base" if head in BASE else head


def _is_module(name: str) -> bool:
    parts = name.split(".")[1:]
    return bool(parts) and (
        PACKAGE.joinpath(*parts).with_suffix(".py").exists()
        or PACKAGE.joinpath(*parts, "__init__.py").exists()
    )


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every advisor import; `from advisor.ui import state` is ui.state."""
    tree = ast.parse(path.read_text("utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "advisor" or node.module.startswith("advisor."):
                for a in node.names:
                    sub = f"{node.module}.{a.name}"
                    found.append((node.lineno, sub if _is_module(sub) else node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("advisor.")]
    return found


def _name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "_rules" not in p.parts)


def upward_imports() -> list[str]:
    """Every import that points up or sideways, as `file:line: a -> b`."""
    problems = []
    for path in _modules():
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        source = _part(".".join(rel.parts))
        if source not in ALLOWED:
            continue  # cli/ and ui/ are faces: they may import anything
        for line, name in _imports(path):
            target = _part(name)
            if target in ("base", source) or target in ALLOWED[source]:
                continue
            if (PACKAGE / name.split(".")[1]).exists() or (
                PACKAGE / f"{name.split('.')[1]}.py"
            ).exists():
                problems.append(f"{rel}.py:{line}: {source} -> {target} ({name})")
    return sorted(set(problems))


def test_no_import_points_up():
    assert upward_imports() == []


def test_the_checker_catches_an_upward_import(tmp_path, monkeypatch):
    # The test above must be able to fail: a generator importing retrieval is caught.
    fake = tmp_path / "advisor"
    (fake / "llm").mkdir(parents=True)
    (fake / "rag").mkdir()
    (fake / "llm" / "x.py").write_text("def f():\n    from advisor.rag.search import rrf\n")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", fake)
    assert upward_imports() == ["advisor/llm/x.py:2: llm -> rag (advisor.rag.search)"]


def _room(module: str) -> str:
    """`advisor.compare.change.result` -> `advisor.compare`: a package with its subpackages."""
    return ".".join(module.split(".")[:2])


def _runs(importer: str, target: str) -> set[str]:
    """What importing `target` runs: the module and the `__init__` of every package above it
    that `importer` is not inside (its own packages have run before it did)."""
    parts = target.split(".")
    above = {".".join(parts[:n]) for n in range(3, len(parts))}
    return {target} | {p for p in above if not (importer == p or importer.startswith(p + "."))}


def circles() -> list[list[str]]:
    """Groups of modules of one package (subpackages included) that import each other round
    a circle (Tarjan). Importing `a.b.c` runs `a/b/__init__.py` too, so that counts."""
    graph: dict[str, set[str]] = {}
    for path in _modules():
        name = _name(path)
        graph[name] = {
            m
            for _, t in _imports(path)
            if _room(t) == _room(name)
            for m in _runs(name, t)
            if m != name
        }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def test_no_package_has_an_import_circle():
    assert circles() == []


def test_the_checker_catches_a_circle(tmp_path, monkeypatch):
    fake = tmp_path / "advisor"
    (fake / "rag").mkdir(parents=True)
    (fake / "rag" / "a.py").write_text("from advisor.rag.b import x\n")
    (fake / "rag" / "b.py").write_text("def f():\n    from advisor.rag import a\n")
    (fake / "rag" / "c.py").write_text("from advisor.rag import a\n")  # one way: no circle
    monkeypatch.setattr(__import__(__name__), "PACKAGE", fake)
    assert circles() == [["advisor.rag.a", "advisor.rag.b"]]


def test_the_checker_sees_a_circle_through_a_subpackages_init(tmp_path, monkeypatch):
    # compare/run.py importing compare/change/result.py runs compare/change/__init__.py:
    # when that __init__ imports the runner, which imports run, it is a circle.
    fake = tmp_path / "advisor"
    (fake / "compare" / "change").mkdir(parents=True)
    (fake / "compare" / "run.py").write_text(
        "def f():\n    from advisor.compare.change.result import X\n"
    )
    (fake / "compare" / "runner.py").write_text("from advisor.compare.run import f\n")
    (fake / "compare" / "change" / "__init__.py").write_text(
        "from advisor.compare.runner import f\n"
    )
    (fake / "compare" / "change" / "result.py").write_text("X = 1\n")
    # a submodule importing a sibling is no circle through its own package's __init__
    (fake / "compare" / "change" / "select.py").write_text(
        "from advisor.compare.change.result import X\n"
    )
    monkeypatch.setattr(__import__(__name__), "PACKAGE", fake)
    assert circles() == [
        ["advisor.compare.change", "advisor.compare.run", "advisor.compare.runner"]
    ]


def _family(module: str) -> str:
    return module.split(".")[2].split("_")[0]


def face_imports() -> list[str]:
    """Imports from one face into another: cli <-> ui, or one command / page into another."""
    problems = []
    for path in _modules():
        name = _name(path)
        parts = name.split(".")
        if len(parts) < 3 or parts[1] not in SHARED:
            continue
        face = parts[1]
        for line, target in _imports(path):
            tparts = target.split(".")
            if len(tparts) < 2 or tparts[1] not in SHARED:
                continue
            rel = path.relative_to(PACKAGE.parent)
            if tparts[1] != face:
                problems.append(f"{rel}:{line}: {face} -> {tparts[1]} ({target})")
            elif (
                len(tparts) > 2
                and parts[2] not in SHARED[face]
                and tparts[2] not in SHARED[face]
                and _family(target) != _family(name)
            ):
                problems.append(f"{rel}:{line}: {name} -> {target}")
    return sorted(problems)


def test_no_face_imports_another_face():
    assert face_imports() == []


def test_the_checker_catches_a_face_importing_a_face(tmp_path, monkeypatch):
    fake = tmp_path / "advisor"
    (fake / "cli").mkdir(parents=True)
    (fake / "ui").mkdir()
    for f in ("base", "costs", "decision", "compare", "compare_change"):
        (fake / "cli" / f"{f}.py").write_text("")
    (fake / "ui" / "state.py").write_text("")
    (fake / "cli" / "decision.py").write_text(
        "from advisor.cli.base import main\n"  # shared: fine
        "def f():\n    from advisor.cli.costs import cost_overrides\n"
    )
    (fake / "cli" / "compare.py").write_text("from advisor.cli import compare_change\n")
    (fake / "ui" / "report.py").write_text("from advisor.cli.base import main\n")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", fake)
    assert face_imports() == [
        "advisor/cli/decision.py:3: advisor.cli.decision -> advisor.cli.costs",
        "advisor/ui/report.py:1: ui -> cli (advisor.cli.base)",
    ]
