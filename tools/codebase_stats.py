"""Measure the package for docs/architecture.md: modules, largest files, longest functions, import cycles."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "partnerdesk"
GENERATED = ("gui/forms/", "gui/resources_rc.py", "db/migrations/")


def _modules() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.py") if "__pycache__" not in p.parts)


def _name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _package(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else module


def _imports(path: Path, module: str) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    is_pkg = path.name == "__init__.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("partnerdesk"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_pkg else 0)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("partnerdesk"):
                found.add(target)
    return found


def _is_ours(node: ast.AST) -> bool:
    if isinstance(node, ast.ImportFrom):
        return bool(node.level) or (node.module or "").startswith("partnerdesk")
    return isinstance(node, ast.Import) and any(a.name.startswith("partnerdesk") for a in node.names)


def _imports_in_functions(tree: ast.AST, in_function: bool = False) -> int:
    count = 0
    for child in ast.iter_child_nodes(tree):
        if in_function and _is_ours(child):
            count += 1
        nested = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
        count += _imports_in_functions(child, nested)
    return count


def _cycles(edges: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Pairs of packages that reach each other."""

    def reach(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for nxt in edges.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    pairs = set()
    for a in edges:
        for b in reach(a):
            if a < b and a in reach(b):
                pairs.add((a, b))
    return sorted(pairs)


def main() -> None:
    files = [p for p in _modules() if not any(g in p.relative_to(ROOT).as_posix() for g in GENERATED)]
    print(f"modules (hand-written, excluding forms, resources, migrations): {len(files)}")
    sizes = sorted(((len(p.read_text(encoding='utf-8').splitlines()), p) for p in files), reverse=True)
    print("ten largest files (lines):")
    for n, p in sizes[:10]:
        print(f"  {n:5d}  {p.relative_to(ROOT.parent)}")
    funcs = []
    for p in files:
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                funcs.append((node.end_lineno - node.lineno + 1, f"{p.relative_to(ROOT.parent)}:{node.name}"))
    funcs.sort(reverse=True)
    print("ten longest functions (lines):")
    for n, name in funcs[:10]:
        print(f"  {n:5d}  {name}")
    edges: dict[str, set[str]] = {}
    inside = 0
    for p in _modules():
        if "db/migrations/" in p.relative_to(ROOT).as_posix():
            continue  # run by Alembic, outside the import graph of the app (import-linter does not see them)
        mod = _name(p)
        pkg = _package(mod)
        for target in _imports(p, mod):
            tpkg = _package(target)
            if tpkg != pkg and pkg.count(".") and tpkg.count("."):
                edges.setdefault(pkg, set()).add(tpkg)
        inside += _imports_in_functions(ast.parse(p.read_text(encoding="utf-8")))
    cycles = _cycles(edges)
    print(f"package import cycles: {len(cycles)}")
    for a, b in cycles:
        print(f"  {a} <-> {b}")
    print(f"partnerdesk imports inside functions: {inside}")


if __name__ == "__main__":
    sys.exit(main())
