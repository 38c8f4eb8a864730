"""The Junokit stacks, one folder per component (its stack, contract and constructs); `stacks.app` builds them.

Importing a package here loads nothing: `stacks.<component>.contract` is safe to import anywhere."""
