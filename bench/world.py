"""The stack the bench runs against: moto's server, resources from template.yaml, handlers, seed data.

One `ThreadedMotoServer` on 127.0.0.1 in this process serves everything: the
handlers loaded here (warm figures) and the fresh `python` processes of the
cold-start figure. Resources are created by devstack's Provisioner from
template.yaml; the vault, dossier, documents and links are created through the
vault and create_link handlers, as an owner would.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import logging
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from moto.server import ThreadedMotoServer

from devstack import template
from devstack.events import RouteTable, build_event
from devstack.functions import LambdaContext
from devstack.provision import Provisioner
from devstack.stack import aws_environment

ROOT = template.ROOT
REGION = "eu-west-3"
ACCOUNT = "123456789012"
STACK = "vault-share-bench"
BASE_URL = "https://api.vault-share.bench/v1"
API_ID = "abcdef1234"

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
_instances = itertools.count(1)


@dataclass
class Function:
    """One warm "container" of a handler, loaded as Lambda loads it (CodeUri + layer on sys.path)."""

    spec: template.FunctionSpec
    handler: Handler
    arn: str

    @classmethod
    def load(cls, spec: template.FunctionSpec) -> Function:
        module_name, _, attr = spec.handler.rpartition(".")
        path = spec.code_uri / f"{module_name.replace('.', '/')}.py"
        module_spec = importlib.util.spec_from_file_location(f"_bench_{spec.logical_id}_{next(_instances)}", path)
        if module_spec is None or module_spec.loader is None:
            raise ImportError(f"cannot load {path}")
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
        arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{spec.logical_id}"
        return cls(spec, getattr(module, attr), arn)

    def context(self) -> LambdaContext:
        return LambdaContext(function_name=self.spec.logical_id, invoked_function_arn=self.arn)


@dataclass(frozen=True)
class Owner:
    user_id: str
    email: str

    @property
    def claims(self) -> dict[str, str]:
        return {
            "sub": self.user_id,
            "email_verified": "true",
            "iss": f"https://cognito-idp.{REGION}.amazonaws.com/{REGION}_bench",
            "cognito:username": self.user_id,
            "aud": "benchclient",
            "token_use": "id",
            "email": self.email,
        }


@dataclass(frozen=True)
class NewLink:
    token: str
    code: str
    document_ids: list[str]


@dataclass
class World:
    moto: ThreadedMotoServer
    endpoint: str
    resolver: template.Resolver
    env: dict[str, str]
    functions: dict[str, Function]
    routes: RouteTable
    owner: Owner = field(default_factory=lambda: Owner(str(uuid.uuid4()), "owner@garage.bench"))
    vault_id: str = ""
    dossier_id: str = ""
    document_ids: list[str] = field(default_factory=list)

    # ------------------------------------------------------------ events and calls

    def event(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        query: str = "",
        raw_body: bytes | None = None,
        owner: bool = False,
    ) -> tuple[Function, dict[str, Any]]:
        """The handler of the route template.yaml gives this path, and the event API Gateway would pass it."""
        route, params, _ = self.routes.match(method, path)
        if route is None:
            raise LookupError(f"no route in template.yaml for {method} {path}")
        sent = {"Accept": "application/json", "Host": f"{API_ID}.execute-api.{REGION}.amazonaws.com"}
        if body is not None:
            sent["Content-Type"] = "application/json"
        sent.update(headers or {})
        payload = raw_body if raw_body is not None else (json.dumps(body).encode() if body is not None else b"")
        event = build_event(
            route=route,
            path=path,
            path_parameters=params,
            method=method,
            query=query,
            headers=list(sent.items()),
            body=payload,
            source_ip="203.0.113.7",
            stage="v1",
            api_id=API_ID,
            account=ACCOUNT,
            claims=self.owner.claims if (owner and route.authorized) else None,
        )
        return self.functions[route.function], event

    def call(self, method: str, path: str, body: Any = None, *, expect: int, **kwargs: Any) -> dict[str, Any]:
        function, event = self.event(method, path, body, **kwargs)
        result = function.handler(event, function.context())
        if result["statusCode"] != expect:
            raise RuntimeError(f"{method} {path}: {result['statusCode']} {result.get('body')}")
        return result

    # ------------------------------------------------------------ seed

    def seed(self, documents: int) -> None:
        """A vault, a dossier and `documents` available documents, through the vault API."""
        import boto3

        s3 = boto3.client("s3")
        bucket = self.env["DOCUMENTS_BUCKET"]
        answer = self.call("POST", "/vaults", {"name": "GARAGE BENCH"}, expect=201, owner=True)
        self.vault_id = json.loads(answer["body"])["vaultId"]
        answer = self.call(
            "POST", f"/vaults/{self.vault_id}/dossiers", {"name": "SIV AB-123-CD"}, expect=201, owner=True
        )
        self.dossier_id = json.loads(answer["body"])["dossierId"]
        base = f"/vaults/{self.vault_id}/dossiers/{self.dossier_id}/documents"
        for n in range(documents):
            body = {"fileName": f"piece-{n:02d}.pdf", "contentType": "application/pdf", "size": 5}
            created = json.loads(self.call("POST", base, body, expect=201, owner=True)["body"])
            s3.put_object(Bucket=bucket, Key=created["upload"]["fields"]["key"], Body=b"%PDF-")
            self.call("POST", f"{base}/{created['documentId']}/complete", expect=200, owner=True)
            self.document_ids.append(created["documentId"])

    def create_link_event(
        self, documents: int, *, email: bool = True, key: str | None = None
    ) -> tuple[Function, dict[str, Any]]:
        body: dict[str, Any] = {"documentIds": self.document_ids[:documents]}
        if email:
            body["recipientEmail"] = "alain.dupont@example.fr"
        headers = {"Idempotency-Key": key} if key else None
        path = f"/vaults/{self.vault_id}/dossiers/{self.dossier_id}/links"
        return self.event("POST", path, body, headers=headers, owner=True)

    def new_link(self, documents: int = 1) -> NewLink:
        """A link created the normal way (create_link handler); its token and code come from the answer."""
        function, event = self.create_link_event(documents, email=False)
        result = function.handler(event, function.context())
        if result["statusCode"] != 201:
            raise RuntimeError(f"create link: {result['statusCode']} {result.get('body')}")
        answer = json.loads(result["body"])
        return NewLink(answer["url"].rsplit("/", 1)[1], answer["code"], self.document_ids[:documents])

    def stop(self) -> None:
        self.moto.stop()


def start(documents: int = 50) -> World:
    """moto's server, every resource of template.yaml, the functions' environment, three warm handlers."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one access-log line per request otherwise
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    os.environ.update(aws_environment(endpoint))

    document = template.load()
    parameters = template.parameter_defaults(document)
    parameters.update(PublicBaseUrl=BASE_URL)
    resolver = template.Resolver(
        parameters=parameters,
        pseudo={
            "AWS::StackName": STACK,
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        },
    )
    Provisioner(resolver, STACK, REGION, ACCOUNT).create_all(document["Resources"])
    import boto3

    sender = str(parameters["SenderEmail"])
    boto3.client("ses").verify_domain_identity(Domain=sender.split("@", 1)[1])

    specs = {spec.logical_id: spec for spec in template.functions(document)}
    # The download function's variables (Globals + its own), resolved: what Lambda would set.
    function_env = {name: str(value) for name, value in resolver.resolve(specs["DownloadFunction"].environment).items()}
    env = {**aws_environment(endpoint), **function_env}
    for logical_id in ("VaultFunction", "CreateLinkFunction", "NotifyFunction"):
        other = {k: str(v) for k, v in resolver.resolve(specs[logical_id].environment).items()}
        if any(env.get(k) != v for k, v in other.items()):
            raise ValueError(f"{logical_id} has other variables than DownloadFunction: one process cannot host both")
    os.environ.update(env)

    routes = RouteTable([route for spec in specs.values() for route in spec.routes])
    functions = {
        logical_id: Function.load(specs[logical_id])
        for logical_id in ("VaultFunction", "CreateLinkFunction", "DownloadFunction", "NotifyFunction")
    }
    world = World(moto, endpoint, resolver, env, functions, routes)
    world.seed(documents)
    return world


def layer_dirs(world: World) -> tuple[Path, Path]:
    """The download function's CodeUri and the layer, as Lambda puts them on sys.path."""
    return world.functions["DownloadFunction"].spec.code_uri, ROOT / "shared"
