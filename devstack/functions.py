"""Lambda functions run in-process, one module instance per warm "container".

Lambda gives each concurrent request its own execution environment; a module
instance here plays that part, so two requests never share a resolver's
`current_event`, and concurrent calls really do run concurrently.
"""

from __future__ import annotations

import importlib.util
import itertools
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from devstack.template import FunctionSpec

_instance_numbers = itertools.count(1)


@dataclass
class LambdaContext:
    """The attributes of the context object Lambda passes to a Python handler."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int = 512
    timeout_seconds: int = 15
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = ""
    log_stream_name: str = ""
    function_version: str = "$LATEST"
    _deadline: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds
        self.log_group_name = f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


Handler = Callable[[dict[str, Any], Any], Any]


RUNTIME = "python3.13"  # template.yaml's Globals (tests/test_packaging.py checks it)


def lambda_variables(spec: FunctionSpec, region: str) -> dict[str, str]:
    """The variables Lambda's runtime sets in a function's environment (its reserved ones), with
    dummy credentials; the function's own variables from template.yaml come on top of them."""
    return {
        "PATH": "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin",
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{RUNTIME}",
        "AWS_LAMBDA_FUNCTION_NAME": spec.logical_id,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.logical_id}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2026/11/26/[$LATEST]0123456789abcdef",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "LAMBDA_TASK_ROOT": str(spec.code_uri),
        "LAMBDA_RUNTIME_DIR": "/var/runtime",
        "_HANDLER": spec.handler,
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        "AWS_XRAY_DAEMON_ADDRESS": "169.254.79.129:2000",
        "AWS_ACCESS_KEY_ID": "ASIADUMMY",
        "AWS_SECRET_ACCESS_KEY": "dummy",
        "AWS_SESSION_TOKEN": "dummy",
    }


def function_arn(spec: FunctionSpec, region: str, account: str) -> str:
    return f"arn:aws:lambda:{region}:{account}:function:{spec.logical_id}"


def load_module(spec: FunctionSpec, label: str = "lambda") -> ModuleType:
    """A new instance of the function's handler module, as a new execution environment imports it.

    The file under CodeUri is executed afresh under a name of its own (`_<label>_<function>_<n>`),
    so module-level state (resolver, clients, settings) is never shared between instances.
    The layer (vault_share) is importable as it is on Lambda's /opt/python.
    """
    module_name, _, _ = spec.handler.rpartition(".")
    path = spec.code_uri / f"{module_name.replace('.', '/')}.py"
    module_spec = importlib.util.spec_from_file_location(f"_{label}_{spec.logical_id}_{next(_instance_numbers)}", path)
    if module_spec is None or module_spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


def handler_of(module: ModuleType, spec: FunctionSpec) -> Handler:
    """The callable template.yaml's Handler names in that module."""
    handler: Handler = getattr(module, spec.handler.rpartition(".")[2])
    return handler


def load_handler(spec: FunctionSpec, label: str = "lambda") -> Handler:
    return handler_of(load_module(spec, label), spec)


class FunctionPool:
    """Warm instances of one function's handler module; grows with concurrency."""

    def __init__(self, spec: FunctionSpec, region: str, account: str) -> None:
        self.spec = spec
        self.name = spec.logical_id
        self.arn = function_arn(spec, region, account)
        self._idle: list[Handler] = []
        self._lock = threading.Lock()
        # Each loaded instance's module: tests reach a container's channels there (its recorder's mailer).
        self.modules: list[ModuleType] = []

    @property
    def instances(self) -> int:
        return len(self.modules)

    def _load(self) -> Handler:
        module = load_module(self.spec)
        self.modules.append(module)
        return handler_of(module, self.spec)

    def context(self) -> LambdaContext:
        return LambdaContext(function_name=self.name, invoked_function_arn=self.arn)

    def warm_up(self) -> None:
        with self._lock:
            if not self._idle:
                self._idle.append(self._load())

    def invoke(self, event: dict[str, Any]) -> Any:
        with self._lock:
            handler = self._idle.pop() if self._idle else None
        if handler is None:
            handler = self._load()
        try:
            return handler(event, self.context())
        finally:
            with self._lock:
                self._idle.append(handler)
