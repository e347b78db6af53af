"""One cold-start sample, in a fresh `python -P bench/cold_child.py` (driven by bench/cold.py).

Both kinds of process run this same file, so they pay the same prologue: the
clock starts at the first statement (interpreter boot and site excluded), the
job is read from BENCH_JOB, botocore is hooked to count requests, time client
creations and record each API call (service, operation, parameters, error code). Then either

- handler:  CodeUri and layer on sys.path, `import app`, `app.lambda_handler(event, context)`;
- restore:  the same for a SnapStart function, as a restored environment runs it: with a stand-in
  of Lambda's `snapshot_restore_py`, `import app` and its before-snapshot hooks (the init the
  snapshot holds), then the clock starts again for the after-restore hooks and the request;
- baseline: `import boto3`, then the job's AWS calls, one `boto3.client(service)` per service,
  each answered as expected (the error code the handler's own call got, or none).

The clock stops when the answer is back; one `BENCH_RESULT {json}` line reports it.
"""

import time

T0 = time.perf_counter()

import base64  # noqa: E402
import copy  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
from typing import Any  # noqa: E402


class Context:
    """The attributes of the context object Lambda passes to a Python handler."""

    def __init__(self, function_name: str, arn: str) -> None:
        self.function_name = function_name
        self.invoked_function_arn = arn
        self.memory_limit_in_mb = 512
        self.aws_request_id = "00000000-0000-4000-8000-000000000000"
        self.function_version = "$LATEST"
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "bench"
        self._deadline = time.monotonic() + 15

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _plain(value: Any) -> Any:
    """An API call's parameters as JSON (bytes as {"__bytes__": base64}), to be replayed."""
    if isinstance(value, bytes):
        return {"__bytes__": base64.b64encode(value).decode("ascii")}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"cannot record a parameter of type {type(value).__name__}")


def _typed(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__bytes__"}:
            return base64.b64decode(value["__bytes__"])
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(v) for v in value]
    return value


def _snapstart_runtime() -> dict[str, list[Any]]:
    """A stand-in of `snapshot_restore_py` (part of Lambda's Python runtime only): the hooks it is given."""
    import types

    hooks: dict[str, list[Any]] = {"before_snapshot": [], "after_restore": []}
    module = types.ModuleType("snapshot_restore_py")
    module.register_before_snapshot = hooks["before_snapshot"].append  # type: ignore[attr-defined]
    module.register_after_restore = hooks["after_restore"].append  # type: ignore[attr-defined]
    sys.modules["snapshot_restore_py"] = module
    return hooks


def main() -> None:
    job: dict[str, Any] = json.loads(os.environ["BENCH_JOB"])
    sent: list[str] = []
    clients: list[tuple[str, float]] = []
    calls: list[list[Any]] = []  # [service, operation, parameters, error code or None]

    import botocore.client
    import botocore.session
    from botocore.exceptions import ClientError

    original_init = botocore.session.Session.__init__
    original_create_client = botocore.session.Session.create_client
    original_call = botocore.client.BaseClient._make_api_call

    def on_send(event_name: str, **_: Any) -> None:
        sent.append(event_name.removeprefix("before-send."))

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        self.register("before-send", on_send)

    def create_client(self: Any, service_name: str, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original_create_client(self, service_name, *args, **kwargs)
        finally:
            clients.append((service_name, (time.perf_counter() - started) * 1000))

    def make_api_call(self: Any, operation_name: str, api_params: Any) -> Any:
        # A copy: botocore's handlers may add to the parameters (a generated ClientToken...).
        call = [self.meta.service_model.service_name, operation_name, copy.deepcopy(api_params), None]
        calls.append(call)
        try:
            return original_call(self, operation_name, api_params)
        except ClientError as exc:
            call[3] = exc.response.get("Error", {}).get("Code")
            raise

    setattr(botocore.session.Session, "__init__", init)  # noqa: B010
    setattr(botocore.session.Session, "create_client", create_client)  # noqa: B010
    setattr(botocore.client.BaseClient, "_make_api_call", make_api_call)  # noqa: B010

    start = T0
    if job["mode"] in ("handler", "restore"):
        sys.path[:0] = [job["function_dir"], job["layer_dir"]]
        hooks = _snapstart_runtime() if job["mode"] == "restore" else None
        app = __import__("app")  # the import statement's path (importlib.import_module escapes -X importtime)
        imported = time.perf_counter()
        if hooks is not None:
            for hook in hooks["before_snapshot"]:
                hook()
            start = time.perf_counter()  # a restored environment begins here
            for hook in hooks["after_restore"]:
                hook()
            imported = time.perf_counter()  # restore: import_ms is the after-restore hooks' time
        result = app.lambda_handler(job["event"], Context(job["function_name"], job["function_arn"]))
        # An API answer's status; a stream batch's: 200 when no record failed.
        status = int(result["statusCode"]) if "statusCode" in result else 500 if result["batchItemFailures"] else 200
    else:
        import boto3
        from botocore import xform_name

        imported = time.perf_counter()
        status = 200
        made: dict[str, Any] = {}
        for service, operation, params, expected in job["calls"]:
            if service not in made:
                made[service] = boto3.client(service)
            try:
                getattr(made[service], xform_name(operation))(**_typed(params))
                error = None
            except ClientError as exc:
                error = exc.response.get("Error", {}).get("Code")
            if error != expected:
                status = 500
    done = time.perf_counter()
    report = {
        "mode": job["mode"],
        "status": status,
        "ms": (done - start) * 1000,
        "import_ms": (imported - start) * 1000,
        "sent": sent,
        "clients": clients,
        "calls": [[service, operation, _plain(params), error] for service, operation, params, error in calls],
    }
    sys.stdout.write("BENCH_RESULT " + json.dumps(report) + "\n")
    sys.stdout.flush()


main()
