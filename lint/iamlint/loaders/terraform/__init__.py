"""Terraform: plans (``terraform show -json``), read by :mod:`.plan`; the mapping from resource types to the
model that readers share is :mod:`.resources`, the values they resolve :mod:`.expressions`, and addresses
:mod:`.addresses`."""

from iamlint.loaders.terraform.addresses import module_steps, parent_module, primary_references
from iamlint.loaders.terraform.plan import TerraformPlanLoader

__all__ = ["TerraformPlanLoader", "module_steps", "parent_module", "primary_references"]
