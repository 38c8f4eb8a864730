"""The profile function: GET/PUT /user/profile. Runtime code in `runtime/`, infrastructure in `construct.py`."""

from stacks.api.profile_function.construct import RUNTIME_DIR, ProfileFunction, ProfileFunctionProps, stage_runtime

__all__ = ["RUNTIME_DIR", "ProfileFunction", "ProfileFunctionProps", "stage_runtime"]
