"""Developer and CI tools: the policy gate, the plan review, Terraform Cloud workspace setup."""
