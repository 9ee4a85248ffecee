"""The shared indexes rules query answer exactly what walking every grant or resource would."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from iamlint.identities import is_service_agent
from iamlint.inventory import Inventory
from iamlint.model import PrincipalKind
from iamlint.testing import build_inventory
from iamlint_rules._common import (
    ACCOUNT_KINDS,
    BASIC_ROLES,
    HIERARCHY_TYPES,
    SPANNER_DATABASE_TYPE,
    SPANNER_INSTANCE_TYPE,
    Below,
    Memo,
    grants,
    grants_where,
    is_hierarchy_level,
    known_resources,
    known_resources_of_type,
    listing,
    resource_type,
    service_agents,
)
from iamlint_rules._examples import policy, sa

CAI = Path(__file__).parent.parent / "fixtures" / "cai"


@pytest.fixture(scope="module")
def inventory() -> Inventory:
    files = {path.name: path.read_text() for path in sorted(CAI.glob("export-*.ndjson"))}
    # A member listed twice (located where first listed), members of several kinds, a conditional role.
    files["iam/project.yaml"] = policy(
        [
            (
                "roles/editor",
                ["user:twice@acme.example", "group:ops@acme.example", "user:twice@acme.example"],
            ),
            ("roles/viewer", ["allUsers", "serviceAccount:" + sa("orders-run"), "domain:acme.example"]),
            ("roles/spanner.databaseUser", ["serviceAccount:" + sa("orders-run")], "request.time < 1"),
            ("roles/editor", ["deleted:user:bob@acme.example?uid=1", "group:ops@acme.example"]),
        ]
    )
    return build_inventory(files)


def test_grants_are_every_member_of_every_binding_in_input_order(inventory: Inventory) -> None:
    expected = [
        (binding, principal, inventory.canonical(binding.resource), binding.location_of(principal))
        for binding in inventory.bindings()
        for principal in binding.members
    ]
    assert [(g.binding, g.principal, g.resource, g.location) for g in grants(inventory)] == expected
    first, second = [g for g in grants(inventory) if g.principal.member == "user:twice@acme.example"]
    assert first.location == second.location == first.binding.member_locations[0]
    assert first.binding.member_locations[2] != first.location


SELECTIONS: list[tuple[frozenset[PrincipalKind] | None, Callable[[str], bool] | None]] = [
    (None, None),
    (frozenset({PrincipalKind.USER}), None),
    (frozenset({PrincipalKind.SERVICE_ACCOUNT, PrincipalKind.GROUP}), None),
    (ACCOUNT_KINDS, BASIC_ROLES.__contains__),
    (None, lambda role: role.startswith("roles/spanner.")),
    (frozenset({PrincipalKind.PRINCIPAL_SET}), None),
    (None, lambda role: False),
]


@pytest.mark.parametrize(("kinds", "role"), SELECTIONS)
def test_grants_where_is_the_filtered_walk(
    inventory: Inventory,
    kinds: frozenset[PrincipalKind] | None,
    role: Callable[[str], bool] | None,
) -> None:
    walked = [
        grant
        for grant in grants(inventory)
        if (kinds is None or grant.principal.kind in kinds) and (role is None or role(grant.role))
    ]
    assert grants_where(inventory, kinds=kinds, role=role) == walked


def test_grants_where_asks_about_each_role_once(inventory: Inventory) -> None:
    asked: list[str] = []

    def role(name: str) -> bool:
        asked.append(name)
        return True

    grants_where(inventory, kinds=(PrincipalKind.GROUP,), role=role)
    assert sorted(asked) == sorted(
        {g.role for g in grants(inventory) if g.principal.kind is PrincipalKind.GROUP}
    )


def test_known_resources_of_type_is_the_filtered_sorted_walk(inventory: Inventory) -> None:
    names = known_resources(inventory)
    assert names == sorted(set(names))
    for types in [
        (SPANNER_DATABASE_TYPE,),
        (SPANNER_INSTANCE_TYPE, SPANNER_DATABASE_TYPE),
        ("nothing/Here",),
    ]:
        expected = [name for name in names if inventory.resource_type(name) in types]
        assert known_resources_of_type(inventory, *types) == expected
    assert known_resources_of_type(inventory, SPANNER_DATABASE_TYPE)


def test_hierarchy_level_is_remembered_and_right(inventory: Inventory) -> None:
    for name in known_resources(inventory):
        expected = inventory.resource_type(name) in HIERARCHY_TYPES
        assert is_hierarchy_level(inventory, name) is expected
        assert is_hierarchy_level(inventory, name) is expected
        assert resource_type(inventory, name) == inventory.resource_type(name)


def test_memo_computes_each_key_once_and_keeps_the_answer() -> None:
    asked: list[str] = []

    def compute(key: str) -> int:
        asked.append(key)
        return len(key)

    memo = Memo(compute)
    assert [memo["ab"], memo["abc"], memo["ab"]] == [2, 3, 2]
    assert asked == ["ab", "abc"]
    assert "abcd" not in memo  # only a lookup computes


def test_service_agents_answer_as_is_service_agent(inventory: Inventory) -> None:
    members = {g.principal.member for g in grants(inventory)} | {
        "serviceAccount:service-123@gcp-sa-spanner.iam.gserviceaccount.com",
        "service-123@gcp-sa-spanner.iam.gserviceaccount.com",
        "user:service-123@gcp-sa-spanner.iam.gserviceaccount.com",
    }
    agents = service_agents(inventory)
    assert agents is service_agents(inventory)
    for member in sorted(members):
        assert agents[member] is is_service_agent(member)
        assert agents[member] is is_service_agent(member)
    assert agents["service-123@gcp-sa-spanner.iam.gserviceaccount.com"]


def test_below_files_items_under_every_ancestor_and_sees_later_additions(inventory: Inventory) -> None:
    below = Below.resources_of_type(inventory, SPANNER_DATABASE_TYPE)
    databases = known_resources_of_type(inventory, SPANNER_DATABASE_TYPE)
    for name in known_resources(inventory):
        expected = sorted(d for d in databases if name in {inventory.canonical(d), *inventory.ancestors(d)})
        assert list(below.under(name)) == expected
    some = databases[0]
    top = inventory.ancestors(some)[-1]
    before = list(below.under(top))
    below.add(some, "zzz-added")
    assert list(below.under(top)) == [*before, "zzz-added"]
    below.add_all(some, ["zzz-more", "zzz-most"])
    assert list(below.under(some)) == [inventory.canonical(some), "zzz-added", "zzz-more", "zzz-most"]
    assert list(below.under(top))[-3:] == ["zzz-added", "zzz-more", "zzz-most"]


def test_below_add_many_files_as_add_all_does(inventory: Inventory) -> None:
    names = known_resources(inventory)
    # Siblings and their parents, items filed twice, a resource under itself, a name given by alias.
    filed = [(name, [f"item-{index % 7}", name]) for index, name in enumerate(names)]
    filed += [(names[0], ["again"]), (names[-1], ["again", "more"])]
    one_by_one = Below(inventory)
    for at, items in filed:
        one_by_one.add_all(at, items)
    together = Below(inventory)
    together.add_many(filed)
    for name in names:
        assert together.under(name) == one_by_one.under(name)
    together.add_many([(names[0], ["zzz-later"])])
    assert together.under(names[0])[-1] == "zzz-later"


def test_listing_shows_only_what_it_prints() -> None:
    shown: list[str] = []

    def show(item: str) -> str:
        shown.append(item)
        return item.upper()

    assert listing(["a", "b", "c", "d", "e"], show=show) == "A, B, C and 2 more"
    assert shown == ["a", "b", "c"]
    assert listing(["a", "b"]) == "a, b"
