"""Only python-telegram-bot's public API: no private module, no private name, no monkeypatching.

Every `.py` file under bot/, admin/, storage/, scripts/, bench/ and tests/ (this file aside)
is read with `ast`. The rules:

1. No import from a private PTB module: a dotted path under `telegram` with a part that
   starts with "_" (`telegram._utils.types`, `telegram.ext._handlers…`).
2. No private PTB name, read from the installed PTB itself: every single-underscore name a
   module or class of the `telegram` package defines (attributes, methods, slots).
   - `x._name` is flagged when PTB defines `_name` and our own code does not (a name we
     define ourselves — `self._session = …`, `def _parse`, a slot — is ours wherever
     it is read; the price is that a PTB private that happens to share a name with one of
     ours goes unnoticed);
   - `super()._name` is flagged whenever PTB defines `_name` (calling a private hook);
   - `def _name` in a class with a base imported from `telegram` is flagged when PTB
     defines `_name` (overriding a private hook).
3. No monkeypatching of PTB: `setattr(x, …)`, `monkeypatch.setattr(x, …)`,
   `patch.object(x, …)`, `delattr`, and `x.attr = …` / `del x.attr` where `x` is a name
   imported from `telegram` (or an attribute of one), `setattr`/`patch` with a dotted
   string starting with "telegram", and `object.__setattr__` / `object.__new__` anywhere
   (the way around a frozen PTB object).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
import telegram

ROOT = Path(__file__).resolve().parents[1]
CHECKED = ("bot", "admin", "storage", "scripts", "bench", "tests")
THIS = Path(__file__).resolve()


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


@cache
def ptb_private_names() -> frozenset[str]:
    """Every single-underscore name defined by a module or class of the installed PTB."""
    names: set[str] = set()
    for info in pkgutil.walk_packages(telegram.__path__, "telegram."):
        try:
            module = importlib.import_module(info.name)
        except ImportError:  # an optional extra that is not installed
            continue
        for name, value in vars(module).items():
            if _private(name):
                names.add(name)
            if inspect.isclass(value) and value.__module__.startswith("telegram"):
                for cls in value.__mro__:
                    if not cls.__module__.startswith("telegram"):
                        continue
                    names.update(n for n in vars(cls) if _private(n))
                    slots = vars(cls).get("__slots__", ())
                    names.update(n for n in ([slots] if isinstance(slots, str) else slots))
    return frozenset(n for n in names if _private(n))


def _private_module(module: str) -> bool:
    parts = module.split(".")
    return parts[0] == "telegram" and any(p.startswith("_") for p in parts[1:])


def _root(node: ast.expr) -> ast.expr:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node


def _is_super_call(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super"
    )


class _Module:
    """One parsed file: what it imports from telegram and what it defines itself."""

    def __init__(self, path: Path, source: str) -> None:
        self.path = path
        self.tree = ast.parse(source, filename=str(path))
        self.from_telegram: set[str] = set()  # local names bound to PTB modules or objects
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == "telegram":
                        self.from_telegram.add((alias.asname or alias.name).split(".")[0])
            elif (
                isinstance(node, ast.ImportFrom)
                and node.module
                and node.level == 0
                and node.module.split(".")[0] == "telegram"
            ):
                self.from_telegram.update(a.asname or a.name for a in node.names)

    def defined_names(self) -> set[str]:
        """Private names this file defines: functions, classes, assignments, slots."""
        names: set[str] = set()
        for node in ast.walk(self.tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                if isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
                    names.add(node.attr)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names.add(node.target.id)
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "__slots__" for t in node.targets
            ):
                names.update(
                    c.value
                    for c in ast.walk(node.value)
                    if isinstance(c, ast.Constant) and isinstance(c.value, str)
                )
        return {n for n in names if _private(n)}

    def _from_telegram(self, node: ast.expr) -> bool:
        root = _root(node)
        return isinstance(root, ast.Name) and root.id in self.from_telegram

    def violations(self, ours: set[str]) -> Iterator[str]:
        ptb = ptb_private_names()
        for node in ast.walk(self.tree):
            where = f"{self.path}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if _private_module(alias.name):
                        yield f"{where}: import of private module {alias.name}"
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if _private_module(node.module):
                    yield f"{where}: import from private module {node.module}"
                elif node.module.split(".")[0] == "telegram":
                    for alias in node.names:
                        if _private(alias.name):
                            yield f"{where}: import of private name {alias.name}"
            elif isinstance(node, ast.Attribute) and _private(node.attr):
                if node.attr in ptb and (_is_super_call(node.value) or node.attr not in ours):
                    yield f"{where}: PTB private attribute .{node.attr}"
                elif self._from_telegram(node.value):
                    yield f"{where}: private attribute .{node.attr} of a telegram name"
            elif isinstance(node, ast.ClassDef):
                if any(self._from_telegram(base) for base in node.bases):
                    for item in node.body:
                        is_def = isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
                        if is_def and item.name in ptb:
                            yield f"{where}: {node.name} overrides PTB's private {item.name}"
            elif isinstance(node, ast.Call):
                yield from self._patching(node, where)
            elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
                targets = (
                    node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
                )
                for target in targets:
                    if isinstance(target, ast.Attribute) and self._from_telegram(target.value):
                        yield f"{where}: assignment to a telegram attribute .{target.attr}"

    def _patching(self, call: ast.Call, where: str) -> Iterator[str]:
        func = call.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "object"
            and func.attr in ("__setattr__", "__new__", "__delattr__")
        ):
            yield f"{where}: object.{func.attr} (around a frozen object)"
            return
        is_object_patch = name == "object" and isinstance(func, ast.Attribute)
        if name not in ("setattr", "delattr", "patch") and not is_object_patch:
            return
        if not call.args:
            return
        target = call.args[0]
        if isinstance(target, ast.Constant) and isinstance(target.value, str):
            if target.value.split(".")[0] == "telegram":
                yield f"{where}: {name} of {target.value}"
        elif self._from_telegram(target):
            yield f"{where}: {name} on a telegram name"


def _files() -> Iterator[Path]:
    for folder in CHECKED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path.resolve() != THIS:
                yield path


@cache
def _modules() -> tuple[_Module, ...]:
    return tuple(_Module(p.relative_to(ROOT), p.read_text(encoding="utf-8")) for p in _files())


def _ours() -> set[str]:
    names: set[str] = set()
    for module in _modules():
        names |= module.defined_names()
    return names


def test_the_source_tree_uses_only_ptb_public_api() -> None:
    ours = _ours()
    found = [v for module in _modules() for v in module.violations(ours)]
    assert not found, "\n".join(found)


def test_the_tree_is_read_at_all() -> None:
    paths = {str(m.path) for m in _modules()}
    assert "bot/app.py" in paths and "tests/conftest.py" in paths
    assert "_id_attrs" in ptb_private_names() and "_get_key" in ptb_private_names()


@pytest.mark.parametrize(
    "source",
    [
        "from telegram._utils.types import JSONDict",
        "import telegram.ext._utils.trackingdict",
        "from telegram.ext._handlers.conversationhandler import PendingState",
        "def f(handler):\n    return handler._get_key(1)",
        "def f(app):\n    return app._conversation_handler_conversations",
        "class A(B):\n    def f(self):\n        return super()._run_request()",
        "from telegram.ext import ExtBot\nclass A(ExtBot):\n    def _insert_defaults(self):\n"
        "        pass",
        "from telegram import Message\nMessage.foo = 1",
        "import telegram\ndef f(monkeypatch):\n    monkeypatch.setattr(telegram.Bot, 'x', 1)",
        "def f(monkeypatch):\n    monkeypatch.setattr('telegram.Bot.send_message', 1)",
        "from telegram import Message\ndef f():\n    return object.__new__(Message)",
        "from telegram import filters\nx = filters._MergedFilter",
    ],
)
def test_the_rules_catch_what_they_are_meant_to(source: str) -> None:
    module = _Module(Path("example.py"), source)
    assert list(module.violations(set())), source


@pytest.mark.parametrize(
    "source",
    [
        "from telegram.ext import BaseRateLimiter\nclass L(BaseRateLimiter):\n"
        "    def _wait_for_gate(self):\n        return self._closed_until",
        "class Request:\n    def f(self):\n        return self._session",
        "from telegram.request import BaseRequest\nx = BaseRequest.DEFAULT_NONE",
        "def f(monkeypatch, limits):\n    monkeypatch.setattr(limits, '_now', 1)",
    ],
)
def test_the_rules_leave_our_own_names_alone(source: str) -> None:
    module = _Module(Path("example.py"), source)
    assert not list(module.violations(module.defined_names())), source
