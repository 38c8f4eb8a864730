"""The emulator's Lambda runtime: runs one invocation of a deployed function's handler, then exits.

Started by `junokit.emulator_lambda` as `python -I lambda_bootstrap.py <task dir> <module.function>` with
the function's environment; the event arrives as JSON on stdin. Like the Lambda Python runtime it puts the
task folder first on `sys.path`, logs through the root logger (`[LEVEL] time request-id message`), and
hands the handler a context object. The handler's result (or, when it raises, the runtime's error object)
is written as JSON to the original stdout; everything the handler prints goes to stderr, which the
emulator keeps as the invocation's log. Standard library only: this file runs outside the project.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import sys
import time
import traceback
from typing import Any


class LambdaContext:
    """The attributes and method of the Lambda Python runtime's context object that handlers use."""

    def __init__(self, request_id: str, deadline: float) -> None:
        self.aws_request_id = request_id
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.invoked_function_arn = os.environ.get("JUNOKIT_FUNCTION_ARN", "")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
        self._deadline = deadline

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class _RequestIdFilter(logging.Filter):
    def __init__(self, request_id: str) -> None:
        super().__init__()
        self.request_id = request_id

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = self.request_id
        return True


def main(argv: list[str]) -> int:
    task_dir, handler_name = argv[1], argv[2]
    result_stream = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    sys.stdout = sys.stderr  # the handler's prints are log lines, as in Lambda
    request_id = os.environ.get("JUNOKIT_REQUEST_ID", "-")
    timeout = float(os.environ.get("AWS_LAMBDA_FUNCTION_TIMEOUT", "3"))
    context = LambdaContext(request_id, time.monotonic() + timeout)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s"))
    handler.addFilter(_RequestIdFilter(request_id))
    logging.getLogger().addHandler(handler)
    sys.path.insert(0, task_dir)
    os.chdir(task_dir)
    event = json.loads(sys.stdin.read() or "{}")
    try:
        module_name, _, function_name = handler_name.rpartition(".")
        function = getattr(importlib.import_module(module_name), function_name)
        result: Any = function(event, context)
        payload = json.dumps(result)
        code = 0
    except Exception as error:  # noqa: BLE001 - reported to the caller as the runtime does
        frames = traceback.format_tb(error.__traceback__)
        payload = json.dumps(
            {"errorMessage": str(error), "errorType": type(error).__name__, "requestId": request_id, "stackTrace": frames}
        )
        print(f"[ERROR] {type(error).__name__}: {error}", file=sys.stderr)
        code = 1
    result_stream.write(payload)
    result_stream.flush()
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
