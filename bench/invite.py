"""Invitations: AWS requests of the warm invite, acceptance and wrong code, and the items the
scheduled reminders run reads.

Every figure goes through the invite function's handler (functions/invite/app.py), loaded as
Lambda loads it: the owner's `POST .../invitations` and the person's `POST /invite/{token}` with
the events API Gateway builds, the reminders with the event of the function's hourly schedule
in template.yaml (its Input), as EventBridge Scheduler sends it.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from bench.counting import COUNTER
from bench.warm import Counts, Prepared, count, wrong
from bench.world import ACCOUNT, PASSWORD, REGION, World

# Due invitations per reminders run, and the pending ones around them.
DUE = 10
PENDING = (100, 10_000)


def request_counts(world: World, runs: int) -> tuple[Counts, dict[str, set[str]]]:
    """figure -> one request count per run (a new person and invitation each), and the operations seen."""
    counts: Counts = {}
    operations: dict[str, set[str]] = {}

    def record(figure: str, prepare: Callable[[], Prepared]) -> None:
        counts[figure] = [count(prepare(), operations, figure) for _ in range(runs)]

    def invite() -> Prepared:
        person_id, _ = world.new_person()
        return Prepared(*world.invite_event(person_id), 201)

    def accept(code: Callable[[str], str], expect: int) -> Callable[[], Prepared]:
        def prepare() -> Prepared:
            invitation = world.new_invitation()
            body = {"code": code(invitation.code), "password": PASSWORD}
            return Prepared(*world.event("POST", f"/invite/{invitation.token}", body), expect)

        return prepare

    def page() -> Prepared:
        invitation = world.new_invitation()
        return Prepared(*world.event("GET", f"/invite/{invitation.token}", headers={"Accept": "text/html"}), 200)

    record("invite.aws_requests", invite)
    record("accept.aws_requests", accept(str, 200))
    record("invite_wrong_code.aws_requests", accept(wrong, 403))
    record("invite_page.aws_requests", page)
    return counts, operations


# ---------------------------------------------------------------- reminders


@dataclasses.dataclass
class ReminderRun:
    pending: int
    items_read: int  # what DynamoDB's answers say it read (bench/counting.py)
    reported: int  # what the run itself reports (itemsRead: the index query's ScannedCount)
    relaunched: int
    deferred: int
    requests: list[str]
    seed_s: float


def _schedule_event(world: World) -> dict[str, Any]:
    """The event the function's hourly schedule (template.yaml, its Input) sends."""
    from devstack.scheduler import Scheduler

    spec = world.functions["InviteFunction"].spec
    hourly = [s for s in spec.schedules if s.rate_seconds == 3600]
    if len(hourly) != 1:
        raise RuntimeError(f"InviteFunction: expected one hourly schedule in template.yaml, found {spec.schedules}")
    return Scheduler([], region=REGION, account=ACCOUNT).event(hourly[0])


def _batch_write(ddb: Any, table: str, requests: list[dict[str, Any]]) -> None:
    for start in range(0, len(requests), 25):
        pending: dict[str, Any] = {table: requests[start : start + 25]}
        while pending:
            pending = ddb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}


def _index_is_empty(ddb: Any, table: str) -> bool:
    """No invitation in the reminders' index (read outside any measured window)."""
    from vault_share.invitations.store import RELAUNCH_PARTITION

    page = ddb.query(
        TableName=table,
        IndexName="relaunch",
        KeyConditionExpression="relaunchPk = :p",
        ExpressionAttributeValues={":p": {"S": RELAUNCH_PARTITION}},
        Limit=1,
    )
    return not page["Items"]


def reminders_run(world: World, pending: int, due: int = DUE, *, clean: bool = True) -> ReminderRun:
    """One scheduled run with `due` invitations due among `pending` pending ones.

    The due ones are real invitations (e-mail and SMS) made through the invite handler; the
    others are put with BatchWriteItem (through the API they would take minutes) in the item
    shape the store writes (`invitation_item`, the store's own builder), each a copy of a real
    one with its own key, id, token hash and code MAC, its next reminder a week after the run.
    The domain clock is then moved to the first moment a scheduled reminder may go out once all
    the due ones are due. With `clean`, every invitation of the run is deleted afterwards, so
    that the next run starts from its own. vault_share reads the functions' environment at import: imported here."""
    from vault_share import clock, ids
    from vault_share.adapters.aws import client
    from vault_share.dynamo import to_item
    from vault_share.guard import secrets
    from vault_share.guard.secrets import Pepper
    from vault_share.invitations import schedule
    from vault_share.invitations.store import InvitationStore, invitation_item, invitation_pk

    ddb = client("dynamodb")
    table = world.env["SHARES_TABLE"]
    store = InvitationStore(ddb, table)
    # Then the index holds exactly the run's invitations: the due ones and every one put below
    # (BatchWriteItem's unprocessed items are sent again). Counting 10,000 takes moto a minute.
    if not _index_is_empty(ddb, table):
        raise RuntimeError("the reminders' index holds invitations before the run makes its own")
    made = [world.new_invitation() for _ in range(due)]
    due_ones = [store.by_id(world.vault_id, m.invitation_id) for m in made]
    if any(i is None or not i.next_relaunch_at for i in due_ones):
        raise RuntimeError("a new invitation has no next reminder")
    real = [i for i in due_ones if i is not None]
    run_at = schedule.next_allowed(max(clock.parse_iso(str(i.next_relaunch_at)) for i in real) + timedelta(seconds=1))

    started = time.perf_counter()
    pepper = Pepper(world.env["PEPPER_SECRET_ARN"])()
    later = clock.iso(run_at + timedelta(days=7))
    ttl = int(real[0].extra["ttl"])
    keys = [i.pk for i in real]
    puts = []
    for _ in range(pending - due):
        hashed = secrets.token_hash(secrets.new_token())
        copy = dataclasses.replace(
            real[0],
            pk=invitation_pk(hashed),
            invitation_id=ids.new_id(),
            code_mac=secrets.code_mac(pepper, hashed, secrets.new_code()),
            next_relaunch_at=later,
            extra={},
        )
        keys.append(copy.pk)
        puts.append({"PutRequest": {"Item": to_item(invitation_item(copy, ttl))}})
    _batch_write(ddb, table, puts)
    seed_s = time.perf_counter() - started

    clock.advance((run_at - clock.now()).total_seconds())
    function = world.functions["InviteFunction"]
    event, context = _schedule_event(world), function.context()
    with COUNTER.window() as window:
        answer = function.handler(event, context)
    if "dynamodb.Scan" in window.sent:
        raise RuntimeError(f"the reminders run scanned: {window.sent}")
    if clean:
        _batch_write(ddb, table, [{"DeleteRequest": {"Key": {"pk": {"S": pk}}}} for pk in keys])
    return ReminderRun(
        pending,
        window.items_read,
        int(answer["itemsRead"]),
        int(answer["relaunched"]),
        int(answer["deferred"]),
        window.sent,
        seed_s,
    )


def reminders(world: World) -> list[ReminderRun]:
    """The runs of PENDING, after every earlier invitation is cancelled (out of the index); the
    domain clock is set back afterwards. The first run's invitations are deleted before the next;
    the last run's stay: nothing after it makes invitations or reads the index."""
    from vault_share import clock

    world.cancel_invitations()
    try:
        return [reminders_run(world, pending, clean=n < len(PENDING) - 1) for n, pending in enumerate(PENDING)]
    finally:
        clock.reset()


def describe(run: ReminderRun) -> str:
    ops: dict[str, int] = {}
    for op in run.requests:
        ops[op] = ops.get(op, 0) + 1
    sent = ", ".join(f"{op} x{n}" for op, n in ops.items())
    return (
        f"{DUE} due among {run.pending}: items read {run.items_read} (the run reports {run.reported} from its index "
        f"query), relaunched {run.relaunched}, deferred {run.deferred}; {sent}; seeded in {run.seed_s:.0f} s"
    )
