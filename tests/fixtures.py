"""Fixtures: the embedded AWS built from template.yaml, handlers loaded as Lambda loads them, callers."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

from devstack import template
from devstack.events import RouteTable, build_event
from devstack.functions import FunctionPool
from devstack.provision import Provisioner
from tests.conftest import REGION, STACK

ACCOUNT = "123456789012"


@dataclass
class Aws:
    resolver: template.Resolver

    def ref(self, logical_id: str) -> str:
        return self.resolver.ref(logical_id)


@pytest.fixture(scope="module")
def aws() -> Iterator[Aws]:
    """moto's in-process mock with every resource of template.yaml; reset after the module."""
    from vault_share import clock
    from vault_share.adapters import aws as clients
    from vault_share.settings import get_settings

    with mock_aws():
        document = template.load()
        parameters = template.parameter_defaults(document)
        parameters.update(
            PublicBaseUrl="https://api.vault-share.test/v1",
            FrontendOrigin="https://app.vault-share.test",
            SenderEmail="no-reply@vault-share.test",
        )
        resolver = template.Resolver(
            parameters=parameters,
            pseudo={"AWS::StackName": STACK, "AWS::Region": REGION, "AWS::AccountId": ACCOUNT, "AWS::Partition": "aws"},
        )
        Provisioner(resolver, STACK, REGION, ACCOUNT).create_all(document["Resources"])
        boto3.client("ses").verify_domain_identity(Domain="vault-share.test")
        import os

        os.environ["USER_POOL_ID"] = resolver.ref("UserPool")
        os.environ["IDEMPOTENCY_KEY_ARN"] = boto3.client("kms").create_key()["KeyMetadata"]["Arn"]  # MERGE: template
        get_settings.cache_clear()
        clients.reset()
        yield Aws(resolver)
        clock.reset()


@dataclass(frozen=True)
class User:
    user_id: str
    email: str

    @property
    def claims(self) -> dict[str, str]:
        """requestContext.authorizer.claims as API Gateway passes them (strings only)."""
        return {
            "sub": self.user_id,
            "email_verified": "true",
            "iss": f"https://cognito-idp.{REGION}.amazonaws.com/{REGION}_test",
            "cognito:username": self.user_id,
            "aud": "testclient",
            "token_use": "id",
            "auth_time": "1795601700",
            "exp": "Thu Nov 26 11:15:00 UTC 2026",
            "iat": "Thu Nov 26 10:15:00 UTC 2026",
            "email": self.email,
        }


def new_user(name: str = "user") -> User:
    uid = str(uuid.uuid4())
    return User(uid, f"{name}.{uid[:8]}@example.fr")


def add_member(vault_id: str, user: User, role: str, vault_name: str = "Garage des Lilas") -> None:
    """Give `user` a role in the vault directly in the table (guests and members have no API yet)."""
    from vault_share import clock
    from vault_share.vault.models import MemberItem, member_sk, vault_pk

    MemberItem(
        vault_pk(vault_id),
        member_sk(user.user_id),
        vault_id=vault_id,
        user_id=user.user_id,
        role=role,
        vault_name=vault_name,
        email=user.email,
        gsi1pk=f"USER#{user.user_id}",
        gsi1sk=f"VAULT#{vault_id}",
        created_at=clock.iso(clock.now()),
    ).save()


@dataclass
class HttpResult:
    status: int
    headers: dict[str, str]
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


class Api:
    """Calls a function's handler with the exact API Gateway event its route in template.yaml produces."""

    def __init__(self) -> None:
        document = template.load()
        self.specs = {spec.logical_id: spec for spec in template.functions(document)}
        routes = [route for spec in self.specs.values() for route in spec.routes]
        self.routes = RouteTable(routes)
        self.pools = {lid: FunctionPool(spec, REGION, ACCOUNT) for lid, spec in self.specs.items()}

    def event(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        user: User | None = None,
        headers: dict[str, str] | None = None,
        query: str = "",
        raw_body: bytes | None = None,
    ) -> dict[str, Any]:
        route, params, _ = self.routes.match(method, path)
        assert route is not None, f"no route in template.yaml for {method} {path}"
        sent = {"Accept": "application/json", "Host": "abcdef1234.execute-api.eu-west-3.amazonaws.com"}
        if body is not None:
            sent["Content-Type"] = "application/json"
        sent.update(headers or {})
        payload = raw_body if raw_body is not None else (json.dumps(body).encode() if body is not None else b"")
        return build_event(
            route=route,
            path=path,
            path_parameters=params,
            method=method,
            query=query,
            headers=list(sent.items()),
            body=payload,
            source_ip="203.0.113.7",
            stage="v1",
            api_id="abcdef1234",
            account=ACCOUNT,
            claims=user.claims if (user and route.authorized) else None,
        )

    def call(self, method: str, path: str, body: Any = None, **kwargs: Any) -> HttpResult:
        event = self.event(method, path, body, **kwargs)
        route, _, _ = self.routes.match(method, path)
        assert route is not None
        result = self.pools[route.function].invoke(event)
        headers = dict(result.get("headers") or {})
        for name, values in (result.get("multiValueHeaders") or {}).items():
            headers[name] = ",".join(values)
        return HttpResult(result["statusCode"], headers, result.get("body") or "")


@pytest.fixture(scope="module")
def api(aws: Aws) -> Api:
    return Api()


@pytest.fixture
def owner() -> User:
    return new_user("owner")


@pytest.fixture
def make_user() -> Callable[[str], User]:
    return new_user


def report(config: pytest.Config, line: str) -> None:
    """Printed (never asserted): visible even with -q and output capture."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None:
        print(line)
        return
    with capture.global_and_fixture_disabled():
        reporter.write("\n")  # progress dots leave the cursor mid-line
        reporter.write_line(line)
