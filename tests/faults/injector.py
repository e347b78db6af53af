"""AWS failures injected into the calls a handler makes, through botocore's event hooks.

Every botocore client created once this module is imported carries three hooks, registered the
way moto registers its own stub (botocore.handlers.BUILTIN_HANDLERS, copied by every new
session): `before-call`, which can answer a call with an error before it leaves (throttled,
5xx, unreachable: nothing happened); `after-call`, which can drop the answer of a call that was
carried out (a read timeout: it happened, the caller cannot know); and `needs-retry`, which can
make botocore send a call that was carried out once more, as it does when the answer of its
first attempt times out (the caller then gets the second attempt's answer: a conditional write
meets its own first write). Every other call goes on to moto's real store. The first two replace
the answer botocore gives once its own retries are exhausted.

    with injector.recording() as calls:           # the AWS calls of a request, in order
        api.call(...)
    with injector.failing(THROTTLED, at=3):       # its 3rd call fails
        api.call(...)
    with injector.failing(THROTTLED, when=service("kms")):  # its first KMS call fails

Clients built before the import lack the hooks: `fresh_clients()` drops every client the
handlers' libraries keep (adapters.aws, PynamoDB's connections, Powertools' parameter
providers), and a flow's recorded calls are always checked against the expected list, so a
client without hooks shows up as a missing call.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore import handlers
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ConnectTimeoutError, ReadTimeoutError


@dataclass(frozen=True, eq=False)
class Call:
    """One AWS call: `service.Operation`, and the request as botocore serialised it."""

    service: str  # botocore's hyphenised service id: dynamodb, ses, kms, s3, secrets-manager...
    operation: str
    params: dict[str, Any] = field(repr=False)

    @property
    def name(self) -> str:
        return f"{self.service}.{self.operation}"

    def __str__(self) -> str:
        return self.name


# Each service's own spelling of "slow down" (what its API answers when it throttles).
_THROTTLING_CODES = {"ses": ("Throttling", 400), "s3": ("SlowDown", 503)}


@dataclass(frozen=True)
class Fault:
    """One way an AWS call fails. `after`: the call was carried out and its answer lost."""

    name: str
    after: bool = False
    retried: bool = False  # carried out, then sent again by botocore: the caller sees the second answer
    code: str | None = None  # an error answer (None: a timeout)
    status: int = 400
    only: Callable[[Call], bool] = field(default=lambda call: True, repr=False, compare=False)
    reasons: tuple[str, ...] = ()  # TransactionCanceledException's CancellationReasons

    def applies(self, call: Call) -> bool:
        return self.only(call)

    def answer(self, call: Call) -> tuple[AWSResponse, dict[str, Any]]:
        """The HTTP answer and parsed body of the error: botocore raises its modeled class for it."""
        code, status = self.code or "", self.status
        if code == "ThrottlingException" and call.service in _THROTTLING_CODES:
            code, status = _THROTTLING_CODES[call.service]
        parsed: dict[str, Any] = {
            "Error": {"Code": code, "Message": f"injected: {self.name}"},
            "ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": {}, "RetryAttempts": 0},
        }
        if self.reasons:
            parsed["CancellationReasons"] = [{"Code": reason} for reason in self.reasons]
        return AWSResponse("https://injected.invalid/", status, {}, None), parsed

    def timeout(self) -> Exception:
        url = "https://injected.invalid/"
        return ReadTimeoutError(endpoint_url=url) if self.after else ConnectTimeoutError(endpoint_url=url)


def _dynamodb(call: Call) -> bool:
    return call.service == "dynamodb"


def _transaction(call: Call) -> bool:
    return call.service == "dynamodb" and call.operation.startswith("Transact")


THROTTLED = Fault("throttled", code="ThrottlingException")
THROUGHPUT = Fault("throughput-exceeded", code="ProvisionedThroughputExceededException", only=_dynamodb)
TRANSACTION_THROTTLED = Fault(
    "transaction-throttled", code="TransactionCanceledException", reasons=("ThrottlingError",), only=_transaction
)
INTERNAL = Fault("internal-error", code="InternalServerError", status=500)
UNAVAILABLE = Fault("service-unavailable", code="ServiceUnavailable", status=503)
CONNECT_TIMEOUT = Fault("connect-timeout")  # never reached AWS
READ_TIMEOUT = Fault("read-timeout", after=True)  # carried out, the answer lost
# Carried out, its answer timed out, and botocore's retry carried it out again. Not for transactions:
# DynamoDB answers a retried TransactWriteItems (same ClientRequestToken) as the first; moto does not.
READ_TIMEOUT_RETRIED = Fault("read-timeout-retried", retried=True, only=lambda call: not _transaction(call))

# Errors AWS answers: the request did nothing (botocore raises its modeled ClientError).
REFUSALS = (THROTTLED, THROUGHPUT, TRANSACTION_THROTTLED, INTERNAL, UNAVAILABLE)


def persistent(code: str, status: int = 400) -> Fault:
    """A refusal that is not AWS being unwell: the same call fails however often it is made (a poison input)."""
    return Fault(f"persistent-{code}", code=code, status=status)


def everything(call: Call) -> bool:
    return True


def service(name: str) -> Callable[[Call], bool]:
    return lambda call: call.service == name


@dataclass
class _Plan:
    fault: Fault | None = None
    at: int | None = None  # the n-th call matching `when` (1-based) fails; None: every one of them
    when: Callable[[Call], bool] = everything
    calls: list[Call] = field(default_factory=list)
    matched: int = 0
    failed: list[Call] = field(default_factory=list)
    refused: list[Call] = field(default_factory=list)  # calls AWS answered with an error by itself


class Injector:
    """The hooks; one plan at a time, for the calls of the thread that armed it."""

    def __init__(self) -> None:
        self._plan: _Plan | None = None
        self._thread: int | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------ arming

    @contextmanager
    def recording(self) -> Iterator[list[Call]]:
        """The calls made inside the block, in order; none fails."""
        with self._armed(_Plan()) as plan:
            yield plan.calls

    @contextmanager
    def failing(self, fault: Fault, at: int | None = 1, when: Callable[[Call], bool] = everything) -> Iterator[_Plan]:
        """The `at`-th call inside the block that matches `when` fails with `fault` (`at=None`: every
        matching call, a failure that lasts or a poison item); every other call goes through."""
        with self._armed(_Plan(fault=fault, at=at, when=when)) as plan:
            yield plan
        if at is not None:
            made = ", ".join(map(str, plan.calls))
            assert plan.failed, f"call #{at} did not fail with {fault.name} ({len(plan.calls)} calls: {made})"

    @contextmanager
    def _armed(self, plan: _Plan) -> Iterator[_Plan]:
        with self._lock:
            assert self._plan is None, "one plan at a time"
            self._plan, self._thread = plan, threading.get_ident()
        try:
            yield plan
        finally:
            with self._lock:
                self._plan, self._thread = None, None

    # ------------------------------------------------------------ hooks

    def _current(self) -> _Plan | None:
        plan = self._plan
        return plan if plan is not None and threading.get_ident() == self._thread else None

    def _due(self, plan: _Plan, call: Call) -> bool:
        if plan.fault is None or not plan.when(call):
            return False
        plan.matched += 1
        due = plan.at is None or plan.matched == plan.at
        assert not due or plan.fault.applies(call), f"{plan.fault.name} does not apply to {call}"
        return due

    def before_call(self, model: Any, params: dict[str, Any], context: dict[str, Any], **_: Any) -> Any:
        plan = self._current()
        if plan is None:
            return None
        call = Call(model.service_model.service_id.hyphenize(), model.name, params)
        plan.calls.append(call)
        context["fault_injector_call"] = call
        if not self._due(plan, call):
            return None
        assert plan.fault is not None
        if plan.fault.after or plan.fault.retried:
            context["fault_injector_drop"] = True  # after-call or needs-retry acts once it was carried out
            return None
        plan.failed.append(call)
        if plan.fault.code is None:
            raise plan.fault.timeout()
        return plan.fault.answer(call)

    def needs_retry(self, response: Any, attempts: int, request_dict: dict[str, Any], **_: Any) -> int | None:
        plan = self._current()
        context = request_dict.get("context") or {}
        if plan is None or plan.fault is None or not plan.fault.retried or attempts != 1:
            return None
        if not context.get("fault_injector_drop") or response is None or response[0].status_code >= 300:
            return None
        context.pop("fault_injector_drop")
        plan.failed.append(context["fault_injector_call"])
        return 0  # retry at once: the first answer "timed out"

    def after_call(self, http_response: Any, context: dict[str, Any], **_: Any) -> None:
        plan = self._current()
        if plan is None:
            return
        if http_response is not None and http_response.status_code >= 300 and "fault_injector_call" in context:
            call = context["fault_injector_call"]
            if not any(failed is call for failed in plan.failed):
                plan.refused.append(call)  # AWS refused it by itself (a condition that did not hold...)
        if not context.pop("fault_injector_drop", False) or (http_response and http_response.status_code >= 300):
            return
        assert plan.fault is not None
        plan.failed.append(context["fault_injector_call"])
        raise plan.fault.timeout()


injector = Injector()
handlers.BUILTIN_HANDLERS.append(("before-call", injector.before_call))
handlers.BUILTIN_HANDLERS.append(("after-call", injector.after_call))
handlers.BUILTIN_HANDLERS.append(("needs-retry", injector.needs_retry))


def fresh_clients() -> None:
    """Drop every AWS client the handlers' libraries keep, so that the next ones carry the hooks."""
    from pynamodb.models import Model
    from vault_share import storage
    from vault_share.adapters import aws
    from vault_share.guard.secrets import forget_peppers

    aws.reset()
    storage._connection.cache_clear()
    forget_peppers()  # the pepper's 5-minute cache
    pending: list[type] = [Model]
    while pending:
        model = pending.pop()
        if "_connection" in vars(model):
            model._connection = None  # type: ignore[attr-defined]
        pending.extend(model.__subclasses__())


# ---------------------------------------------------------------- a flow's cases

# A call refused before anything happened: one kind per position, rotating over all of them (each
# kind's answer, per service, is tests/faults/test_answers.py's; to a flow's state they are alike).
NOTHING_DONE = (*REFUSALS, CONNECT_TIMEOUT)


def _call_of(name: str) -> Call:
    service_id, _, operation = name.rstrip("!").partition(".")
    return Call(service_id, operation, {})


def cases(flow: str, calls: list[str]) -> list[Any]:
    """pytest params (position, fault) for every call of a flow, in order (`service.Operation`, with
    `!` when AWS refuses that call by design, a condition that does not hold): the three things a
    failure can do to a call. Refused before anything was done; done, and its answer lost (a read
    timeout); done, and done again by botocore's retry (whose answer the flow gets)."""
    params = []
    for position, name in enumerate(calls, start=1):
        call = _call_of(name)
        refusals = [fault for fault in NOTHING_DONE if fault.applies(call)]
        faults = [refusals[(position - 1) % len(refusals)]]
        if not name.endswith("!"):  # a refused call has no answer to lose
            faults += [fault for fault in (READ_TIMEOUT, READ_TIMEOUT_RETRIED) if fault.applies(call)]
        for fault in faults:
            params.append(pytest.param(position, fault, id=f"{flow}-{position}-{call}-{fault.name}"))
    return params


def expected(calls: list[str]) -> list[str]:
    """The calls as the injector records them (without the `!` marks)."""
    return [name.rstrip("!") for name in calls]


def cold_pepper() -> None:
    """Forget the pepper's cached value: the next request reads it from Secrets Manager, as a cold
    container does (its client is kept: building one costs 0.2 s)."""
    from vault_share.guard.secrets import forget_peppers

    forget_peppers()
