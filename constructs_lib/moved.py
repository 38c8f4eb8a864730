"""Terraform `moved` blocks: a resource keeps its deployed object when its address changes.

cdktf's `move_from_id` writes the same block, and also makes every synth of the stack run `terraform version`
in a subprocess, to check for Terraform 1.5 or later: about 60 ms a stack (a tenth of a synth), Terraform's
update check over the network unless CHECKPOINT_DISABLE is set, and no synth at all without Terraform on
PATH. Junokit checks Terraform itself, exactly (`tools/terraform.py`: `make synth` runs that check), so
`move_from` writes the blocks into the stack's configuration directly: a top-level `moved` list, the same JSON
`move_from_id` produces.
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

from cdktf import TerraformResource, TerraformStack

_moves: WeakKeyDictionary[TerraformStack, list[dict[str, str]]] = WeakKeyDictionary()
"""The blocks written so far, per stack: each call rewrites the stack's whole `moved` list."""


def move_from(resource: TerraformResource, address: str) -> None:
    """Record that `resource` was at `address` (`type.name`) before; a no-op where nothing is at `address`."""
    if address.split(".", 1)[0] != resource.terraform_resource_type:
        raise ValueError(
            f"moved block from {address!r} to a {resource.terraform_resource_type}: Terraform moves a resource "
            f"only within its type (allowed: {resource.terraform_resource_type}.<name>)"
        )
    stack = TerraformStack.of(resource)
    moves = _moves.setdefault(stack, [])
    moves.append({"from": address, "to": f"{resource.terraform_resource_type}.{resource.friendly_unique_id}"})
    stack.add_override("moved", list(moves))
