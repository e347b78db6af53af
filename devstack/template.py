"""template.yaml, read the way CloudFormation and SAM read it.

The local stack builds every table, bucket, pool, secret, route, stream
mapping and schedule from this file: there is no second definition.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = ROOT / "template.yaml"


class Tag:
    """An intrinsic function kept as written (`!Ref X` -> Tag("Ref", "X"))."""

    def __init__(self, name: str, value: Any) -> None:
        self.name, self.value = name, value

    def __repr__(self) -> str:
        return f"!{self.name} {self.value!r}"


# libyaml's parser when PyYAML has it (its wheels do): the pure-Python one takes a third of a
# second for this template, and the tests and the local stack read it often.
class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    pass


def _tag_constructor(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    name = "Fn::" + suffix if suffix not in ("Ref", "Condition") else suffix
    return {name: value}


_Loader.add_multi_constructor("!", _tag_constructor)


def load(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    """The template as a document of plain dicts and lists, the caller's own to change (a copy of
    the one parse made of this version of the file)."""
    status = path.stat()
    return copy.deepcopy(_parse(path, status.st_mtime_ns, status.st_size))


@cache
def _parse(path: Path, _mtime_ns: int, _size: int) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        document: dict[str, Any] = yaml.load(fh, Loader=_Loader)  # noqa: S506 (SafeLoader subclass)
    return document


@dataclass
class Resolver:
    """Resolves Ref, Fn::GetAtt, Fn::Sub and Fn::If against what the local stack created.

    Fn::If resolves only the branch its condition picks, as CloudFormation does: the other may name
    a resource that exists only in the cloud (the console's CloudFront distribution).
    """

    parameters: dict[str, Any]
    refs: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, dict[str, str]] = field(default_factory=dict)
    pseudo: dict[str, str] = field(default_factory=dict)
    # The template's Conditions (template.yaml's own unless given).
    conditions: dict[str, Any] = field(default_factory=lambda: load().get("Conditions", {}))

    def ref(self, name: str) -> str:
        for source in (self.pseudo, self.parameters, self.refs):
            if name in source:
                return str(source[name])
        raise KeyError(f"!Ref {name}: not created locally")

    def get_att(self, logical_id: str, attribute: str) -> str:
        try:
            return self.attributes[logical_id][attribute]
        except KeyError:
            raise KeyError(f"!GetAtt {logical_id}.{attribute}: not created locally") from None

    def resolve(self, value: Any) -> Any:
        if isinstance(value, dict):
            if len(value) == 1:
                ((key, arg),) = value.items()
                if key == "Ref":
                    return self.ref(arg)
                if key == "Fn::GetAtt":
                    return self.get_att(*arg)
                if key == "Fn::Sub":
                    return self._sub(arg)
                if key == "Fn::If":
                    name, chosen, other = arg
                    return self.resolve(chosen if self.condition(name) else other)
            return {k: self.resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        return value

    def condition(self, name: str) -> bool:
        """The template's condition `name`, from Fn::Equals, Fn::Not, Fn::And, Fn::Or and Condition."""
        return self._holds(self.conditions[name])

    def _holds(self, expression: Any) -> bool:
        ((key, arg),) = expression.items()
        if key == "Fn::Equals":
            return bool(self.resolve(arg[0]) == self.resolve(arg[1]))
        if key == "Fn::Not":
            return not self._holds(arg[0])
        if key == "Fn::And":
            return all(self._holds(a) for a in arg)
        if key == "Fn::Or":
            return any(self._holds(a) for a in arg)
        if key == "Condition":
            return self.condition(arg)
        raise ValueError(f"unsupported condition function {key}")

    def _sub(self, arg: Any) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], self.resolve(arg[1]))

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(variables[name])
            if "." in name:
                return self.get_att(*name.split(".", 1))
            return self.ref(name)

        return re.sub(r"\$\{([^}!]+)\}", replace, text)


def stack_resolver(parameters: dict[str, Any], stack_name: str, region: str, account: str) -> Resolver:
    """A resolver with the pseudo parameters CloudFormation gives a stack of that name."""
    return Resolver(
        parameters=parameters,
        pseudo={
            "AWS::StackName": stack_name,
            "AWS::Region": region,
            "AWS::AccountId": account,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        },
    )


@dataclass(frozen=True)
class ApiRoute:
    function: str
    path: str
    method: str
    authorized: bool


@dataclass(frozen=True)
class StreamMapping:
    function: str
    table: str
    batch_size: int
    max_retries: int
    bisect: bool
    report_item_failures: bool
    on_failure_queue: str | None
    window_seconds: float


@dataclass(frozen=True)
class Schedule:
    function: str
    name: str
    rate_seconds: int
    input: str | None


@dataclass
class FunctionSpec:
    logical_id: str
    code_uri: Path
    handler: str
    environment: dict[str, Any]
    routes: list[ApiRoute]
    streams: list[StreamMapping]
    schedules: list[Schedule]
    memory_mb: int = 128  # MemorySize, Globals applied (Lambda's default)


_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def rate_seconds(expression: str) -> int:
    match = _RATE.match(expression)
    if not match:
        raise ValueError(f"unsupported schedule expression: {expression}")
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2).rstrip("s")]


def _target_id(value: Any) -> str:
    """Logical id behind `!Ref X` or `!GetAtt X.Attr`."""
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return str(value["Fn::GetAtt"][0])
    raise ValueError(f"expected !Ref or !GetAtt, got {value!r}")


def functions(document: dict[str, Any]) -> list[FunctionSpec]:
    """Every AWS::Serverless::Function with Globals applied, events unpacked."""
    defaults = document.get("Globals", {}).get("Function", {})
    api_default_auth = {
        logical_id: bool(res["Properties"].get("Auth", {}).get("DefaultAuthorizer"))
        for logical_id, res in document["Resources"].items()
        if res["Type"] == "AWS::Serverless::Api"
    }
    specs = []
    for logical_id, res in document["Resources"].items():
        if res["Type"] != "AWS::Serverless::Function":
            continue
        props = {**defaults, **res["Properties"]}
        env = dict(defaults.get("Environment", {}).get("Variables", {}))
        env.update(res["Properties"].get("Environment", {}).get("Variables", {}))
        memory = int(props.get("MemorySize", 128))
        spec = FunctionSpec(logical_id, ROOT / props["CodeUri"], props["Handler"], env, [], [], [], memory)
        for event_name, event in res["Properties"].get("Events", {}).items():
            ev = event["Properties"]
            if event["Type"] == "Api":
                api = _target_id(ev["RestApiId"])
                auth = ev.get("Auth", {}).get("Authorizer")
                authorized = api_default_auth.get(api, False) and auth != "NONE"
                spec.routes.append(ApiRoute(logical_id, ev["Path"], ev["Method"].upper(), authorized))
            elif event["Type"] == "DynamoDB":
                destination = ev.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
                spec.streams.append(
                    StreamMapping(
                        function=logical_id,
                        table=_target_id(ev["Stream"]),
                        batch_size=int(ev.get("BatchSize", 100)),
                        max_retries=int(ev.get("MaximumRetryAttempts", -1)),
                        bisect=bool(ev.get("BisectBatchOnFunctionError", False)),
                        report_item_failures="ReportBatchItemFailures" in ev.get("FunctionResponseTypes", []),
                        on_failure_queue=_target_id(destination) if destination else None,
                        window_seconds=float(ev.get("MaximumBatchingWindowInSeconds", 0)),
                    )
                )
            elif event["Type"] in ("Schedule", "ScheduleV2"):
                spec.schedules.append(
                    Schedule(logical_id, event_name, rate_seconds(ev["ScheduleExpression"]), ev.get("Input"))
                )
        specs.append(spec)
    return specs


def merged_environment(resolver: Resolver, specs: list[FunctionSpec]) -> dict[str, str]:
    """Every function's variables (Globals and its own), resolved, as one environment: the local
    stack and the bench host all functions in one process. A variable only some functions set is
    fine; one that two functions set to different values is a template error."""
    merged: dict[str, str] = {}
    for spec in specs:
        for name, value in resolver.resolve(spec.environment).items():
            if name in merged and merged[name] != str(value):
                raise ValueError(f"{spec.logical_id}: {name} differs between functions; one process hosts them all")
            merged[name] = str(value)
    return merged


def parameter_defaults(document: dict[str, Any]) -> dict[str, Any]:
    return {name: p.get("Default") for name, p in document.get("Parameters", {}).items()}
