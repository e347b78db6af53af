"""The local stack in one process: embedded AWS, gateway, poller, scheduler."""

from __future__ import annotations

import json
import logging
import math
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from moto.core import DEFAULT_ACCOUNT_ID
from moto.server import ThreadedMotoServer

from devstack import cognito, console, isolation, outbox, state, template
from devstack.authorizer import CognitoAuthorizer
from devstack.events import HttpAnswer
from devstack.functions import FunctionPool
from devstack.gateway import Gateway, error_answer, json_answer
from devstack.provision import Provisioner, stream_arns

log = logging.getLogger("devstack")

REGION = "eu-west-3"
STACK_NAME = "vault-share-local"


@dataclass
class Demo:
    vault_id: str = ""
    dossier_id: str = ""
    document_ids: list[str] = field(default_factory=list)
    person_id: str = ""
    # A person with a postal address only (the letter invitation); not in the contract, an extra field.
    postal_person_id: str = ""
    owner_email: str = ""
    owner_password: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "vaultId": self.vault_id,
            "dossierId": self.dossier_id,
            "documentIds": self.document_ids,
            "personId": self.person_id,
            "postalPersonId": self.postal_person_id,
            "owner": {"email": self.owner_email, "password": self.owner_password},
        }


def aws_environment(endpoint: str) -> dict[str, str]:
    """The embedded AWS for every boto3 / PynamoDB client of this process; never a real account."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_SESSION_TOKEN": "local",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
    }


def verify_ses_identity(parameters: dict[str, Any]) -> None:
    """Verify the template's SesIdentity in the embedded SES, as its owner does once in AWS.

    SenderEmail must belong to it (be it, or be at its domain): IAM lets the functions send from
    SenderEmail through that identity only, so any other pair could never send on AWS either.
    """
    import boto3

    identity, sender = str(parameters["SesIdentity"]).strip(), str(parameters["SenderEmail"]).strip()
    ses = boto3.client("ses")
    if "@" in identity:
        if sender.lower() != identity.lower():
            raise ValueError(f"SenderEmail {sender} is not the SES identity {identity}")
        ses.verify_email_identity(EmailAddress=identity)
    else:
        if sender.rpartition("@")[2].lower() != identity.lower():
            raise ValueError(f"SenderEmail {sender} is not an address of the SES identity {identity}")
        ses.verify_domain_identity(Domain=identity)


# How far the local clock may run ahead of real time: beyond, dates stop meaning anything (and
# enough advances would pass datetime's year 9999).
MAX_CLOCK_LEAD = timedelta(days=10 * 365.25)


def _advance_seconds(body: bytes) -> float | None:
    """`{"advanceSeconds": N}` with N a finite number >= 0 and at most MAX_CLOCK_LEAD; else None."""

    def refuse(constant: str) -> Any:
        raise ValueError(constant)  # NaN, Infinity, -Infinity: json accepts them, JSON does not

    try:
        seconds = json.loads(body, parse_constant=refuse)["advanceSeconds"]
    except (ValueError, KeyError, TypeError):  # ValueError covers ints of > 4300 digits
        return None
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        return None
    if isinstance(seconds, float) and not math.isfinite(seconds):
        return None
    if not 0 <= seconds <= MAX_CLOCK_LEAD.total_seconds():  # compared exactly, however large an int
        return None
    return float(seconds)


class LocalStack:
    def __init__(
        self,
        *,
        port: int = 3000,
        host: str = "127.0.0.1",
        log_level: str = "INFO",
        parameters: dict[str, str] | None = None,
    ) -> None:
        self.host = host
        # template.yaml's parameters over their defaults, as `sam deploy --parameter-overrides` gives them.
        self.parameter_overrides = dict(parameters or {})
        self.requested_port = port
        self.log_level = log_level
        self.account = DEFAULT_ACCOUNT_ID
        self.region = REGION
        self.demo = Demo()
        # Set once the demo is seeded: /_local/stack answers 503 until then.
        self.ready = False
        self.moto: ThreadedMotoServer | None = None
        self.gateway: Gateway | None = None
        self.pools: dict[str, FunctionPool] = {}
        self.poller: Any = None
        self.scheduler: Any = None
        self.resolver: template.Resolver | None = None
        self.failure_queue_urls: list[str] = []
        self.bucket_names: list[str] = []
        self._undo_isolation: list[isolation.Undo] = []

    # ---------------------------------------------------------------- lifecycle

    @property
    def api_url(self) -> str:
        assert self.gateway is not None
        # Bound to every interface, the stack is still reached (and named, for the Host check) by loopback.
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host  # noqa: S104
        return f"http://{host}:{self.gateway.port}"

    @property
    def aws_endpoint(self) -> str:
        assert self.moto is not None
        host, port = self.moto.get_host_and_port()
        return f"http://{host}:{port}"

    def start(self) -> None:
        # Threads of this process stand for concurrent Lambda environments and for DynamoDB.
        self._undo_isolation = [
            isolation.one_event_per_thread(),
            isolation.atomic_dynamodb(),
            isolation.light_transactions(),
            cognito.missing_operations(),
        ]
        self.moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.moto.start()
        os.environ.update(aws_environment(self.aws_endpoint))
        self.gateway = Gateway(host=self.host, port=self.requested_port, stage="v1", account=self.account)

        document = template.load()
        parameters = template.parameter_defaults(document)
        unknown = set(self.parameter_overrides) - set(parameters)
        if unknown:
            raise ValueError(f"template.yaml has no parameter {', '.join(sorted(unknown))}")
        parameters.update(self.parameter_overrides)
        # The emulated Cognito checks no SRP proof: the console signs in with USER_PASSWORD_AUTH here.
        parameters.update(
            PublicBaseUrl=self.api_url, FrontendOrigin=self.api_url, LogLevel=self.log_level, AllowPasswordAuth="true"
        )
        self.resolver = template.stack_resolver(parameters, STACK_NAME, self.region, self.account)
        Provisioner(self.resolver, STACK_NAME, self.region, self.account).create_all(document["Resources"])
        self.bucket_names = [
            self.resolver.ref(lid) for lid, r in document["Resources"].items() if r["Type"] == "AWS::S3::Bucket"
        ]
        verify_ses_identity(parameters)

        specs = template.functions(document)
        self._export_environment(specs)
        for spec in specs:
            self.pools[spec.logical_id] = FunctionPool(spec, self.region, self.account)
            self.pools[spec.logical_id].warm_up()

        self.gateway.mount(
            routes=[route for spec in specs for route in spec.routes],
            pools=self.pools,
            authorizer=CognitoAuthorizer(
                self.aws_endpoint,
                self.region,
                self.resolver.ref("UserPool"),
                [
                    self.resolver.ref(lid)
                    for lid, r in document["Resources"].items()
                    if r["Type"] == "AWS::Cognito::UserPoolClient"
                ],
            ),
            cors=self._cors(document),
            local_routes={
                ("GET", "/_local/stack"): self._stack_info,
                ("GET", "/_local/outbox"): self._outbox,
                ("GET", "/_local/state"): self._state,
                ("GET", outbox.LETTER_PATH): self._letter,
                ("GET", "/_local/clock"): self._clock,
                ("POST", "/_local/clock"): self._clock,
                ("POST", "/_local/schedules/run"): self._run_schedules,
            },
        )
        self.gateway.console = console.ConsoleSite(
            console.config_for(self.info(), int(parameters["LetterCostCents"])), connect=[self.aws_endpoint]
        )
        self._start_event_sources(specs)
        self.gateway.start()

    def stop(self) -> None:
        for part in (self.scheduler, self.poller, self.gateway):
            if part is not None:
                part.stop()
        if self.moto is not None:
            self.moto.stop()
        for undo in self._undo_isolation:
            undo()
        self._undo_isolation = []

    # ---------------------------------------------------------------- wiring

    def _export_environment(self, specs: list[template.FunctionSpec]) -> None:
        """Functions share this process, so their variables must agree; a clash is a template error."""
        assert self.resolver is not None
        os.environ.update(template.merged_environment(self.resolver, specs))

    def _cors(self, document: dict[str, Any]) -> dict[str, str]:
        assert self.resolver is not None
        for resource in document["Resources"].values():
            if resource["Type"] == "AWS::Serverless::Api" and "Cors" in resource["Properties"]:
                cors = self.resolver.resolve(resource["Properties"]["Cors"])
                names = {
                    "AllowOrigin": "Allow-Origin",
                    "AllowHeaders": "Allow-Headers",
                    "AllowMethods": "Allow-Methods",
                    "MaxAge": "Max-Age",
                }
                return {names[k]: str(v).strip("'") for k, v in cors.items() if k in names}
        return {}

    def _start_event_sources(self, specs: list[template.FunctionSpec]) -> None:
        from devstack.poller import PollTarget, StreamPoller
        from devstack.scheduler import Scheduler, ScheduleTarget

        assert self.resolver is not None
        arns = stream_arns(self.resolver)
        targets = []
        for spec in specs:
            for mapping in spec.streams:
                queue = self.resolver.ref(mapping.on_failure_queue) if mapping.on_failure_queue else None
                if queue:
                    self.failure_queue_urls.append(queue)
                targets.append(PollTarget(mapping, arns[mapping.table], self.pools[spec.logical_id].invoke, queue))
        self.poller = StreamPoller(targets)
        self.poller.start()
        self.scheduler = Scheduler(
            [ScheduleTarget(s, self.pools[spec.logical_id].invoke) for spec in specs for s in spec.schedules]
        )
        self.scheduler.start()

    # ---------------------------------------------------------------- /_local

    def info(self) -> dict[str, Any]:
        assert self.resolver is not None
        return {
            "apiUrl": self.api_url,
            "awsEndpoint": self.aws_endpoint,
            "region": self.region,
            "userPoolId": self.resolver.ref("UserPool"),
            "userPoolClientId": self.resolver.ref("UserPoolClient"),
            "demo": self.demo.to_json(),
        }

    def _stack_info(self, _query: str, _body: bytes, _headers: dict[str, str]) -> HttpAnswer:
        if not self.ready:
            return error_answer(503, "starting", "La pile locale démarre.", [("Retry-After", "1")])
        return json_answer(200, self.info())

    def _outbox(self, _query: str, _body: bytes, headers: dict[str, str]) -> HttpAnswer:
        assert self.resolver is not None
        content = outbox.collect(
            self.region,
            self.failure_queue_urls,
            letters_bucket=self.resolver.ref("DocumentsBucket"),
            api_url=self.api_url,
        )
        if "application/json" in headers.get("accept", ""):
            return json_answer(200, content, [("Cache-Control", "no-store")])
        page = outbox.render_html(content).encode("utf-8")
        return HttpAnswer(200, [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store")], page)

    def _state(self, _query: str, _body: bytes, _headers: dict[str, str]) -> HttpAnswer:
        """A fingerprint of every table, bucket and the outbox (devstack.state): compare two."""
        content = state.fingerprint(self.region, self.account, self.bucket_names, self.failure_queue_urls)
        return json_answer(200, content, [("Cache-Control", "no-store")])

    def _letter(self, query: str, _body: bytes, _headers: dict[str, str]) -> HttpAnswer:
        """A stored letter's PDF: `?key=letters/<vaultId>/<invitationId>/<n>.pdf` (the outbox's pdfUrl)."""
        assert self.resolver is not None
        keys = parse_qs(query).get("key", [])
        pdf = outbox.stored_letter(self.resolver.ref("DocumentsBucket"), keys[0]) if len(keys) == 1 else None
        if pdf is None:
            return error_answer(404, "letter_not_found", "Aucun courrier n'est enregistré sous cette clé.")
        name = keys[0].removeprefix("letters/").replace("/", "-")
        headers = [
            ("Content-Type", "application/pdf"),
            ("Content-Disposition", f'inline; filename="courrier-{name}"'),
            ("Cache-Control", "no-store"),
        ]
        return HttpAnswer(200, headers, pdf)

    def _clock(self, _query: str, body: bytes, _headers: dict[str, str]) -> HttpAnswer:
        from vault_share import clock

        if body:
            seconds = _advance_seconds(body)
            if seconds is None or clock.now() + timedelta(seconds=seconds) > datetime.now(UTC) + MAX_CLOCK_LEAD:
                return error_answer(
                    400,
                    "invalid_clock",
                    "advanceSeconds doit être un nombre de secondes positif ou nul, "
                    "et l'horloge locale ne peut pas avancer de plus de 10 ans.",
                )
            clock.advance(seconds)
        return json_answer(200, {"now": clock.iso(clock.now())})

    def _run_schedules(self, _query: str, _body: bytes, _headers: dict[str, str]) -> HttpAnswer:
        from vault_share import clock

        started = time.monotonic()
        results = self.scheduler.run_all_now()
        self.poller.drain(timeout=30)
        return json_answer(
            200,
            {"ran": len(results), "now": clock.iso(clock.now()), "seconds": round(time.monotonic() - started, 3)},
        )
