"""What a thousand shares cost at AWS list prices, from the AWS requests the bench counted.

Each flow is the requests its steps sent in this run (the sequences `warm.count` kept, one per
figure), plus what the bench does not see from inside a function: one API Gateway request and one
Lambda invocation per HTTP call, the recipient's own S3 GETs of the presigned URLs, and the
stream's notify work per event (`notify.batch100.aws_requests` / 100 requests, as BatchWriteItem
of journal entries and notifications).

- link flow: create with an e-mail, the recipient's page, unlock, 4 downloads; journal and
  notifications for link.created, link.used and 4 link.document_downloaded; the owner's e-mail.
- invitation flow: invite (e-mail and SMS), one scheduled reminder (a tenth of the run that
  reminded 10), the invitation page and the acceptance; journal and notifications for
  invitation.sent, invitation.relaunched and invitation.accepted.

Prices: USD, AWS's public list prices for us-east-1 (`PRICES_AS_OF`); eu-west-3 (Paris) lists
most of them 5 to 20 % higher, and the SMS is France's. Not counted: Cognito (billed per monthly
active user, not per share), CloudWatch Logs and metrics (by volume and by metric), data transfer
of documents larger than the demo's, the free tiers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from bench import report
from bench.report import Row

PRICES_AS_OF = "2026-12-01"
PRICES_SOURCE = "AWS list prices, us-east-1, as published in 2025; the SMS: France"
# USD per unit.
PRICES: dict[str, float] = {
    "apigateway.rest_request": 3.50 / 1_000_000,
    "lambda.request": 0.20 / 1_000_000,
    "lambda.gb_second_arm64": 0.0000133334,
    "dynamodb.write_unit": 0.625 / 1_000_000,  # on-demand, since November 2024
    "dynamodb.read_unit": 0.125 / 1_000_000,
    "s3.get": 0.0004 / 1000,
    "s3.put": 0.005 / 1000,
    "s3.transfer_gb": 0.09,
    "ses.email": 0.10 / 1000,
    "sns.sms_france": 0.0765,
    "secretsmanager.call": 0.05 / 10_000,
    "kms.request": 0.03 / 10_000,
    "xray.trace": 5.00 / 1_000_000,
}
MEMORY_GB = 0.5  # template.yaml's MemorySize: 512
INVOCATION_SECONDS = 0.1  # a warm invocation's billed duration, rounded up (bench: 20-60 ms)
DOCUMENT_GB = 2_000 / 1024**3  # the demo's PDFs, about 2 kB each
# A transactional write costs two units per item; the flows' transactions write about 4 items.
TRANSACTION_ITEMS = 4
NOTIFY_EVENTS_PER_INVOCATION = 10  # a stream batch holds several records


@dataclass
class Flow:
    api_calls: int = 0
    invocations: float = 0
    # Requests per operation (e.g. dynamodb.UpdateItem); fractions for a share of a batch or a run.
    operations: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    s3_downloads: int = 0

    def add(self, sequence: str, times: float = 1) -> None:
        for operation in sequence.split(" + "):
            if operation and operation != "-":
                self.operations[operation] += times


def _first(operations: dict[str, set[str]], figure: str) -> str:
    seen = sorted(operations.get(figure, set()))
    if not seen:
        raise RuntimeError(f"no request sequence recorded for {figure}")
    return seen[0]


def link_flow(operations: dict[str, set[str]], notify_per_100: float) -> Flow:
    flow = Flow()
    flow.add(_first(operations, "create_link.1.aws_requests"))
    flow.add(_first(operations, "unlock.aws_requests"))
    flow.add(_first(operations, "file_fetch.aws_requests"), 4)
    flow.api_calls = 1 + 1 + 1 + 4  # create, the recipient's page, unlock, 4 files
    flow.add("dynamodb.GetItem")  # the page reads the link
    flow.s3_downloads = 4
    events = 6
    flow.add("dynamodb.BatchWriteItem", notify_per_100 * events / 100)
    flow.add("ses.SendRawEmail")  # the owner's "lien utilisé"
    flow.invocations = flow.api_calls + events / NOTIFY_EVENTS_PER_INVOCATION
    return flow


def invitation_flow(operations: dict[str, set[str]], reminder_requests: list[str], reminded: int,
                    notify_per_100: float) -> Flow:  # fmt: skip
    flow = Flow()
    flow.add(_first(operations, "invite.aws_requests"))
    flow.add(" + ".join(reminder_requests), 1 / reminded)
    flow.add(_first(operations, "invite_page.aws_requests"))
    flow.add(_first(operations, "accept.aws_requests"))
    flow.api_calls = 1 + 1 + 1  # invite, the page, accept
    events = 3
    flow.add("dynamodb.BatchWriteItem", notify_per_100 * events / 100)
    flow.invocations = flow.api_calls + 1 / reminded + events / NOTIFY_EVENTS_PER_INVOCATION
    return flow


def _units(operation: str, count: float) -> tuple[str, float]:
    """(service, USD) of `count` requests of `operation` (e.g. dynamodb.UpdateItem)."""
    service, _, name = operation.partition(".")
    if service == "dynamodb":
        if name in ("GetItem", "Query", "Scan", "BatchGetItem", "DescribeTable"):
            return "DynamoDB", count * PRICES["dynamodb.read_unit"]
        if name == "BatchWriteItem":
            return "DynamoDB", count * 25 * PRICES["dynamodb.write_unit"]  # 25 items a request
        if name.startswith("Transact"):
            return "DynamoDB", count * 2 * TRANSACTION_ITEMS * PRICES["dynamodb.write_unit"]
        return "DynamoDB", count * PRICES["dynamodb.write_unit"]
    if service == "s3":
        return "S3", count * PRICES["s3.get" if name.startswith(("Get", "Head", "List")) else "s3.put"]
    if service == "ses" or service == "sesv2":
        return "SES", count * PRICES["ses.email"]
    if service == "sns":
        return "SNS (SMS)", count * PRICES["sns.sms_france"]
    if service == "secretsmanager":
        return "Secrets Manager", count * PRICES["secretsmanager.call"]
    if service == "kms":
        return "KMS", count * PRICES["kms.request"]
    if service in ("cognito-idp", "cognito-identity-provider"):
        return "Cognito", 0.0  # billed per monthly active user
    return service, 0.0


def priced(flow: Flow) -> dict[str, float]:
    """USD per flow, by service."""
    by_service: defaultdict[str, float] = defaultdict(float)
    for operation, count in flow.operations.items():
        service, usd = _units(operation, count)
        by_service[service] += usd
    by_service["API Gateway"] += flow.api_calls * PRICES["apigateway.rest_request"]
    by_service["X-Ray"] += flow.api_calls * PRICES["xray.trace"]
    lambda_usd = flow.invocations * (
        PRICES["lambda.request"] + MEMORY_GB * INVOCATION_SECONDS * PRICES["lambda.gb_second_arm64"]
    )
    by_service["Lambda"] += lambda_usd
    by_service["S3"] += flow.s3_downloads * (PRICES["s3.get"] + DOCUMENT_GB * PRICES["s3.transfer_gb"])
    return dict(by_service)


def rows(flows: dict[str, Flow]) -> tuple[list[Row], str]:
    """The two figures (USD per 1000 flows, for information) and a table of each service's share."""
    figures, lines = [], [f"Cost per 1000 flows ({PRICES_SOURCE}; table of {PRICES_AS_OF}):"]
    for name, flow in flows.items():
        by_service = priced(flow)
        total = sum(by_service.values())
        figures.append(report.stats(f"cost.{name}.usd_per_1000", [round(total * 1000, 4)]))
        shares = ", ".join(
            f"{service} {usd * 1000:.4f} ({usd / total:.0%})"
            for service, usd in sorted(by_service.items(), key=lambda kv: -kv[1])
            if usd > 0
        )
        lines.append(f"  {name}: {total * 1000:.4f} USD: {shares}")
    return figures, "\n".join(lines)
