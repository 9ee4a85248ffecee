"""Names in the model: the project segment of a full resource name, which hierarchy and rules rely on."""

from __future__ import annotations

import pytest

from iamlint.model import Binding, Principal, SourceLocation, project_of_name, short_name


@pytest.mark.parametrize(
    ("name", "anywhere", "leading"),
    [
        ("//cloudresourcemanager.googleapis.com/projects/acme-prod", "acme-prod", "acme-prod"),
        ("//spanner.googleapis.com/projects/p/instances/i/databases/d", "p", "p"),
        ("//run.googleapis.com/projects/123/locations/l/services/s", "123", "123"),
        ("//storage.googleapis.com/projects/_/buckets/b", "_", "_"),
        ("//storage.googleapis.com/my-bucket", None, None),
        ("//container.googleapis.com/v1/projects/p/zones/z", "p", None),
        ("//cloudresourcemanager.googleapis.com/folders/4", None, None),
        ("//cloudresourcemanager.googleapis.com/projects/", "", ""),
        ("//cloudresourcemanager.googleapis.com/projects", None, None),
        ("//iam.googleapis.com", None, None),
        ("projects/p/serviceAccounts/a@p.iam.gserviceaccount.com", "p", "p"),
        # The unbound project keeps its file path whole.
        (
            "//cloudresourcemanager.googleapis.com/projects/unbound:iam/a/b.json",
            "unbound:iam/a/b.json",
            "unbound:iam/a/b.json",
        ),
    ],
)
def test_project_segment(name: str, anywhere: str | None, leading: str | None) -> None:
    assert project_of_name(name) == anywhere
    assert project_of_name(name, leading_only=True) == leading


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("//run.googleapis.com/projects/p/locations/l/services/s", "projects/p/locations/l/services/s"),
        ("//storage.googleapis.com/bucket", "bucket"),
        ("//iam.googleapis.com", ""),
        ("//", ""),
        ("projects/p", "projects/p"),
    ],
)
def test_short_name(name: str, short: str) -> None:
    assert short_name(name) == short


_AT = [SourceLocation("p.yaml", line) for line in (3, 4, 5)]


@pytest.mark.parametrize(
    ("members", "member_locations"),
    [
        (["user:a@b.c", "user:d@b.c"], (_AT[0], _AT[1])),  # one location each, as loaders write them
        (["user:a@b.c", "user:d@b.c", "group:g@b.c"], (_AT[0],)),  # fewer locations than members
        (["user:a@b.c"], (_AT[0], _AT[1])),  # more
        (["user:a@b.c", "user:d@b.c"], (None, _AT[1])),  # one not located
        (["user:a@b.c", "user:d@b.c", "user:a@b.c"], (_AT[0], _AT[1], _AT[2])),  # listed twice
        (["user:a@b.c"], ()),
    ],
)
def test_locations_of_members_are_location_of_each(
    members: list[str], member_locations: tuple[SourceLocation | None, ...]
) -> None:
    binding = Binding(
        resource="//r",
        role="roles/viewer",
        members=tuple(Principal.parse(m) for m in members),
        location=SourceLocation("p.yaml", 2),
        member_locations=member_locations,
    )
    assert list(binding.locations_of_members()) == [binding.location_of(p) for p in binding.members]
