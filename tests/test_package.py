"""recsys_lab/__init__.py and the layout it promises: short names resolve to their modules, `import recsys_lab`
and the layers below `models/` never import TensorFlow, and no module imports a layer above its own or takes part
in an import cycle (read from the source with `ast`, imports inside functions included)."""

from __future__ import annotations

import ast
import importlib
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import recsys_lab

PACKAGE = Path(recsys_lab.__file__).resolve().parent


# --- the import graph, read from the source ---------------------------------------------------------------------


def module_name(path: Path, root: Path = PACKAGE) -> str:
    """`recsys_lab/data/dataset.py` -> `recsys_lab.data.dataset`; a package's `__init__.py` -> the package."""
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def resolve(base: str, name: str, modules: set[str]) -> str | None:
    """What `from base import name` imports: the submodule `base.name` if there is one, else `base` itself.

    `from recsys_lab import X` also resolves X by its short name, a package export or a layer; None for the
    root package (it imports its modules lazily, on first use) and its dunders (`__version__`).
    """
    if f"{base}.{name}" in modules:
        return f"{base}.{name}"
    if base == "recsys_lab":
        if name in recsys_lab.short_names():
            return recsys_lab.short_names()[name]
        if name in recsys_lab._EXPORTS:
            return recsys_lab._EXPORTS[name]
        if name.startswith("__"):
            return None
        raise ValueError(f"`from recsys_lab import {name}`: no module, short name or export of that name")
    return base


def imports_in(source: str, module: str, modules: set[str], *, is_package: bool = False) -> set[str]:
    """The package's modules that `module` imports anywhere in its source (module level or inside functions)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "recsys_lab"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from the module's package, one level up per extra dot
                package = module.split(".") if is_package else module.split(".")[:-1]
                package = package[: len(package) - node.level + 1]
                base = ".".join([*package, *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            if base.split(".")[0] != "recsys_lab":
                continue
            found |= {resolve(base, a.name, modules) for a in node.names}
    found.discard(None)
    found.discard("recsys_lab")
    found.discard(module)
    return found


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    """Every module under `root` with the package's modules it imports."""
    paths = sorted(root.rglob("*.py"))
    modules = {module_name(p, root) for p in paths}
    return {
        module_name(p, root): imports_in(
            p.read_text(encoding="utf-8"), module_name(p, root), modules, is_package=p.name == "__init__.py"
        )
        for p in paths
    }


def layer_of(module: str) -> int | None:
    """The index in `recsys_lab.LAYERS` of the layer a module belongs to (None for the root package)."""
    parts = module.split(".")
    return recsys_lab.LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in recsys_lab.LAYERS else None


def upward_imports(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Every (importer, imported) pair where the imported module sits in a layer above the importer's."""
    return sorted(
        (module, target)
        for module, targets in graph.items()
        for target in targets
        if layer_of(module) is not None
        and layer_of(target) is not None
        and layer_of(target) > layer_of(module)
    )


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """An import cycle as `[a, b, ..., a]` (depth-first search, grey/black marking), or None when there is none."""
    state: dict[str, str] = {}  # "grey" while on the current path, "black" once fully explored
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = "grey"
        path.append(module)
        for target in sorted(graph.get(module, ())):
            if state.get(target) == "grey":
                return [*path[path.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[module] = "black"
        return None

    for module in sorted(graph):
        if module not in state and (cycle := visit(module)):
            return cycle
    return None


# --- the helpers on hand-made graphs and sources ------------------------------------------------------------------


def test_upward_imports_on_a_hand_made_graph():
    graph = {
        "recsys_lab.data.a": {"recsys_lab.data.b"},  # same layer: fine
        "recsys_lab.protocol.p": {"recsys_lab.data.a"},  # down: fine
        "recsys_lab.methods.m": {"recsys_lab.models.k", "recsys_lab.data.a"},  # up into models: flagged
        "recsys_lab.course.c": {"recsys_lab.models.k", "recsys_lab.ui.u"},  # the top layer may use all
        "recsys_lab.data.b": {"recsys_lab.course.c"},  # data importing course: flagged
    }
    assert upward_imports(graph) == [
        ("recsys_lab.data.b", "recsys_lab.course.c"),
        ("recsys_lab.methods.m", "recsys_lab.models.k"),
    ]
    assert upward_imports({k: v for k, v in graph.items() if k.endswith((".a", ".p", ".c"))}) == []


def test_find_cycle_on_hand_made_graphs():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set(), "d": {"b", "c"}}) is None  # a diamond is no cycle
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"x": {"y"}, "y": {"y"}}) == ["y", "y"]  # a module importing itself
    assert find_cycle({"a": {"b"}, "b": {"c", "d"}, "c": set(), "d": {"b"}}) == ["b", "d", "b"]


def test_imports_in_reads_every_kind_of_import():
    modules = {
        "recsys_lab.data.dataset",
        "recsys_lab.data.ids",
        "recsys_lab.protocol.metrics",
        "recsys_lab.data",
    }
    source = textwrap.dedent(
        """
        import numpy as np
        import recsys_lab.data.ids
        from recsys_lab import splits, make_synthetic, __version__
        from recsys_lab.data import dataset
        from recsys_lab.protocol.metrics import top_k
        from .ids import IdEncoder

        def later():
            from recsys_lab.models.mf import BiasedMF  # inside a function: still an import
            return BiasedMF
        """
    )
    assert imports_in(source, "recsys_lab.methods.fake", modules) == {
        "recsys_lab.data.ids",
        "recsys_lab.protocol.splits",  # a short name
        "recsys_lab.data.synthetic",  # a package export
        "recsys_lab.data.dataset",
        "recsys_lab.protocol.metrics",
        "recsys_lab.methods.ids",  # relative to the module's own package
        "recsys_lab.models.mf",
    }
    assert imports_in("from . import dataset", "recsys_lab.data", modules, is_package=True) == {
        "recsys_lab.data.dataset"
    }
    with pytest.raises(ValueError, match="no_such_thing"):
        imports_in("from recsys_lab import no_such_thing", "recsys_lab.ui.x", modules)


# --- the package itself -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def graph():
    return import_graph()


def test_the_graph_covers_every_module_and_sees_known_imports(graph):
    assert set(recsys_lab.short_names().values()) <= set(graph)
    assert {f"recsys_lab.{layer}" for layer in recsys_lab.LAYERS} <= set(graph)
    assert "recsys_lab.data.dataset" in graph["recsys_lab.methods.recommender"]  # at module level
    assert "recsys_lab.models.mf" in graph["recsys_lab.models"]  # the models package imports its models
    inside = {t for m, ts in graph.items() if m.startswith("recsys_lab.ui.") for t in ts}
    assert any(t.startswith("recsys_lab.models.") for t in inside)  # ui imports models inside functions


def test_no_module_imports_a_layer_above_its_own(graph):
    assert upward_imports(graph) == [], "a layer may import only itself and the layers before it in LAYERS"


def test_a_planted_upward_import_is_caught(graph):
    planted = {module: set(targets) for module, targets in graph.items()}
    planted["recsys_lab.data.dataset"].add("recsys_lab.models.mf")
    planted["recsys_lab.methods.retrieval"].add("recsys_lab.ui.viz")
    assert upward_imports(planted) == [
        ("recsys_lab.data.dataset", "recsys_lab.models.mf"),
        ("recsys_lab.methods.retrieval", "recsys_lab.ui.viz"),
    ]


def test_an_upward_import_planted_in_a_copy_of_the_source_is_caught(tmp_path):
    copy = tmp_path / "recsys_lab"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    with open(copy / "protocol" / "metrics.py", "a", encoding="utf-8") as f:
        f.write("\n\ndef _planted():\n    from recsys_lab import widgets\n\n    return widgets\n")
    assert upward_imports(import_graph(copy)) == [("recsys_lab.protocol.metrics", "recsys_lab.ui.widgets")]


def test_there_is_no_import_cycle(graph):
    assert find_cycle(graph) is None


def test_a_planted_cycle_is_caught(graph):
    assert "recsys_lab.protocol.metrics" in graph["recsys_lab.protocol.evaluation"]
    planted = {module: set(targets) for module, targets in graph.items()}
    planted["recsys_lab.protocol.metrics"].add("recsys_lab.protocol.evaluation")  # same layer, still a cycle
    assert upward_imports(planted) == []
    cycle = find_cycle(planted)
    assert cycle is not None and cycle[0] == cycle[-1]
    assert {"recsys_lab.protocol.metrics", "recsys_lab.protocol.evaluation"} <= set(cycle)


# --- short names --------------------------------------------------------------------------------------------------


def test_every_short_name_is_the_module_of_that_name():
    names = recsys_lab.short_names()
    assert names["metrics"] == "recsys_lab.protocol.metrics" and names["doctor"] == "recsys_lab.course.doctor"
    assert recsys_lab.metrics is importlib.import_module("recsys_lab.protocol.metrics")
    for short, module in names.items():
        assert module.rsplit(".", 1)[1] == short and layer_of(module) is not None
        assert getattr(recsys_lab, short) is importlib.import_module(module), short


def test_short_names_list_every_module_file_once_and_set_none_aside():
    files = {
        layer: {p.stem for p in (PACKAGE / layer).glob("*.py") if not p.stem.startswith("_")}
        for layer in recsys_lab.LAYERS
    }
    assert {f"recsys_lab.{layer}.{stem}" for layer, stems in files.items() for stem in stems} == set(
        recsys_lab.short_names().values()
    )
    for i, a in enumerate(recsys_lab.LAYERS):
        for b in recsys_lab.LAYERS[i + 1 :]:
            assert not files[a] & files[b], f"module name(s) {files[a] & files[b]} in both {a}/ and {b}/"
    assert not set(recsys_lab.short_names()) & set(recsys_lab.LAYERS)


def test_a_module_name_in_two_layers_is_refused(tmp_path):
    """short_names() on a copy of the package's __init__.py over layers where one name is used twice."""
    fake = tmp_path / "recsys_lab"
    for layer in recsys_lab.LAYERS:
        (fake / layer).mkdir(parents=True)
        (fake / layer / "__init__.py").write_text("")
    (fake / "__init__.py").write_text((PACKAGE / "__init__.py").read_text(encoding="utf-8"), encoding="utf-8")
    (fake / "data" / "metrics.py").write_text("")
    (fake / "protocol" / "splits.py").write_text("")
    code = "import recsys_lab; print(recsys_lab.short_names())"
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode == 0 and "'metrics': 'recsys_lab.data.metrics'" in run.stdout, run.stderr
    (fake / "protocol" / "metrics.py").write_text("")
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode != 0 and "module name 'metrics' of protocol/ is used twice" in run.stderr


def test_an_unknown_attribute_is_an_attribute_error_naming_it():
    with pytest.raises(AttributeError, match="module 'recsys_lab' has no attribute 'no_such_module'"):
        recsys_lab.no_such_module  # noqa: B018
    assert not hasattr(recsys_lab, "modles")
    assert {"metrics", "Dataset", "load_dataset", "LAYERS", "data"} <= set(dir(recsys_lab))


def test_exports_resolve_to_their_definitions():
    from recsys_lab.data.dataset import Dataset
    from recsys_lab.data.load import load_dataset

    assert recsys_lab.Dataset is Dataset and recsys_lab.load_dataset is load_dataset
    for name, module in recsys_lab._EXPORTS.items():
        assert getattr(recsys_lab, name) is getattr(importlib.import_module(module), name), name


# --- TensorFlow only with models/ ---------------------------------------------------------------------------------


def test_the_layers_below_models_and_ui_and_course_never_import_tensorflow():
    code = textwrap.dedent(
        """
        import importlib, sys
        import recsys_lab
        modules = [m for m in recsys_lab.short_names().values() if not m.startswith("recsys_lab.models.")]
        for module in modules:
            importlib.import_module(module)
        layers = sorted({m.split(".")[1] for m in modules})
        print(len(modules), ",".join(layers), "tensorflow" in sys.modules, "keras" in sys.modules)
        """
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    count, layers, tensorflow, keras = run.stdout.split()
    assert layers == "course,data,methods,protocol,ui"
    assert int(count) == sum(
        not m.startswith("recsys_lab.models.") for m in recsys_lab.short_names().values()
    )
    assert (tensorflow, keras) == ("False", "False"), (
        "import recsys_lab and its data-to-course layers need no TF"
    )
