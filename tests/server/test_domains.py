"""Every domain has the same shape and is wired through the one list in server/domains.py."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import server
import server.piccolo_conf
from server.domains import (
    DOMAINS,
    all_handlers,
    all_notices,
    all_projections,
    all_routes,
    piccolo_apps,
)
from server.syncing.collections import handlers, services

SERVER = Path(server.__file__).parent
# What a domain folder holds, as it needs them; anything else its __init__ names and explains.
SHAPE = {
    "__init__",
    "tables",
    "handlers",
    "controller",
    "schemas",
    "service",
    "notices",
    "projections",
    "piccolo_app",
}


def test_every_domain_folder_is_in_the_list() -> None:
    folders = {p.parent.name for p in SERVER.glob("*/__init__.py")}
    assert folders == {d.__name__.rsplit(".", 1)[1] for d in DOMAINS}


def test_a_domain_folder_that_differs_says_so_in_its_init() -> None:
    for domain in DOMAINS:
        folder = Path(domain.__file__).parent  # type: ignore[attr-defined]
        doc = ast.get_docstring(ast.parse((folder / "__init__.py").read_text(encoding="utf-8")))
        assert doc, folder.name
        for extra in sorted({p.stem for p in folder.glob("*.py")} - SHAPE):
            assert f"{extra}.py" in doc, f"server/{folder.name}/__init__.py: say why {extra}.py"


def test_routes_handlers_notices_and_piccolo_apps_come_from_the_list() -> None:
    assert len(all_routes()) == len(set(map(id, all_routes())))
    collections = [h.collection for h in all_handlers(services())]
    assert len(collections) == len(set(collections))
    assert collections == [h.collection for h in handlers()]
    assert {"findings", "keys", "key_events", "patrols", "review"} <= set(collections)
    assert len(all_notices()) == 7  # findings, keys, patrols, review, parking, vendors, permits
    assert server.piccolo_conf.APP_REGISTRY.apps == piccolo_apps()
    assert piccolo_apps() == [
        f"server.{d}.piccolo_app"
        for d in (
            "auth",
            "sites",
            "findings",
            "keys",
            "patrols",
            "media",
            "push",
            "syncing",
            "parking",
            "vendors",
            "permits",
            "audit",
        )
    ]
    assert [p.collection for p in all_projections()] == [
        "findings",
        "key_events",
        "patrols",
        "parking_shifts",
        "parking_transactions",
        "inspections",
        "inspection_items",
        "permits",
    ]


def test_every_module_imports_on_its_own() -> None:
    """Domains import each other's tables and services: no import order may go round in a
    circle (each module first, in a fresh interpreter)."""
    modules = sorted(
        ".".join(p.relative_to(SERVER.parent).with_suffix("").parts).removesuffix(".__init__")
        for p in SERVER.rglob("*.py")
        if "piccolo_migrations" not in p.parts
    )
    # One interpreter, our modules forgotten before each (third-party ones stay: quicker).
    script = (
        "import importlib, sys\n"
        "for m in sys.argv[1:]:\n"
        "    for loaded in [k for k in sys.modules if k == 'server' or k.startswith('server.')]:\n"
        "        del sys.modules[loaded]\n"
        "    try:\n"
        "        importlib.import_module(m)\n"
        "    except Exception as exc:\n"
        "        print(m, type(exc).__name__, exc)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script, *modules], capture_output=True, text=True, check=True
    )
    assert run.stdout == ""


def test_nothing_outside_sync_imports_its_private_modules() -> None:
    for path in [*SERVER.rglob("*.py"), *(SERVER.parent / "bench").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith("sync._"), f"{path}: {node.module}"
