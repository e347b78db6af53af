"""One cold-start sample, in a fresh `python -P bench/cold_child.py` (driven by bench/cold.py).

Both kinds of process run this same file, so they pay the same prologue: the
clock starts at the first statement (interpreter boot and site excluded), the
job is read from BENCH_JOB, botocore is hooked to count requests and time client
creations. Then either

- handler:  CodeUri and layer on sys.path, `import app`, `app.lambda_handler(event, context)`;
- baseline: `import boto3; boto3.client("dynamodb").update_item(...)` with the unlock's arguments.

The clock stops when the answer is back; one `BENCH_RESULT {json}` line reports it.
"""

import time

T0 = time.perf_counter()

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


def main() -> None:
    job: dict[str, Any] = json.loads(os.environ["BENCH_JOB"])
    sent: list[str] = []
    clients: list[tuple[str, float]] = []

    import botocore.session

    original_init = botocore.session.Session.__init__
    original_create_client = botocore.session.Session.create_client

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

    setattr(botocore.session.Session, "__init__", init)  # noqa: B010
    setattr(botocore.session.Session, "create_client", create_client)  # noqa: B010

    if job["mode"] == "handler":
        sys.path[:0] = [job["function_dir"], job["layer_dir"]]
        app = __import__("app")  # the import statement's path (importlib.import_module escapes -X importtime)
        imported = time.perf_counter()
        result = app.lambda_handler(job["event"], Context(job["function_name"], job["function_arn"]))
        status = int(result["statusCode"])
    else:
        import boto3

        imported = time.perf_counter()
        answer = boto3.client("dynamodb").update_item(**job["kwargs"])
        status = 200 if answer["Attributes"]["status"]["S"] == "used" else 500
    done = time.perf_counter()
    report = {
        "mode": job["mode"],
        "status": status,
        "ms": (done - T0) * 1000,
        "import_ms": (imported - T0) * 1000,
        "sent": sent,
        "clients": clients,
    }
    sys.stdout.write("BENCH_RESULT " + json.dumps(report) + "\n")
    sys.stdout.flush()


main()
