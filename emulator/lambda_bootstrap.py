"""The emulator's Lambda runtime: one execution environment of a deployed function, serving invocations.

Started by `emulator.lambda_invoke` as `python -I lambda_bootstrap.py <task dir> <module.function>` with
the function's environment. Like the Lambda Python runtime it puts the task folder first on `sys.path`,
imports the handler once in an init phase that ends with a `{"ready": true}` line (not counted in the
function's timeout) (module state survives between invocations, as in a warm Lambda), logs through the
root logger (`[LEVEL] time request-id message`) and hands the handler a context object. Each invocation is
one JSON line `{"requestId", "event"}` on stdin; its answer is one JSON line `{"payload", "errored"}` on the
original stdout (the handler's result, or the runtime's error object when it raised), after an
`END RequestId: <id>` line on stderr, where everything the handler prints goes. Standard library only:
this file runs outside the project.
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
    results = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    sys.stdout = sys.stderr  # the handler's prints are log lines, as in Lambda
    timeout = float(os.environ.get("AWS_LAMBDA_FUNCTION_TIMEOUT", "3"))
    request_ids = _RequestIdFilter("-")
    log_handler = logging.StreamHandler(sys.stderr)
    log_handler.setFormatter(
        logging.Formatter("[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s")
    )
    log_handler.addFilter(request_ids)
    logging.getLogger().addHandler(log_handler)
    sys.path.insert(0, task_dir)
    os.chdir(task_dir)
    function: Any = None
    init_error: Exception | None = None
    try:
        # Init phase, outside the function's timeout as in Lambda. boto3 is loaded here because the Lambda
        # runtime's copy is already on disk and warm; a loaded test machine can take seconds to import it.
        import boto3  # noqa: F401

        module_name, _, function_name = handler_name.rpartition(".")
        function = getattr(importlib.import_module(module_name), function_name)
    except Exception as error:  # an init error fails every invocation, as in Lambda
        init_error = error
    results.write(json.dumps({"ready": True}) + "\n")
    results.flush()
    for line in sys.stdin:
        message = json.loads(line)
        request_id = str(message["requestId"])
        request_ids.request_id = request_id
        print(f"START RequestId: {request_id}", file=sys.stderr, flush=True)
        try:
            if init_error is not None:
                raise init_error
            result = function(message["event"], LambdaContext(request_id, time.monotonic() + timeout))
            answer = {"payload": json.dumps(result), "errored": False}
        except Exception as error:  # reported to the caller as the runtime does
            error_object = {
                "errorMessage": str(error),
                "errorType": type(error).__name__,
                "requestId": request_id,
                "stackTrace": traceback.format_tb(error.__traceback__),
            }
            print(f"[ERROR] {type(error).__name__}: {error}", file=sys.stderr)
            answer = {"payload": json.dumps(error_object), "errored": True}
        print(f"END RequestId: {request_id}", file=sys.stderr, flush=True)
        results.write(json.dumps(answer) + "\n")
        results.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
