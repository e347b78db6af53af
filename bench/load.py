"""Load on the local stack: concurrent unlocks and guesses, link creations and invitations over HTTP.

The stack is the one a developer runs (`python -m devstack`), started here as a subprocess: the
gateway emulation, the Cognito authorizer, the moto server, the stream poller and the scheduler,
all in that process. The clients are threads of this process sending real HTTP over loopback
through one urllib3 pool sized for the most clients at once. The demo owner signs in with a real
Cognito InitiateAuth; every link and invitation is made through the owner's API.

`python -m bench.load` runs this stage alone and prints its figures (nothing is written).
"""

from __future__ import annotations

import json
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self
from urllib.parse import quote, urlsplit

import urllib3

from bench import report
from bench.report import Row
from bench.warm import wrong
from bench.world import BULK_QUOTAS
from devstack.client import Answer, sign_in
from devstack.template import ROOT

LINKS = 50  # links unlocked in the main phase, and created concurrently (figure 3)
RECIPIENTS = 4  # per link, each with the right code
GUESSED = 50  # other links, one guesser each, wrong codes until 410
INVITATIONS = 50
LEVELS = (1, 5, 25, 50, 100, 200)  # concurrent clients of the table
MIN_LEVEL_LINKS = 4  # unlocked (and as many guessed) links of a table level, at the least
MAX_EVALUATED = 5  # codes ever evaluated for one link (the contract)
MAX_CLIENTS = LINKS * RECIPIENTS + GUESSED
SETUP_CLIENTS = 10  # for what is made but not measured (links of the table, persons)

READY_SECONDS = 60.0
STOP_SECONDS = 30.0
IDLE_CORES = 0.1  # the stack's own polling (stream poller, scheduler) stays under it
SETTLE_WINDOW = 0.5
SETTLE_SECONDS = 60.0
MOBILE = "+33612345678"

Progress = Callable[[str], None]


# ---------------------------------------------------------------- the stack and its clients


@dataclass
class StackProcess:
    api_url: str
    pid: int
    info: dict[str, Any]
    console: Path
    exit_code: int | None = None  # once stopped: 0 is a clean stop on SIGTERM, None killed
    stop_seconds: float = 0.0  # from SIGTERM to exit


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def cpu_seconds(pid: int) -> float:
    """CPU time a process has used so far (user + system, every thread), from /proc; 0 without it."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def settle(stack: StackProcess) -> float:
    """Seconds until the stack is idle (its stream poller has delivered what the previous phase
    wrote): under IDLE_CORES over a SETTLE_WINDOW, for at most SETTLE_SECONDS."""
    started = time.perf_counter()
    while time.perf_counter() - started < SETTLE_SECONDS:
        before = cpu_seconds(stack.pid)
        time.sleep(SETTLE_WINDOW)
        if cpu_seconds(stack.pid) - before < IDLE_CORES * SETTLE_WINDOW:
            break
    return time.perf_counter() - started


def _wait_ready(process: subprocess.Popen[bytes], api_url: str, console: Path) -> dict[str, Any]:
    """GET /_local/stack until it answers with the seeded demo (it answers 503 while seeding)."""
    http = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(connect=1, read=5))
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the local stack exited with code {process.returncode}:\n{_tail(console)}")
        try:
            answer = http.request("GET", f"{api_url}/_local/stack")
            if answer.status == 200:
                info: dict[str, Any] = json.loads(answer.data)
                if (info.get("demo") or {}).get("vaultId"):
                    return info
        except (urllib3.exceptions.HTTPError, OSError, ValueError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the local stack was not ready within {READY_SECONDS:.0f} s:\n{_tail(console)}")


@contextmanager
def local_stack() -> Iterator[StackProcess]:
    """`python -m devstack --port N` from the repository root, console to a file; stopped by SIGTERM
    on the way out, whatever happened (killed if it does not stop within STOP_SECONDS)."""
    port = _free_port()
    api_url = f"http://127.0.0.1:{port}"
    console = Path(tempfile.mkdtemp(prefix="vault-share-load-")) / "console.log"
    # The stack brings its own embedded AWS and settings: nothing of this process's AWS reaches it.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_"))}
    with console.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "devstack", "--port", str(port)]
            + [f"--parameter={name}={value}" for name, value in BULK_QUOTAS.items()],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    stack = StackProcess(api_url, process.pid, {}, console)
    try:
        stack.info = _wait_ready(process, api_url, console)
        yield stack
    finally:
        stopping = time.perf_counter()
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                stack.exit_code = process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        else:
            stack.exit_code = process.returncode
        stack.stop_seconds = time.perf_counter() - stopping


@dataclass(frozen=True)
class Timed:
    """One request: its answer (None: no answer, a connection error or timeout) and its latency."""

    answer: Answer | None
    ms: float

    @property
    def status(self) -> int:
        return self.answer.status if self.answer else 0

    @property
    def error_code(self) -> str:
        """The `error` of a JSON error answer, else ''."""
        try:
            body = self.answer.json() if self.answer else None
        except ValueError:
            return ""
        return str(body.get("error", "")) if isinstance(body, dict) else ""

    def is_(self, status: int, error: str) -> bool:
        return self.status == status and self.error_code == error

    def error(self) -> str:
        """The status and the error code of an answer (never its body: a 201 carries the code)."""
        return f"HTTP {self.status} {self.error_code}".rstrip() if self.answer else "no answer"


class Http:
    """One urllib3 pool to the stack, shared by every client thread, sized for the most at once."""

    def __init__(self, stack: StackProcess, clients: int, token: str) -> None:
        self.stack = stack
        parts = urlsplit(stack.api_url)
        self._pool = urllib3.HTTPConnectionPool(
            parts.hostname or "127.0.0.1",
            parts.port,
            maxsize=clients,
            block=True,
            retries=False,
            timeout=urllib3.Timeout(connect=10, read=120),
        )
        self._token = token  # the demo owner's ID token

    def send(self, method: str, path: str, body: Any = None, *, owner: bool = False) -> Timed:
        headers = {"Accept": "application/json"}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if owner:
            headers["Authorization"] = f"Bearer {self._token}"
        started = time.perf_counter()
        try:
            answer = self._pool.request(method, path, body=payload, headers=headers)
        except (urllib3.exceptions.HTTPError, OSError):
            return Timed(None, (time.perf_counter() - started) * 1000)
        ms = (time.perf_counter() - started) * 1000
        return Timed(Answer(answer.status, dict(answer.headers), answer.data), ms)

    def close(self) -> None:
        self._pool.close()


Role = Callable[[], list[Timed]]


@dataclass
class Run:
    """What `together` saw: each role's requests, the wall time, the CPU time each process used."""

    results: list[list[Timed]]
    wall_s: float
    stack_cpu_s: float
    bench_cpu_s: float


def together(http: Http, roles: Sequence[Role], clients: int) -> Run:
    """`clients` threads released at once by a barrier, each taking the next role until none is
    left (one role each when there are as many)."""
    results: list[list[Timed]] = [[] for _ in roles]
    failures: list[Exception] = []
    lock = threading.Lock()
    taken = iter(range(len(roles)))
    barrier = threading.Barrier(clients + 1)

    def client() -> None:
        barrier.wait()
        while True:
            with lock:
                n = next(taken, None)
            if n is None:
                return
            try:
                results[n] = roles[n]()
            except Exception as exc:  # a bench defect: raised below, once every client is done
                failures.append(exc)

    threads = [threading.Thread(target=client, name=f"load-client-{n}", daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started, stack_cpu, bench_cpu = time.perf_counter(), cpu_seconds(http.stack.pid), time.process_time()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if failures:
        raise failures[0]
    return Run(results, wall, cpu_seconds(http.stack.pid) - stack_cpu, time.process_time() - bench_cpu)


# ---------------------------------------------------------------- measured bursts


@dataclass
class Burst:
    """Requests sent together, how long the whole took and the CPU each side used meanwhile."""

    requests: list[Timed]
    wall_s: float
    stack_cpu_s: float
    bench_cpu_s: float

    @classmethod
    def of(cls, run: Run, **kwargs: Any) -> Self:
        sent = [t for role in run.results for t in role]
        return cls(sent, run.wall_s, run.stack_cpu_s, run.bench_cpu_s, **kwargs)

    @property
    def rps(self) -> float:
        return len(self.requests) / self.wall_s

    @property
    def stack_cores(self) -> float:
        """Cores the stack's process kept busy on average (at most 1 for Python code: the GIL)."""
        return self.stack_cpu_s / self.wall_s

    @property
    def bench_cores(self) -> float:
        return self.bench_cpu_s / self.wall_s

    def percentile(self, p: int) -> float:
        return report.percentile([t.ms for t in self.requests], p)

    @property
    def server_errors(self) -> int:
        return sum(1 for t in self.requests if t.status >= 500)


@dataclass
class Created(Burst):
    """A burst of creations, each expected to answer `expected`; the answers that did, in order."""

    expected: int = 201

    @property
    def refused(self) -> int:
        return sum(1 for t in self.requests if t.status != self.expected)

    def bodies(self, what: str | None = None) -> list[dict[str, Any]]:
        """The JSON of every answer with the expected status. With `what`, a refused one stops the
        stage instead (its status and error code only: never a body)."""
        bodies = []
        for timed in self.requests:
            if timed.status == self.expected and timed.answer is not None:
                bodies.append(timed.answer.json())
            elif what is not None:
                raise RuntimeError(f"{what}: {timed.error()}, expected HTTP {self.expected}")
        return bodies


def create_all(http: Http, requests: Sequence[tuple[str, dict[str, Any]]], clients: int) -> Created:
    """POST each (path, body) as the owner, `clients` at once."""

    def role(path: str, body: dict[str, Any]) -> Role:
        return lambda: [http.send("POST", path, body, owner=True)]

    return Created.of(together(http, [role(path, body) for path, body in requests], clients))


@dataclass(frozen=True)
class Link:
    link_id: str
    token: str = field(repr=False)
    code: str = field(repr=False)


def create_links(
    http: Http, demo: dict[str, Any], count: int, clients: int, *, measured: bool = False
) -> tuple[list[Link], Created]:
    """`count` links, each on one of the demo dossier's documents, with a recipient e-mail; a
    refused creation stops the stage, unless `measured` (it is then counted, its link missing)."""
    path = f"/vaults/{demo['vaultId']}/dossiers/{demo['dossierId']}/links"
    documents = demo["documentIds"]
    bodies = [
        {"documentIds": [documents[n % len(documents)]], "recipientEmail": f"destinataire.{n}@example.fr"}
        for n in range(count)
    ]
    created = create_all(http, [(path, body) for body in bodies], clients)
    links = [
        Link(answer["linkId"], answer["url"].rsplit("/", 1)[1], answer["code"])
        for answer in created.bodies(None if measured else "create link")
    ]
    return links, created


# ---------------------------------------------------------------- unlock under contention


@dataclass
class UnlockPhase(Burst):
    """One unlock phase: RECIPIENTS right codes per unlocked link, one guesser per guessed link,
    and what the owner's API reads back afterwards."""

    clients: int = 0
    links: int = 0  # unlocked links
    guessed: int = 0
    used_once: int = 0  # used, with exactly one 200
    used_twice: int = 0  # more than one 200
    locked: int = 0  # guessed links now locked
    max_evaluated: int = 0  # the highest failedAttempts of a guessed link
    unexpected: int = 0  # answers neither side should get (no answer included)

    def level(self) -> dict[str, float]:
        return {
            "clients": self.clients,
            "links": self.links + self.guessed,
            "requests": len(self.requests),
            "rps": round(self.rps, 1),
            "p50_ms": round(self.percentile(50), 1),
            "p95_ms": round(self.percentile(95), 1),
            "p99_ms": round(self.percentile(99), 1),
            "server_errors": self.server_errors,
            "stack_cores": round(self.stack_cores, 2),
            "bench_cores": round(self.bench_cores, 2),
        }


def _recipient(http: Http, link: Link) -> Role:
    return lambda: [http.send("POST", f"/share/{link.token}", {"code": link.code})]


def _guesser(http: Http, link: Link) -> Role:
    """Distinct wrong codes, one after the other, until the link answers 410 (a few more than the
    contract allows, so that a link that never locks shows as more evaluated, not as a hang)."""

    def guess() -> list[Timed]:
        sent: list[Timed] = []
        code = link.code
        for _ in range(MAX_EVALUATED + 3):
            code = wrong(code)  # code + 1, + 2...: never the right one, never twice
            sent.append(http.send("POST", f"/share/{link.token}", {"code": code}))
            if sent[-1].status != 403:
                break
        return sent

    return guess


def read_links(http: Http, demo: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every link of the demo dossier as the owner's API lists it, by id."""
    path = f"/vaults/{demo['vaultId']}/dossiers/{demo['dossierId']}/links?limit=100"
    links: dict[str, dict[str, Any]] = {}
    cursor = None
    while True:
        page = http.send("GET", path + (f"&cursor={quote(cursor)}" if cursor else ""), owner=True)
        if page.status != 200 or page.answer is None:
            raise RuntimeError(f"list links: {page.error()}")
        body = page.answer.json()
        links.update((link["linkId"], link) for link in body["links"])
        cursor = body.get("nextCursor")
        if not cursor:
            return links


def unlock_phase(
    http: Http, demo: dict[str, Any], unlocked: list[Link], guessed: list[Link], clients: int
) -> UnlockPhase:
    """The roles in order (a link's recipients, then a guessed link's guesser, and so on), `clients`
    at once behind a barrier; then each link read back through the owner's API."""
    cast: list[tuple[Link, Role]] = []
    for n in range(max(len(unlocked), len(guessed))):
        if n < len(unlocked):
            cast.extend([(unlocked[n], _recipient(http, unlocked[n]))] * RECIPIENTS)
        if n < len(guessed):
            cast.append((guessed[n], _guesser(http, guessed[n])))
    run = together(http, [role for _, role in cast], clients)
    return judge(run, [link for link, _ in cast], unlocked, guessed, read_links(http, demo), clients)


def judge(
    run: Run,
    role_links: list[Link],
    unlocked: list[Link],
    guessed: list[Link],
    listed: dict[str, dict[str, Any]],
    clients: int,
) -> UnlockPhase:
    """The phase's figures from each role's answers (`role_links`: the link of each role) and the
    links as the owner's API lists them afterwards."""
    by_link: dict[str, list[Timed]] = {}
    for link, sent in zip(role_links, run.results, strict=True):
        by_link.setdefault(link.link_id, []).extend(sent)
    phase = UnlockPhase.of(run, clients=clients, links=len(unlocked), guessed=len(guessed))
    for link in unlocked:
        answers = by_link[link.link_id]
        wins = sum(1 for t in answers if t.status == 200)
        state = listed.get(link.link_id, {})
        phase.used_twice += wins > 1
        phase.used_once += wins == 1 and state.get("status") == "used" and bool(state.get("usedAt"))
        # A recipient who lost the race is told the link is used; anything else is a defect.
        phase.unexpected += sum(1 for t in answers if t.status != 200 and not t.is_(410, "link_used"))
    for link in guessed:
        answers = by_link[link.link_id]
        state = listed.get(link.link_id, {})
        phase.locked += state.get("status") == "locked"
        phase.max_evaluated = max(phase.max_evaluated, int(state.get("failedAttempts", 0)))
        # Wrong codes until the one that locks it, or one sent once it is locked: 410 link_locked.
        *before, last = answers
        phase.unexpected += sum(1 for t in before if not t.is_(403, "wrong_code")) + (not last.is_(410, "link_locked"))
    return phase


def level_links(clients: int) -> int:
    """Unlocked (and as many guessed) links of a table level: one role per client, at the least
    MIN_LEVEL_LINKS (few clients then take turns)."""
    return max(MIN_LEVEL_LINKS, math.ceil(clients / (RECIPIENTS + 1)))


# ---------------------------------------------------------------- warm containers


def warm_up(http: Http, demo: dict[str, Any]) -> float:
    """Seconds to grow each measured function's warm containers (the stack loads one more per
    concurrent call) with the concurrency of its burst, by requests that change nothing:
    GET /share/{token}, the owner's list of links and an unknown invitation of the owner's (404,
    from the function that makes invitations)."""
    [link], _ = create_links(http, demo, 1, 1)
    bursts = [
        (f"/share/{link.token}", False, 200, MAX_CLIENTS),
        (f"/vaults/{demo['vaultId']}/dossiers/{demo['dossierId']}/links", True, 200, LINKS),
        (f"/vaults/{demo['vaultId']}/invitations/{uuid.uuid4().hex}", True, 404, INVITATIONS),
    ]
    seconds = 0.0
    for path, owner, expected, clients in bursts:
        run = together(http, [lambda: [http.send("GET", path, owner=owner)]] * clients, clients)  # noqa: B023
        seconds += run.wall_s
        refused = [t for sent in run.results for t in sent if t.status != expected]
        if refused:
            raise RuntimeError(f"warm-up GET {path.split('/')[1]}: {refused[0].error()}, expected HTTP {expected}")
    return seconds


# ---------------------------------------------------------------- invitations


def persons(http: Http, demo: dict[str, Any], count: int) -> list[str]:
    """`count` new persons of the demo vault with an e-mail and a mobile (not measured)."""
    batch = uuid.uuid4().hex[:8]
    bodies = [
        {"firstName": "Invité", "lastName": f"CHARGE {n}", "email": f"invite.{batch}.{n}@example.fr", "mobile": MOBILE}
        for n in range(count)
    ]
    made = create_all(http, [(f"/vaults/{demo['vaultId']}/persons", body) for body in bodies], SETUP_CLIENTS)
    return [person["personId"] for person in made.bodies("create person")]


def invite(http: Http, demo: dict[str, Any], person_ids: list[str]) -> Created:
    """Each person invited into the demo dossier (e-mail + SMS), all at once."""
    body = {"dossierIds": [demo["dossierId"]]}
    path = f"/vaults/{demo['vaultId']}/persons/{{}}/invitations"
    return create_all(http, [(path.format(p), body) for p in person_ids], len(person_ids))


def not_sent(invitations: Created) -> int:
    """201 answers whose e-mail or SMS is not `sent`."""
    count = 0
    for timed in invitations.requests:
        if timed.status == 201 and timed.answer is not None:
            channels = timed.answer.json().get("channels", {})
            count += any(channels.get(c, {}).get("status") != "sent" for c in ("link", "code"))
    return count


# ---------------------------------------------------------------- the stage


@dataclass
class LoadResults:
    main: UnlockPhase
    levels: dict[int, UnlockPhase]
    create_link: Created
    invitations: Created
    invitations_not_sent: int
    warm_up_seconds: float
    settle_seconds: float  # waiting for the stack to be idle before each measured phase
    stack_exit_code: int | None
    stack_stop_seconds: float
    seconds: float


def run(progress: Progress) -> LoadResults:
    started = time.perf_counter()
    with local_stack() as stack:
        progress(f"load: local stack on {stack.api_url} (console: {stack.console})")
        info, demo = stack.info, stack.info["demo"]
        owner = demo["owner"]
        token = sign_in(
            info["awsEndpoint"], info["region"], info["userPoolClientId"], owner["email"], owner["password"]
        )
        http = Http(stack, MAX_CLIENTS, token)
        settled = 0.0

        def quiet(what: str) -> None:
            nonlocal settled
            settled += settle(stack)
            progress(f"load: {what}")

        try:
            progress("load: warm containers for each burst (concurrent GETs, not measured)")
            warm = warm_up(http, demo)
            # First, while the table is small: moto copies the whole table, stream included, for
            # each part of a TransactWriteItems (an invitation's insert is one).
            ids = persons(http, demo, INVITATIONS)
            quiet(f"{INVITATIONS} concurrent invitations (e-mail + SMS) of new persons")
            invitations = invite(http, demo, ids)
            unsent = not_sent(invitations)
            quiet(f"{LINKS} concurrent link creations")
            unlocked, create_link = create_links(http, demo, LINKS, LINKS, measured=True)
            guessed, _ = create_links(http, demo, GUESSED, SETUP_CLIENTS)
            quiet(f"{LINKS * RECIPIENTS} recipients on {LINKS} links, {GUESSED} guessers on {GUESSED} others")
            main = unlock_phase(http, demo, unlocked, guessed, len(unlocked) * RECIPIENTS + len(guessed))
            levels = {}
            for clients in LEVELS:
                count = level_links(clients)
                fresh, _ = create_links(http, demo, 2 * count, SETUP_CLIENTS)
                quiet(f"unlock at {clients} concurrent clients ({count} + {count} fresh links)")
                levels[clients] = unlock_phase(http, demo, fresh[:count], fresh[count:], clients)
        finally:
            http.close()
    return LoadResults(
        main,
        levels,
        create_link,
        invitations,
        unsent,
        warm,
        settled,
        stack.exit_code,
        stack.stop_seconds,
        time.perf_counter() - started,
    )


def rows(results: LoadResults) -> tuple[list[Row], list[Row]]:
    """The stage's figures with a target, and those for information. The unlock checks add up
    every unlock phase (the main one and each level of the table)."""
    phases = [results.main, *results.levels.values()]

    def one(name: str, value: float, target: str = "", check: Callable[[float], bool] | None = None) -> Row:
        return report.stats(name, [value], target, check)

    def zero(name: str, value: float) -> Row:
        return one(name, value, "0", lambda v: v == 0)

    def latencies(prefix: str, burst: Burst) -> list[Row]:
        return [
            one(f"{prefix}.rps", burst.rps),
            one(f"{prefix}.p50_ms", burst.percentile(50)),
            one(f"{prefix}.p95_ms", burst.percentile(95)),
            one(f"{prefix}.p99_ms", burst.percentile(99)),
            one(f"{prefix}.stack_cores", burst.stack_cores),
        ]

    links = sum(p.links for p in phases)
    guessed = sum(p.guessed for p in phases)
    main, created, invited = results.main, results.create_link, results.invitations
    return [
        zero("load.unlock.links_used_twice", sum(p.used_twice for p in phases)),
        one("load.unlock.links_used_once", sum(p.used_once for p in phases), str(links), lambda v: v == links),
        zero("load.unlock.server_errors", sum(p.server_errors for p in phases)),
        zero("load.unlock.unexpected", sum(p.unexpected for p in phases)),
        one(
            "load.guess.max_evaluated",
            max(p.max_evaluated for p in phases),
            f"<= {MAX_EVALUATED}",
            lambda v: v <= MAX_EVALUATED,
        ),
        one("load.guess.links_locked", sum(p.locked for p in phases), str(guessed), lambda v: v == guessed),
        zero("load.create_link.server_errors", created.server_errors),
        zero("load.create_link.refused", created.refused),
        zero("load.invite.server_errors", invited.server_errors),
        zero("load.invite.refused", invited.refused),
        zero("load.invite.not_sent", results.invitations_not_sent),
        zero("load.stack.exit_code", -1 if results.stack_exit_code is None else results.stack_exit_code),
    ], [
        *latencies("load.unlock", main),
        one("load.unlock.clients", main.clients),
        one("load.unlock.requests", len(main.requests)),
        *latencies("load.create_link", created),
        *latencies("load.invite", invited),
        one("load.warm_up.seconds", results.warm_up_seconds),
        one("load.settle.seconds", results.settle_seconds),
        one("load.stack.stop_seconds", results.stack_stop_seconds),
        one("load.seconds", results.seconds),
    ]


def by_clients(results: LoadResults) -> dict[str, dict[str, float]]:
    """`load.unlock.by_clients` of results.json."""
    return {str(clients): phase.level() for clients, phase in results.levels.items()}


def describe(results: LoadResults) -> str:
    """The concurrency table and what the stage did: a bottleneck of the stack shows where rps
    stops growing with the clients (and the stack's process stays at one core)."""
    keys = ("clients", "links", "requests", "rps", "p50_ms", "p95_ms", "p99_ms", "server_errors", "stack_cores",
            "bench_cores")  # fmt: skip
    header = (*keys[:7], "5xx", "stack_cpu", "bench_cpu")
    levels = by_clients(results).values()
    main = results.main
    return "\n".join(
        [
            f"Unlock by concurrent clients (POST /share/{{token}}: {RECIPIENTS} recipients with the right code per "
            "link, one guesser per other link; fresh links at each level):",
            report.grid([header, *([report.number(level[k]) for k in keys] for level in levels)]),
            f"Main phase: {main.links * RECIPIENTS} recipients on {main.links} links and {main.guessed} guessers on "
            f"{main.guessed} others, {main.clients} clients released together; {LINKS} link creations and "
            f"{INVITATIONS} invitations at once. Local stack in a subprocess, clients here over loopback (one "
            "urllib3 pool); latency per request, rps over the wall time of each burst; stack_cpu and bench_cpu: "
            "cores each process kept busy meanwhile (/proc). Each burst starts once the stack is idle (stream "
            f"events of the previous one delivered), its function containers warmed first by concurrent GETs.",
        ]
    )


def main() -> int:
    results = run(lambda message: print(message, file=sys.stderr, flush=True))
    checked, information = rows(results)
    print(report.table(checked + information))
    print()
    print(describe(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
