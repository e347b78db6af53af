"""The world the handler tests and the bench call handlers in (dev-only, as all of devstack).

- `provision`: every resource of template.yaml in the AWS this process talks to (moto's
  in-process mock for the tests, moto's server for the bench), and the SES sender verified;
- `User`: a Cognito user and the claims API Gateway's authorizer passes for it;
- `Api`: each function's handler, loaded as Lambda loads it (devstack.functions), called with
  the API Gateway event template.yaml's route gives a method and path (devstack.events);
- `new_vault`, `new_dossier`, `new_document`: seed data made through the vault API, as an
  owner makes it.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from functools import cache
from typing import Any

import boto3

from devstack import template
from devstack.events import RouteTable, build_event
from devstack.functions import FunctionPool
from devstack.provision import Provisioner
from devstack.stack import verify_ses_identity
from devstack.template import ApiRoute

REGION = "eu-west-3"
ACCOUNT = "123456789012"
API_ID = "abcdef1234"
SOURCE_IP = "203.0.113.7"
STAGE = "v1"


FRONTEND_ORIGIN = "https://app.vault-share.test"


def provision(stack: str, region: str = REGION, account: str = ACCOUNT, **parameters: str) -> template.Resolver:
    """Create template.yaml's resources (parameters: its defaults, then these) and verify the SES
    identity (the given SenderEmail's domain unless SesIdentity is given too)."""
    document = template.load()
    values = template.parameter_defaults(document)
    # There is no CloudFront here: the console's origin (the template's default) must be named.
    values["FrontendOrigin"] = FRONTEND_ORIGIN
    if "SenderEmail" in parameters and "SesIdentity" not in parameters:
        parameters = {**parameters, "SesIdentity": parameters["SenderEmail"].rpartition("@")[2]}
    values.update(parameters)
    resolver = template.stack_resolver(values, stack, region, account)
    Provisioner(resolver, stack, region, account).create_all(document["Resources"])
    verify_ses_identity(values)
    return resolver


@dataclass(frozen=True)
class User:
    user_id: str
    email: str
    email_verified: bool = True

    @property
    def claims(self) -> dict[str, str]:
        """requestContext.authorizer.claims as API Gateway passes them (strings only)."""
        return {
            "sub": self.user_id,
            "email_verified": "true" if self.email_verified else "false",
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


@dataclass
class HttpResult:
    status: int
    headers: dict[str, str]
    body: str

    def json(self) -> Any:
        return json.loads(self.body)

    @classmethod
    def of(cls, result: dict[str, Any]) -> HttpResult:
        """A Lambda proxy answer as a client sees it (multi-value headers joined)."""
        headers = dict(result.get("headers") or {})
        for name, values in (result.get("multiValueHeaders") or {}).items():
            headers[name] = ",".join(values)
        return cls(result["statusCode"], headers, result.get("body") or "")


class Api:
    """Calls a function's handler with the exact API Gateway event its route in template.yaml produces."""

    def __init__(self, region: str = REGION, account: str = ACCOUNT) -> None:
        document = template.load()
        self.account = account
        self.specs = {spec.logical_id: spec for spec in template.functions(document)}
        self.routes = RouteTable([route for spec in self.specs.values() for route in spec.routes])
        self.pools = {lid: FunctionPool(spec, region, account) for lid, spec in self.specs.items()}

    def route(self, method: str, path: str) -> tuple[ApiRoute, dict[str, str]]:
        route, params, _ = self.routes.match(method, path)
        if route is None:
            raise LookupError(f"no route in template.yaml for {method} {path}")
        return route, params

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
        route, params = self.route(method, path)
        sent = {"Accept": "application/json", "Host": f"{API_ID}.execute-api.{REGION}.amazonaws.com"}
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
            source_ip=SOURCE_IP,
            stage=STAGE,
            api_id=API_ID,
            account=self.account,
            claims=user.claims if (user and route.authorized) else None,
        )

    def pool(self, method: str, path: str) -> FunctionPool:
        """The function template.yaml routes this method and path to."""
        return self.pools[self.route(method, path)[0].function]

    def call(self, method: str, path: str, body: Any = None, **kwargs: Any) -> HttpResult:
        event = self.event(method, path, body, **kwargs)
        return HttpResult.of(self.pool(method, path).invoke(event))


# ---------------------------------------------------------------- seed data, through the vault API


@cache
def _s3() -> Any:
    return boto3.client("s3")


def expect(result: HttpResult, status: int) -> Any:
    """The answer's JSON when it has the expected status; AssertionError otherwise."""
    if result.status != status:
        raise AssertionError(f"expected {status}, got {result.status}: {result.body[:500]}")
    return result.json() if result.body else None


def new_vault(api: Api, owner: User, name: str) -> str:
    vault_id: str = expect(api.call("POST", "/vaults", {"name": name}, user=owner), 201)["vaultId"]
    return vault_id


def new_dossier(api: Api, owner: User, vault_id: str, name: str) -> str:
    answer = expect(api.call("POST", f"/vaults/{vault_id}/dossiers", {"name": name}, user=owner), 201)
    dossier_id: str = answer["dossierId"]
    return dossier_id


def new_document(
    api: Api,
    owner: User,
    vault_id: str,
    dossier_id: str,
    file_name: str,
    content: bytes,
    content_type: str = "application/pdf",
    *,
    complete: bool = True,
) -> str:
    """A document created, its bytes put where the presigned form points, then completed (unless told not to)."""
    path = f"/vaults/{vault_id}/dossiers/{dossier_id}/documents"
    body = {"fileName": file_name, "contentType": content_type, "size": len(content)}
    answer = expect(api.call("POST", path, body, user=owner), 201)
    if complete:
        # What the browser's form POST would do (moto does not intercept plain HTTP to the presigned URL).
        key = answer["upload"]["fields"]["key"]
        _s3().put_object(Bucket=os.environ["DOCUMENTS_BUCKET"], Key=key, Body=content)
        done = expect(api.call("POST", f"{path}/{answer['documentId']}/complete", user=owner), 200)
        if done["status"] != "available":
            raise AssertionError(f"completed document is {done['status']}")
    document_id: str = answer["documentId"]
    return document_id
