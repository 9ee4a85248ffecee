"""Terraform addresses: module paths with their instance keys, and the references an expression makes.

``module.app["prod"].google_project_iam_member.x[0]`` is a module path (``module.app["prod"]``: a call and
its ``for_each`` key) and a resource in it with its ``count`` index. These helpers only read and write that
text; they know nothing of plans or source files.
"""

from __future__ import annotations

import functools
import json
import re

_KEY = r'\[(?:"(?:[^"\\]|\\.)*"|\d+)\]'
_MODULE_STEP = re.compile(rf"module\.(?P<name>[A-Za-z0-9_-]+)(?P<index>{_KEY})?")
RESOURCE_REF = re.compile(
    rf"^(?P<base>(?:data\.)?[a-z0-9_]+\.[A-Za-z0-9_-]+)(?P<index>{_KEY})?(?:\.(?P<attr>[A-Za-z0-9_]+))?"
)
MODULE_REF = re.compile(rf"^module\.(?P<name>[A-Za-z0-9_-]+)(?P<index>{_KEY})?\.(?P<output>[A-Za-z0-9_-]+)")
VAR_REF = re.compile(r"^var\.(?P<name>[A-Za-z0-9_-]+)$")
REPETITION = ("each.key", "each.value", "count.index")


def index_suffix(index: object) -> str:
    """``["prod"]`` / ``[0]`` as Terraform writes an instance key in an address; "" for no key."""
    if index is None:
        return ""
    if isinstance(index, str):
        return f"[{json.dumps(index)}]"
    return f"[{index}]"


@functools.lru_cache(maxsize=4096)
def module_steps(module: str) -> tuple[tuple[str, str], ...]:
    """``module.app["prod"].module.db`` -> (("app", '["prod"]'), ("db", ""))."""
    steps = []
    position = 0
    while position < len(module):
        match = _MODULE_STEP.match(module, position)
        if not match:
            break
        steps.append((match["name"], match["index"] or ""))
        position = match.end() + 1  # the dot between steps
    return tuple(steps)


def parent_module(module: str) -> tuple[str, str] | None:
    """(parent module address, call name) of a module instance address; None for the root module."""
    steps = module_steps(module)
    if not steps:
        return None
    parent = ".".join(f"module.{name}{index}" for name, index in steps[:-1])
    return parent, steps[-1][0]


def join(module: str, local: str) -> str:
    """``local`` (a resource, a module call) inside the module instance ``module`` ("" for the root)."""
    return f"{module}.{local}" if module else local


def primary_references(references: object) -> list[str]:
    """The references an expression makes, without the shorter steps Terraform also lists for each."""
    refs = [ref for ref in references if isinstance(ref, str)] if isinstance(references, list) else []
    return [
        ref
        for ref in refs
        if ref not in REPETITION and not any(other != ref and other.startswith(ref) for other in refs)
    ]


def dotted(path: tuple[str | int, ...]) -> str:
    """An attribute path as Terraform writes it: ``template[0].containers``."""
    return "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in path).lstrip(".")
