"""Junokit infrastructure: configuration, the cross-stack contract and the provider loader.

Importing this package makes AWS provider submodule imports lazy (see `provider_loader`), so it must be
imported before any `cdktf_cdktf_provider_aws` module; `constructs_lib` and `stacks` do that first.
"""

import os

from junokit import provider_loader

# jsii prints a banner on every start under Node 20; it says nothing about this project's output.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
provider_loader.install()
