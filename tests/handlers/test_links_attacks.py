"""What attackers and races do to one-time links, through the real handlers (moto in-process).

- Concurrent unlocks with the right code: one winner, whatever the interleaving.
- Concurrent and sequential guessing: the counter stops at 5 and locks the link.
- Mail scanners (GET/HEAD with their user agents) change nothing.
- Expiry is decided by time, not by a sweep or TTL.
- No token, code or grant lands in a table or a log line.

Two fixtures make the in-process run as faithful as Lambda and DynamoDB are, nothing more:
- DynamoDB applies each request to an item atomically; moto does not lock at all.
  `atomic_dynamodb` runs every DynamoDB request one at a time: a read-then-write use case
  still races, since its read and its write are two requests.
- Lambda runs one request at a time per execution environment (a process). Powertools keeps
  the current event on a class (`BaseRouter.current_event`), so threads of one process would
  read each other's events. `one_event_per_thread` keeps it per thread.
"""

from __future__ import annotations

import io
import logging
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from vault_share import clock

from devstack import isolation
from tests.fixtures import Api, HttpResult
from tests.handlers.test_links import (
    Created,
    World,
    assert_absent,
    assert_share_headers,
    attribute,
    aws_client,
    build_world,
    call,
    counts,
    create,
    fetch,
    link_item,
    ok,
    revoke,
    strings_in,
    table_items,
    unlock,
    wrong_code,
)

THREADS = 20
SCANNERS = [
    "Microsoft Office Existence Discovery",
    "Mozilla/5.0 (compatible; Barracuda Sentinel (EE))",
    "Proofpoint URL Defense",
    "Mimecast Services Limited",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "curl/8.5.0",
]


@pytest.fixture(scope="module")
def world(api: Api) -> World:
    return build_world(api)


@pytest.fixture(autouse=True)
def _clock_back() -> Iterator[None]:
    yield
    clock.reset()


@pytest.fixture
def atomic_dynamodb() -> Iterator[None]:
    """Each DynamoDB request atomic, as DynamoDB makes it; and threads switching as often as possible."""
    undo = isolation.atomic_dynamodb()
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)
        undo()


@pytest.fixture
def one_event_per_thread() -> Iterator[None]:
    """Each concurrent invocation sees its own event, as in its own Lambda execution environment."""
    undo = isolation.one_event_per_thread()
    yield
    undo()


@pytest.fixture
def concurrency(atomic_dynamodb: None, one_event_per_thread: None) -> None:
    """Threads of this process behave like concurrent Lambda invocations against DynamoDB."""


def at_once(calls: list[Callable[[], HttpResult]]) -> list[HttpResult]:
    """Run the calls in as many threads, released together by a barrier."""
    barrier = threading.Barrier(len(calls))
    results: list[HttpResult | None] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = calls[i]()
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert all(r is not None for r in results)
    return [r for r in results if r is not None]


def warm(api: Api, count: int, function: str = "DownloadFunction") -> None:
    """Load as many warm instances of a function as there will be concurrent requests."""
    pool = api.pools[function]
    while pool.instances < count:
        pool._idle.append(pool._load())


def status_of(result: HttpResult) -> tuple[int, str | None]:
    body = result.json()
    return result.status, body.get("error")


# ============================================================== races


def test_twenty_right_codes_at_once_open_the_link_once(api: Api, world: World, concurrency: None) -> None:
    link = create(api, world, {"documentIds": [world.docs[0].document_id, world.docs[1].document_id]})
    warm(api, THREADS)
    results = at_once([partial(api.call, "POST", link.share, {"code": link.code}) for _ in range(THREADS)])
    for result in results:
        assert_share_headers(result)
    outcomes = Counter(status_of(r) for r in results)
    assert outcomes == Counter({(200, None): 1, (410, "link_used"): THREADS - 1}), outcomes
    [winner] = [r.json() for r in results if r.status == 200]
    assert all(r.json()["status"] == "used" for r in results if r.status == 410)
    assert (attribute(link.token, "status"), attribute(link.token, "failedAttempts")) == ("used", 0)
    # The winner's grant fetches; no other grant does.
    url = winner["documents"][0]["downloadUrl"]
    assert fetch(api, url).status == 302
    grant = parse_qs(urlsplit(url).query)["grant"][0]
    assert fetch(api, url.replace(grant, grant[::-1])).status == 410
    assert attribute(link.token, "grantHash") not in (None, grant)


def test_twenty_wrong_codes_at_once_lock_after_exactly_five(api: Api, world: World, concurrency: None) -> None:
    link = create(api, world)
    codes = [wrong_code(link.code, shift) for shift in range(1, THREADS + 1)]
    warm(api, THREADS)
    seen: list[int] = []
    done = threading.Event()

    def observe() -> None:
        while not done.is_set():
            seen.append(int(attribute(link.token, "failedAttempts")))

    observer = threading.Thread(target=observe)
    observer.start()
    try:
        results = at_once([partial(api.call, "POST", link.share, {"code": code}) for code in codes])
    finally:
        done.set()
        observer.join()
    seen.append(int(attribute(link.token, "failedAttempts")))

    for result in results:
        assert_share_headers(result)
    assert Counter(r.status for r in results) == Counter({403: 4, 410: THREADS - 4}), [r.body for r in results]
    assert sorted(r.json()["attemptsLeft"] for r in results if r.status == 403) == [1, 2, 3, 4]
    assert all(status_of(r) == (410, "link_locked") for r in results if r.status == 410)
    assert len(seen) > 1 and max(seen) == 5, seen
    assert seen == sorted(seen), "the counter only goes up"
    assert (attribute(link.token, "failedAttempts"), attribute(link.token, "status")) == (5, "locked")
    late = unlock(api, link)
    assert status_of(late) == (410, "link_locked")
    assert attribute(link.token, "failedAttempts") == 5


def test_right_and_wrong_codes_racing(api: Api, world: World, concurrency: None) -> None:
    """Guesses racing the recipient: either the recipient gets in, or the link locks; never both, never more."""
    link = create(api, world)
    guesses = [link.code] + [wrong_code(link.code, shift) for shift in range(1, 10)]
    calls = [partial(api.call, "POST", link.share, {"code": code}) for code in guesses]
    warm(api, len(calls))
    results = at_once(calls)
    status, failed = attribute(link.token, "status"), attribute(link.token, "failedAttempts")
    winners = [r for r in results if r.status == 200]
    assert status in ("used", "locked") and failed <= 5
    assert not (status == "used" and failed >= 5), "a locked link was opened"
    assert len(winners) == (1 if status == "used" else 0)
    assert results[0].status == (200 if status == "used" else 410)
    wrong = Counter(r.status for r in results[1:])
    assert wrong[403] == min(failed, 4) and set(wrong) <= {403, 410}


def test_a_create_retried_while_running_makes_one_link(api: Api, world: World, concurrency: None) -> None:
    """A client that retries before the first answer arrives: one link, one e-mail, never two."""
    before = counts()
    key = {"Idempotency-Key": f"race-{uuid.uuid4()}"}
    body = world.body(recipientEmail="race@example.fr")
    warm(api, 8, "CreateLinkFunction")
    results = at_once([partial(api.call, "POST", world.links_path, body, user=world.owner, headers=key)] * 8)
    assert {r.status for r in results} <= {201, 409}, [r.body for r in results]
    created = [r.json() for r in results if r.status == 201]
    assert created and all(answer == created[0] for answer in created)
    assert all(r.json()["error"] == "request_in_progress" for r in results if r.status == 409)
    after = counts()
    assert (after[0] - before[0], after[3] - before[3]) == (1, 1), "one link stored, one e-mail sent"
    again = ok(call(api, "POST", world.links_path, body, user=world.owner, headers=key), 201)
    assert again == created[0]


# ============================================================== guessing, one at a time


def test_the_fifth_wrong_code_locks(api: Api, world: World) -> None:
    link = create(api, world)
    answers = [unlock(api, link, wrong_code(link.code, shift)) for shift in range(1, 6)]
    assert [(a.status, a.json().get("attemptsLeft")) for a in answers[:4]] == [(403, 4), (403, 3), (403, 2), (403, 1)]
    assert all(a.json()["error"] == "wrong_code" for a in answers[:4])
    assert answers[4].status == 410
    assert {k: answers[4].json()[k] for k in ("error", "status")} == {"error": "link_locked", "status": "locked"}
    assert (attribute(link.token, "failedAttempts"), attribute(link.token, "status")) == (5, "locked")
    for method, body in (("GET", None), ("POST", {"code": link.code}), ("POST", {"code": wrong_code(link.code, 9)})):
        answer = call(api, method, link.share, body)
        assert status_of(answer) == (410, "link_locked")
    assert attribute(link.token, "failedAttempts") == 5
    page = call(api, "GET", link.share, headers={"Accept": "text/html"})
    assert page.status == 410 and "bloqué" in page.body


def test_wrong_codes_do_not_add_up_across_links(api: Api, world: World) -> None:
    first, second = create(api, world), create(api, world)
    for shift in range(1, 5):
        assert unlock(api, first, wrong_code(first.code, shift)).status == 403
    assert unlock(api, second, wrong_code(second.code)).json()["attemptsLeft"] == 4
    assert unlock(api, first).status == 200  # four wrong codes, then the right one: still opens


# ============================================================== scanners


def test_scanners_change_nothing(api: Api, world: World) -> None:
    link = create(api, world, world.body(recipientEmail="scan@example.fr"))
    before = link_item(link.token)
    accepts = ["text/html,application/xhtml+xml", "*/*", "application/json"]
    for i in range(50):
        headers = {"User-Agent": SCANNERS[i % len(SCANNERS)], "Accept": accepts[i % len(accepts)]}
        for method in ("GET", "HEAD"):
            answer = call(api, method, link.share, headers=headers)
            assert answer.status == 200, (method, headers, answer.body)
            assert_share_headers(answer)
    assert link_item(link.token) == before, "a GET or HEAD changed the item"
    assert ok(unlock(api, link))["documents"][0]["documentId"] == world.docs[0].document_id


# ============================================================== expiry by time


def test_a_link_past_its_expiry_is_refused_while_its_item_says_active(api: Api, world: World) -> None:
    link = create(api, world, world.body(expiresInHours=1))
    clock.advance(3600)  # expiresAt is the first instant it no longer works
    item = link_item(link.token)
    assert item is not None and item["status"]["S"] == "active"
    expected = (410, "link_expired")
    assert status_of(call(api, "GET", link.share)) == expected
    assert status_of(unlock(api, link)) == expected
    assert status_of(unlock(api, link, wrong_code(link.code))) == expected
    assert call(api, "GET", link.share, headers={"Accept": "text/html"}).status == 410
    assert link_item(link.token) == item, "no attempt counted, nothing rewritten"


def test_a_link_just_before_its_expiry_works(api: Api, world: World) -> None:
    link = create(api, world, world.body(expiresInHours=1))
    clock.advance(3600 - 5)
    assert ok(call(api, "GET", link.share))["status"] == "active"
    assert unlock(api, link).status == 200


# ============================================================== secrets stay out of tables and logs


# Loggers whose DEBUG lines are not the functions' log lines: the AWS SDK's wire logs and
# Powertools' own internals (emitted only with POWERTOOLS_DEBUG=true, a developer switch).
NOT_FUNCTION_LOGS = ("botocore", "boto3", "urllib3", "s3transfer", "moto", "aws_lambda_powertools")


@contextmanager
def captured_logs() -> Iterator[io.StringIO]:
    """Every line the functions log, at DEBUG: Powertools Logger handlers (they write to the
    stdout of the moment they were made, and do not propagate) are pointed at a sink, and
    a root handler takes every standard logger that propagates (vault_share, pynamodb...)."""
    sink = io.StringIO()
    loggers = [
        logging.getLogger(),
        *(x for x in logging.Logger.manager.loggerDict.values() if isinstance(x, logging.Logger)),
    ]
    redirected: list[tuple[logging.StreamHandler[Any], Any]] = []
    for logger in loggers:
        if logger.name.startswith(NOT_FUNCTION_LOGS):
            continue
        for handler in logger.handlers:
            if isinstance(handler, logging.StreamHandler) and not type(handler).__module__.startswith("_pytest"):
                redirected.append((handler, handler.setStream(sink)))
    catch_all = logging.StreamHandler(sink)
    catch_all.setLevel(logging.DEBUG)
    catch_all.addFilter(lambda record: not record.name.startswith(NOT_FUNCTION_LOGS))
    root = logging.getLogger()
    level = root.level
    root.addHandler(catch_all)
    root.setLevel(logging.DEBUG)
    try:
        yield sink
    finally:
        root.removeHandler(catch_all)
        root.setLevel(level)
        for handler, stream in redirected:
            handler.setStream(stream)


def test_no_token_code_or_grant_in_tables_or_logs(api: Api, world: World, capfd: pytest.CaptureFixture[str]) -> None:
    secrets: list[str] = []
    with captured_logs() as logs:
        # Create with e-mail and Idempotency-Key (twice: the replay), a typed code.
        key = {"Idempotency-Key": f"leak-{uuid.uuid4()}"}
        body = world.body(recipientEmail="leak@example.fr", code="864213", message="Confidentiel")
        first = ok(call(api, "POST", world.links_path, body, user=world.owner, headers=key), 201)
        assert ok(call(api, "POST", world.links_path, body, user=world.owner, headers=key), 201) == first
        typed = Created(first)
        # A generated code, and an e-mail that fails (a warning is logged).
        aws_client("ses").delete_identity(Identity="vault-share.test")
        try:
            generated = create(api, world, world.body(recipientEmail="fail@example.fr"))
        finally:
            aws_client("ses").verify_domain_identity(Domain="vault-share.test")
        assert generated.answer["email"] == {"status": "failed"}
        # Wrong code, malformed code, unlock, fetch twice, a bad grant; a revoke.
        assert unlock(api, typed, wrong_code(typed.code)).status == 403
        assert call(api, "POST", typed.share, {"code": "12345"}).status == 400
        opened = ok(unlock(api, typed))
        url = opened["documents"][0]["downloadUrl"]
        assert fetch(api, url).status == 302 and fetch(api, url).status == 302
        grant = parse_qs(urlsplit(url).query)["grant"][0]
        assert fetch(api, url.replace(grant, "A" * len(grant))).status == 410
        assert call(api, "GET", typed.share, headers={"Accept": "text/html"}).status == 410
        assert revoke(api, world, generated).status == 204
        assert unlock(api, generated).status == 410
        secrets = [typed.token, typed.code, generated.token, generated.code, grant]

    out, err = capfd.readouterr()
    logged = logs.getvalue()
    # The capture works: the failed e-mail was logged, with its link id and no address.
    assert "link e-mail failed" in logged and generated.link_id in logged, logged[-2000:]
    assert '"level":"DEBUG"' in logged or "DEBUG" in logged or "consumed" in logged, "DEBUG lines are captured too"
    assert_absent(secrets, [logged, out, err], "a log line")

    for table in ("SHARES_TABLE", "VAULT_TABLE", "IDEMPOTENCY_TABLE"):
        values = [s for item in table_items(table) for s in strings_in(item)]
        assert values, table
        assert_absent(secrets, values, f"the table {table}")
    # What the tables do keep: the links, under their hash.
    assert link_item(typed.token) is not None and link_item(generated.token) is not None


# ============================================================== at most five codes ever judged


@dataclass
class Hold:
    release: threading.Event
    holding: set[str]


@contextmanager
def held_after_first_write(api: Api, held: set[str]) -> Iterator[Hold]:
    """Threads named in `held` stop right after their first UpdateItem returns, until released:
    any second step of an unlock (a second write, a local decision) is held open meanwhile."""
    from vault_share.adapters.aws import client

    hold_state = Hold(threading.Event(), set())

    def hold(**_: Any) -> None:
        name = threading.current_thread().name
        if name in held and name not in hold_state.holding:
            hold_state.holding.add(name)
            assert hold_state.release.wait(timeout=30), "never released"

    events = client("dynamodb").meta.events
    events.register("after-call.dynamodb.UpdateItem", hold, unique_id="hold-after-first-write")
    try:
        yield hold_state
    finally:
        hold_state.release.set()
        events.unregister("after-call.dynamodb.UpdateItem", unique_id="hold-after-first-write")


def test_no_code_is_judged_after_five_whatever_is_still_in_flight(api: Api, world: World, concurrency: None) -> None:
    """Five wrong codes are held between their first write and their answer; the right code sent then
    is refused unjudged (it used to open the link: each guess was judged before any was counted)."""
    link = create(api, world)
    warm(api, 6)
    names = {f"held-guess-{shift}" for shift in range(1, 6)}
    results: dict[str, HttpResult] = {}
    with held_after_first_write(api, names) as hold:
        threads = [
            threading.Thread(
                target=lambda shift=shift: results.__setitem__(
                    f"held-guess-{shift}", api.call("POST", link.share, {"code": wrong_code(link.code, shift)})
                ),
                name=f"held-guess-{shift}",
            )
            for shift in range(1, 6)
        ]
        for thread in threads:
            thread.start()
        for _ in range(3000):
            if hold.holding == names:
                break
            threading.Event().wait(0.01)
        assert hold.holding == names, "the five guesses reached the store"
        # While the five are in flight: the right code, the page, the owner's list all say locked.
        assert status_of(unlock(api, link)) == (410, "link_locked")
        assert status_of(call(api, "GET", link.share)) == (410, "link_locked")
        listed = ok(call(api, "GET", world.links_path, user=world.owner))["links"]
        assert [x["status"] for x in listed if x["linkId"] == link.link_id] == ["locked"]
        hold.release.set()
        for thread in threads:
            thread.join(timeout=30)
    assert Counter(status_of(r) for r in results.values()) == Counter(
        {(403, "wrong_code"): 4, (410, "link_locked"): 1}
    ), [r.body for r in results.values()]
    assert (attribute(link.token, "failedAttempts"), attribute(link.token, "status")) == (5, "locked")


def test_forty_wrong_codes_and_the_right_one_at_once(api: Api, world: World, concurrency: None) -> None:
    """Whatever the interleaving: at most five codes judged (200 or 403), at most one success."""
    for _ in range(3):
        link = create(api, world)
        guesses = [wrong_code(link.code, shift) for shift in range(1, 41)] + [link.code]
        calls = [partial(api.call, "POST", link.share, {"code": code}) for code in guesses]
        warm(api, len(calls))
        results = at_once(calls)
        judged = [r for r in results if r.status in (200, 403)]
        assert len(judged) <= 5, Counter(status_of(r) for r in results)
        assert sum(r.status == 200 for r in results) <= 1
        assert {status_of(r) for r in results if r.status not in (200, 403)} <= {
            (410, "link_locked"),
            (410, "link_used"),
        }
        used = attribute(link.token, "status") == "used"
        assert results[-1].status == (200 if used else 410)
        assert attribute(link.token, "failedAttempts") <= 5
