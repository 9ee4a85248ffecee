"""The resource a bare policy file is set on, as ``--resource`` and the config's ``resources:`` take it.

Both take the same forms: a full resource name (``//SERVICE.googleapis.com/...``, as Cloud Asset
Inventory names resources) or the short name of a container of the resource hierarchy (``projects/P``,
``folders/N``, ``organizations/N``), which is made the full name. Any other short form (a Spanner database,
a Cloud Run service) is refused with the full form to use: taken literally it would name no resource the
rules know, and its findings would be lost.
"""

from __future__ import annotations

import re

from iamlint.model import CRM

# The config schema's pattern for resources: values (schemas/config.schema.json) is the union of these.
FULL_NAME = re.compile(r"^//[a-z0-9.-]+\.googleapis\.com/.+$")
SHORT_CONTAINER = re.compile(r"^(projects/[a-z0-9][a-z0-9.:-]*[a-z0-9]|folders/[0-9]+|organizations/[0-9]+)$")

EXPECTED = (
    "expected a full resource name such as //cloudresourcemanager.googleapis.com/projects/acme-prod or "
    "//spanner.googleapis.com/projects/P/instances/I/databases/D, or projects/P, folders/N or organizations/N"
)


def full_resource_name(text: str) -> str | None:
    """``text`` as a full resource name, or None when it is neither a full name nor a short container."""
    if FULL_NAME.match(text):
        return text
    if SHORT_CONTAINER.match(text):
        return CRM + text
    return None


def resource_argument(text: str) -> str:
    """The argparse type of ``--resource``."""
    import argparse

    name = full_resource_name(text)
    if name is None:
        raise argparse.ArgumentTypeError(f"{text!r}: {EXPECTED}")
    return name
