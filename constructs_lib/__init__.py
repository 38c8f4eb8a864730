"""Reusable constructs the Junokit stacks are composed of.

Each construct takes keyword-only, typed props with documented, safe defaults and exposes a few public
attributes (its outputs). Importing `junokit` first keeps provider imports lazy.
"""

import junokit  # noqa: F401  (installs the lazy provider loader before any provider import)
