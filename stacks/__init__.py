"""The Junokit stacks: one module per stack, composed from `constructs_lib`, built by `stacks.app`."""

import junokit  # noqa: F401  (installs the lazy provider loader before any provider import)
