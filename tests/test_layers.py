"""The package's layers only point down: a generator knows nothing of retrieval, the cost
model nothing of the rules, and only the faces (cli/, ui/) see everything.

Every import counts, including the ones inside functions that keep start-up light.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "advisor"

BASE = {"errors", "yamlio", "settings", "options", "conditions", "log", "hf", "words", "__init__"}
# What each part may import besides the base modules. A part not listed is a face.
ALLOWED: dict[str, set[str]] = {
    "base": set(),
    "decision": set(),
    "costs": set(),
    "llm": set(),
    "rag": {"llm"},
    "finetune": {"llm", "rag"},
    "compare": {"llm", "rag", "finetune", "costs"},
    "advice": {"decision", "costs", "compare"},
    "report": {"decision", "costs", "advice", "compare"},
}


def _part(module: str) -> str:
    """`advisor.rag.search` -> `rag`; the base modules -> `base`."""
    head = module.split(".")[1] if module.count(".") else "__init__"
    return "base" if head in BASE else head


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text("utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "advisor":  # `from advisor import x`
                found += [(node.lineno, f"advisor.{a.name}") for a in node.names]
            elif node.module.startswith("advisor."):
                found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("advisor.")]
    return found


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


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_is_over_300_lines(path):
    assert len(path.read_text("utf-8").splitlines()) <= 300
