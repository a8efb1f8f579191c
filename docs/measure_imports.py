"""Measure how the project's modules import each other (the figures in docs/architecture.md).

    .venv/bin/python docs/measure_imports.py

Reads the source with `ast` (imports nothing): every `import`/`from ... import` of a project
module, whether it sits at the top of the file or inside a function, which target layer
(docs/architecture.md) each module belongs to, the imports that go against the layers, and
the import cycles (strongly connected groups of modules, counting imports inside functions).
"""

import ast
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("openlab", "stakeholders", "projects", "events", "search")
SKIP = ("migrations", "settings", "tests", "static", "public")

# The target layers (docs/architecture.md), by module prefix; the longest prefix wins.
LAYERS = {
    "openlab": "site",
    "openlab.sdgs": "base",
    "openlab.blocks": "base",
    "openlab.querystring": "base",
    "openlab.page_cache": "base",
    "openlab.accounts": "base",
    "openlab.models": "base",  # Goal, Target, Town, SDGTaggedPage (HomePage: site, same file)
    "openlab.dates": "base",
    "openlab.furigana": "base",
    "openlab.csvfile": "base",
    "openlab.database": "base",
    "openlab.websocket": "base",
    "openlab.middleware": "base",
    "openlab.templatetags": "base",
    "openlab.context_processors": "base",
    "stakeholders": "content",
    "projects": "content",
    "events": "content",
    "search": "collaboration",
    "openlab.chat": "collaboration",
    "openlab.matching": "collaboration",
    "openlab.notifications": "collaboration",
    "openlab.dashboard": "collaboration",
    "openlab.opendata": "collaboration",
    "openlab.mypage": "collaboration",
}
ORDER = {"base": 0, "content": 1, "collaboration": 2, "site": 3}


def layer(module):
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        if ".".join(parts[:end]) in LAYERS:
            return LAYERS[".".join(parts[:end])]
    return "site"


def module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules():
    modules = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if not any(part in SKIP for part in path.relative_to(ROOT).parts):
                modules[module_name(path)] = path
    return modules


def resolve(name, known):
    """The project module an import names (a package's __init__ if no module matches)."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module, path, known):
    """(target, inside_function) for every project import statement in the file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            names = []
            if isinstance(child, ast.Import):
                names = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")[: len(package.split(".")) - child.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                names = [f"{base}.{alias.name}" for alias in child.names] or [base]
            targets = {resolve(name, known) for name in names} - {None, module}
            # One statement counts once per module it names.
            found.extend((target, inside) for target in sorted(targets))
            visit(child, inside)

    visit(tree, False)
    return found


def cycles(graph):
    """Strongly connected groups of more than one module (Tarjan)."""
    index, low, stack, on_stack, groups, counter = {}, {}, [], set(), [], [0]

    def connect(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for succ in graph[node]:
            if succ not in index:
                connect(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return sorted(groups, key=len, reverse=True)


def main():
    modules = project_modules()
    edges = {module: imports_of(module, path, modules) for module, path in modules.items()}
    all_imports = [(m, t, inside) for m, found in edges.items() for t, inside in found]
    inside = [(m, t) for m, t, flag in all_imports if flag]
    print(f"modules: {len(modules)}; project imports: {len(all_imports)}")
    print(f"  of which inside functions: {len(inside)}")
    print("most imports inside functions:")
    for module, count in Counter(m for m, _ in inside).most_common(8):
        print(f"  {count:3} {module}")

    upward = [(m, t, flag) for m, t, flag in all_imports if ORDER[layer(t)] > ORDER[layer(m)]]
    print(f"imports against the layers (a lower layer importing a higher one): {len(upward)}")
    pairs = Counter((layer(m), layer(t)) for m, t, _ in upward)
    for (low_, high), count in sorted(pairs.items()):
        print(f"  {low_} -> {high}: {count}")
    against = defaultdict(set)
    for m, t, _ in upward:
        against[m].add(t)
    for module, targets in sorted(against.items()):
        print(f"    {module} -> {', '.join(sorted(targets))}")
    siblings = [
        (m, t)
        for m, t, _ in all_imports
        if {m.split(".")[0], t.split(".")[0]} == {"projects", "events"}
    ]
    print(f"projects <-> events imports (should be none): {len(siblings)}")
    for m, t in siblings:
        print(f"    {m} -> {t}")

    for label, keep_inside in (("all imports", True), ("top-of-file imports only", False)):
        graph = defaultdict(set)
        for module in modules:
            graph[module]
        for m, t, flag in all_imports:
            if keep_inside or not flag:
                graph[m].add(t)
        groups = cycles(graph)
        sizes = [len(group) for group in groups]
        print(f"import cycles ({label}): {len(groups)} groups, sizes {sizes}")
        if groups:
            packages = Counter(
                m.split(".")[1]
                if m.startswith("openlab.") and m.count(".") > 1
                else m.split(".")[0]
                for m in groups[0]
            )
            print(f"  largest group by package: {dict(sorted(packages.items()))}")
            print(f"  members: {', '.join(groups[0])}")


if __name__ == "__main__":
    main()
