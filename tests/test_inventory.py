"""The inventory's hierarchy: ancestors are remembered per node, and loops in the inputs are cut."""

from __future__ import annotations

import itertools

import pytest

from iamlint.inventory import FOLDER_TYPE, Inventory, InventoryBuilder
from iamlint.model import CRM, Resource

PARENTS = {
    # an organisation, folders and projects, and a loop b -> c -> d -> c further up from a
    "folders/f1": "organizations/o",
    "folders/f2": "folders/f1",
    "projects/p1": "folders/f2",
    "projects/p2": "folders/f2",
    "folders/a": "folders/b",
    "folders/b": "folders/c",
    "folders/c": "folders/d",
    "folders/d": "folders/c",
    "folders/self": "folders/self",
}


def _inventory() -> Inventory:
    builder = InventoryBuilder()
    for child, parent in PARENTS.items():
        builder.add(Resource(name=CRM + child, asset_type=FOLDER_TYPE, parent=CRM + parent))
    return builder.build()


def _walked(inventory: Inventory, name: str) -> list[str]:
    """The chain as a plain walk finds it, parent by parent, stopping at anything met before."""
    chain: list[str] = []
    seen = {name}
    current = inventory.parent(name)
    while current and current not in seen:
        chain.append(current)
        seen.add(current)
        current = inventory.parent(current)
    return chain


@pytest.mark.parametrize(
    "order",
    [
        *itertools.permutations(["projects/p1", "folders/f2", "folders/f1"]),
        *itertools.permutations(["folders/a", "folders/b", "folders/c", "folders/d"]),
    ],
)
def test_ancestors_are_the_walk_whatever_is_asked_first(order: tuple[str, ...]) -> None:
    inventory = _inventory()
    for name in order:
        assert list(inventory.ancestors(CRM + name)) == _walked(inventory, CRM + name)


def test_ancestors_end_at_the_organization_and_loops_are_cut() -> None:
    inventory = _inventory()
    assert list(inventory.ancestors(CRM + "projects/p2")) == [
        CRM + "folders/f2",
        CRM + "folders/f1",
        CRM + "organizations/o",
    ]
    assert list(inventory.ancestors(CRM + "folders/a")) == [
        CRM + "folders/b",
        CRM + "folders/c",
        CRM + "folders/d",
    ]
    assert list(inventory.ancestors(CRM + "folders/self")) == []
