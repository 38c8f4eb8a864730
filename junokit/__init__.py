"""Junokit infrastructure: configuration, the cross-stack contract and the provider loader.

Importing this package makes AWS provider loading lazy in Python and in the jsii kernel's Node process (see
`provider_loader`), runs that kernel in one Node process instead of two (`jsii_kernel`) and computes the
bindings' run-time type hints once each (`type_hints`). The kernel reads
its settings when it starts, so this must be imported before `cdktf`, `constructs` or any provider module:
`main.py`, `constructs_lib`, `stacks` and `tests/conftest.py` do that first.
"""

import os

from junokit import jsii_kernel, provider_loader, type_hints

# jsii prints a banner on every start under Node 20; it says nothing about this project's output.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
provider_loader.install()
jsii_kernel.install()
type_hints.install()
