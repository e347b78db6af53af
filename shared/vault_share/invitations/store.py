"""The invitation item in the shares table, and the conditional writes that keep it honest.

| attribute            | meaning                                                           |
|----------------------|-------------------------------------------------------------------|
| pk                   | INVITATION#<sha256(token)>                                        |
| personName,          | the person's name as shown, and as the admission names their home |
|  personFirstName, …  |   page (personFirstName, personLastName)                          |
| gsi1pk / gsi1sk      | VAULT#<vaultId> / INVITATION#<invitationId> (by id)               |
| gsi2pk / gsi2sk      | PERSON#<vaultId>#<personId> / <createdAt>#<invitationId> (latest) |
| expiryPk / expiresAt | INVITATION while pending (sparse index of the expiry sweep)       |
| relaunchPk /         | INVITATION while the scheduled run has something to do, and when:|
|  nextRelaunchAt      |   the next reminder, or a send to make again (sparse index of the |
|                      |   reminders run; see "sends" below)                               |
| codeMac, rightCode,  | the guard of the validation code (vault_share.guard): acceptance  |
|  failedAttempts,     |   is judged against the MAC, never by decrypting; attemptId: the  |
|  attemptId           |   last judged attempt's (each judged once)                        |
| validationMac        | by letter, no e-mail: the validation code's MAC (invitations.codes)|
| sealed               | KMS ciphertext of the token and the code: the owner reads the code|
|                      |   back, reminders re-send the same link                           |
| status               | pending, not_sent, accepting (a moment), accepted, expired,       |
|                      |   cancelled, locked                                               |
| linkChannel          | email, postal or none; codeChannel: sms or phone                  |
| channels             | {"link": {...}, "code": {...}}: `status`, and for a channel that  |
|                      |   sends `send`, `claimedAt` (until recorded), `retries`           |
|                      |   (see "sends" below)                                             |
| postalAddress        | by letter: the letters' recipient (firstName, lastName, address)  |
| postal               | {"costCents", "letters", "status"} when the link goes by letter   |

The journal reads these items from the stream (vault_share.journal.events).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from vault_share import ids
from vault_share.dynamo import from_item
from vault_share.guard.attempts import Judged, attempt, guarded_attributes, judged_before
from vault_share.guard.states import MAX_ATTEMPTS, Guard, state
from vault_share.pagination import Partition, client_query, query_page
from vault_share.shares import Changed, SharesStore

# The right code moves an invitation to `accepting`, not yet `accepted`: the account and the guest's
# access are made next (Cognito and the vault table share no transaction with this item), then
# `finish` writes it accepted; a failure in between `reopen`s it, so that a retry succeeds and
# nothing is burnt. The journal hears of `accepted` only.
INVITATION = Guard(open="pending", success="accepting", expiry_partition="INVITATION")
ACCEPTING_STALE_SECONDS = 120
RELAUNCH_PARTITION = "INVITATION"
# E-mail confirmation codes sent for one invitation (letter path), at most.
MAX_EMAIL_CODES = 3
# Invitations stay readable in the owner's views a year after they end.
RETENTION_SECONDS = 365 * 86400


def invitation_pk(hashed_token: str) -> str:
    return f"INVITATION#{hashed_token}"


def person_partition(vault_id: str, person_id: str) -> str:
    return f"PERSON#{vault_id}#{person_id}"


# Python field -> item attribute.
_ATTRIBUTES: dict[str, str] = {
    "pk": "pk",
    "invitation_id": "invitationId",
    "vault_id": "vaultId",
    "vault_name": "vaultName",
    "person_id": "personId",
    "person_name": "personName",
    "person_first_name": "personFirstName",
    "person_last_name": "personLastName",
    "dossier_ids": "dossierIds",
    "home_dossier_id": "homeDossierId",
    "status": "status",
    "link_channel": "linkChannel",
    "code_channel": "codeChannel",
    "channels": "channels",
    "created_by": "createdBy",
    "creator_email": "creatorEmail",
    "created_at": "createdAt",
    "expires_at": "expiresAt",
    "code_mac": "codeMac",
    "validation_mac": "validationMac",
    "sealed": "sealed",
    "email": "email",
    "mobile": "mobile",
    "postal_address": "postalAddress",
    "welcome": "welcome",
    "comment": "comment",
    "postal": "postal",
    "relaunch_count": "relaunchCount",
    "last_sent_at": "lastSentAt",
    "next_relaunch_at": "nextRelaunchAt",
    "failed_attempts": "failedAttempts",
    "accepted_at": "acceptedAt",
    "accepted_by": "acceptedBy",
    "cancelled_at": "cancelledAt",
    "cancelled_by": "cancelledBy",
    "locked_at": "lockedAt",
    "expired_at": "expiredAt",
}


@dataclass
class Invitation:
    pk: str
    invitation_id: str
    vault_id: str
    vault_name: str
    person_id: str
    person_name: str
    dossier_ids: list[str]
    home_dossier_id: str
    status: str
    link_channel: str
    code_channel: str
    channels: dict[str, dict[str, Any]]
    created_by: str
    creator_email: str
    created_at: str
    expires_at: str
    code_mac: str
    sealed: str
    # The person's names as the invitation found them: the admission writes the home page's name
    # without reading the person again.
    person_first_name: str = ""
    person_last_name: str = ""
    # By letter with no e-mail on file: the validation code's MAC (vault_share.invitations.codes).
    validation_mac: str | None = None
    email: str | None = None
    mobile: str | None = None
    postal_address: dict[str, Any] | None = None
    welcome: str | None = None
    comment: str | None = None
    postal: dict[str, Any] | None = None
    relaunch_count: int = 0
    last_sent_at: str | None = None
    next_relaunch_at: str | None = None
    failed_attempts: int = 0
    accepted_at: str | None = None
    accepted_by: str | None = None
    cancelled_at: str | None = None
    cancelled_by: str | None = None
    locked_at: str | None = None
    expired_at: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, values: dict[str, Any]) -> Invitation:
        values = dict(values)
        known = {py: values.pop(attr) for py, attr in _ATTRIBUTES.items() if attr in values}
        for name in ("relaunch_count", "failed_attempts"):
            known[name] = int(known.get(name, 0))
        if known.get("postal"):
            known["postal"] = {k: int(v) if k in ("costCents", "letters") else v for k, v in known["postal"].items()}
        known["dossier_ids"] = list(known.get("dossier_ids") or [])
        return cls(**known, extra=values)

    def state(self, now: str | None = None) -> str:
        """pending, not_sent, accepted, expired, cancelled or locked: the one rule (vault_share.guard.states)."""
        item = {"status": self.status, "failedAttempts": self.failed_attempts, "expiresAt": self.expires_at}
        return state(INVITATION, item, now)

    @property
    def email_required(self) -> bool:
        return email_required(self.link_channel, self.email)


def email_required(link_channel: str, email: str | None) -> bool:
    """Invited by letter with no e-mail on file: the guest gives one, confirmed by a code (the same
    rule as a condition: InvitationStore.accept)."""
    return link_channel == "postal" and not email


def invitation_item(invitation: Invitation, ttl: int) -> dict[str, Any]:
    """The item `InvitationStore.insert` puts, as plain values (vault_share.dynamo.to_item types them)."""
    values = {attr: getattr(invitation, py) for py, attr in _ATTRIBUTES.items()}
    values.update(guarded_attributes(INVITATION, invitation.code_mac))
    if invitation.status != INVITATION.open:
        values.pop("expiryPk")  # never sent: nothing to expire, nothing to remind
    elif invitation.next_relaunch_at:
        values["relaunchPk"] = RELAUNCH_PARTITION
    values.update(
        kind="invitation",
        gsi1pk=f"VAULT#{invitation.vault_id}",
        gsi1sk=f"INVITATION#{invitation.invitation_id}",
        gsi2pk=person_partition(invitation.vault_id, invitation.person_id),
        gsi2sk=f"{invitation.created_at}#{invitation.invitation_id}",
        ttl=ttl,
    )
    return values


def _finish(accepted_at: str, user_id: str) -> tuple[str, str, dict[str, Any]]:
    return (
        "SET #status = :accepted, acceptedBy = :user REMOVE relaunchPk",
        "#status = :accepting AND acceptedAt = :at",
        {":accepted": "accepted", ":accepting": INVITATION.success, ":at": accepted_at, ":user": user_id},
    )


def _invitation(values: dict[str, Any] | None) -> Invitation | None:
    return Invitation.of(values) if values else None


class InvitationStore(SharesStore[Invitation]):
    def __init__(self, dynamodb: Any, table: str) -> None:
        super().__init__(dynamodb, table, "INVITATION", Invitation.of)

    # ---------------------------------------------------------------- writes

    def insert(self, invitation: Invitation, ttl: int, together: Sequence[dict[str, Any]] = ()) -> None:
        """The new invitation; with `together` (TransactWriteItems parts: the guest's home page), in
        one transaction with them, still one request. Made once whatever the write answers (a
        write carried out though its answer was lost is found by a read: vault_share.dynamo.made_once).
        PartRefused names the part whose condition failed: nothing is written."""
        self._insert(invitation_item(invitation, ttl), "invitationId", together)

    def accept(self, pk: str, mac: str, now: str, *, with_email: bool = False) -> tuple[str, Invitation | None]:
        """The one conditional write that judges a validation code (vault_share.guard.attempts):
        the right one moves the invitation to `accepting` at `acceptedAt` = now. `with_email`: the
        code comes with an e-mail code and address, judged only where they are required (letter,
        no e-mail on file), as a code alone is only where they are not; otherwise refused unjudged."""
        letter_no_email = "linkChannel = :postal AND attribute_not_exists(email)"
        also = (letter_no_email if with_email else f"NOT ({letter_no_email})", {":postal": "postal"})
        key, attempt_id = {"pk": pk}, ids.new_id()
        try:
            judged: Judged = attempt(
                self._ddb, self._table, key, INVITATION, mac, now, {"acceptedAt": now}, also, attempt_id
            )
        except Exception:
            # Carried out though its answer was lost (a timeout)? The item says so: a right code
            # then goes on, never left `accepting`, and a wrong one is answered as judged.
            found = judged_before(self._ddb, self._table, key, INVITATION, attempt_id, now)
            if found is None:
                raise
            judged = found
        return judged.verdict, _invitation(judged.item)

    def finish(self, pk: str, accepted_at: str, user_id: str) -> Changed[Invitation]:
        """accepting -> accepted, once the guest's account and access exist. An accepted invitation
        leaves the reminders' index."""
        return self._changed(pk, *_finish(accepted_at, user_id))

    def finish_request(self, pk: str, accepted_at: str, user_id: str) -> dict[str, Any]:
        """`finish` as a part of the transaction that admits the guest (vault_share.vault.guests)."""
        return self._update_request(pk, *_finish(accepted_at, user_id))

    def reopen(self, pk: str, accepted_at: str) -> Changed[Invitation]:
        """accepting -> pending again (the account or the access could not be made): the same
        request, retried, succeeds. Back in the sweep's partition of the expiry index."""
        return self._changed(
            pk,
            "SET #status = :pending, expiryPk = :partition REMOVE acceptedAt",
            "#status = :accepting AND acceptedAt = :at",
            {
                ":pending": INVITATION.open,
                ":accepting": INVITATION.success,
                ":at": accepted_at,
                ":partition": INVITATION.expiry_partition,
            },
        )

    def guard_email(self, pk: str, mac: str, email: str, now: str) -> Changed[Invitation]:
        """Invited by letter with no e-mail on file: from now on the right code is the validation code
        *and* the code e-mailed to `email`, together (`mac` covers both and the address). Judged by
        the same one write, so the five attempts count both."""
        return self._changed(
            pk,
            "SET codeMac = :mac, rightCode = :right, confirmEmail = :email, emailCodeSentAt = :now "
            "ADD emailCodesSent :one",
            "#status = :pending AND failedAttempts < :max AND expiresAt > :now "
            "AND (attribute_not_exists(emailCodesSent) OR emailCodesSent < :sends)",
            {
                ":mac": mac,
                ":right": guarded_attributes(INVITATION, mac)["rightCode"],
                ":email": email,
                ":now": now,
                ":one": 1,
                ":pending": INVITATION.open,
                ":max": MAX_ATTEMPTS,
                ":sends": MAX_EMAIL_CODES,
            },
        )

    def cancel(self, pk: str, user_id: str, now: str) -> Changed[Invitation]:
        """pending or not_sent -> cancelled; its link is then 410."""
        return self._changed(
            pk,
            "SET #status = :cancelled, cancelledAt = :now, cancelledBy = :user REMOVE expiryPk, relaunchPk",
            "#status IN (:pending, :not_sent) AND failedAttempts < :max",
            {
                ":cancelled": "cancelled",
                ":now": now,
                ":user": user_id,
                ":pending": "pending",
                ":not_sent": "not_sent",
                ":max": MAX_ATTEMPTS,
            },
        )

    # ---------------------------------------------------------------- reads

    def latest_for_person(self, vault_id: str, person_id: str) -> Invitation | None:
        partition = person_partition(vault_id, person_id)
        query = client_query(
            self._ddb,
            TableName=self._table,
            IndexName="gsi2",
            KeyConditionExpression="gsi2pk = :pk",
            ExpressionAttributeValues={":pk": {"S": partition}},
            ScanIndexForward=False,
        )
        found, _ = query_page(
            query,
            Partition(partition, key_names=("gsi2pk", "gsi2sk", "pk")),
            limit=1,
            cursor=None,
            parse=lambda raw: Invitation.of(from_item(raw)),
        )
        return found[0] if found else None

    # ---------------------------------------------------------------- sends (vault_share.invitations.delivery)
    #
    # Each channel's entry in `channels` carries, besides its `status`, the number of the send it
    # was last claimed for (`send`: 0 for the first, the relaunch count for a relaunch), the moment
    # of the claim until the send is recorded (`claimedAt`) and how many times the scheduled run
    # claimed that send again (`retries`). A claim is a conditional write: whoever writes it is the
    # one who sends, once. The insert claims send 0 of the channels it sends on. Every claim sets
    # `nextRelaunchAt` to `check_at` (the run then finds an unrecorded claim); the record sets it to
    # what comes next (delivery.follow_up), None taking the invitation out of the index.

    def relaunch(self, pk: str, count: int, now: str, sent_before: str, channels: list[str],
                 check_at: str) -> Changed[Invitation]:  # fmt: skip
        """Relaunch n = count + 1 of a pending invitation last sent before `sent_before`, claiming
        send n of `channels`. Refused (the item as it was) if it is not pending, was sent since, or
        another relaunch took number n."""
        names: dict[str, str] = {}
        values: dict[str, Any] = {
            ":next": count + 1,
            ":count": count,
            ":now": now,
            ":before": sent_before,
            ":pending": INVITATION.open,
            ":max": MAX_ATTEMPTS,
            ":queued": "queued",
            ":zero": 0,
            ":check": check_at,
            ":partition": RELAUNCH_PARTITION,
        }
        sets = ["relaunchCount = :next", "lastSentAt = :now", "nextRelaunchAt = :check", "relaunchPk = :partition"]
        for i, channel in enumerate(channels):
            names[f"#c{i}"] = channel
            sets += [
                f"channels.#c{i}.#status = :queued",
                f"channels.#c{i}.send = :next",
                f"channels.#c{i}.claimedAt = :now",
                f"channels.#c{i}.retries = :zero",
            ]
        condition = (
            "#status = :pending AND expiresAt > :now AND failedAttempts < :max"
            " AND relaunchCount = :count AND lastSentAt <= :before"
        )
        return self._changed(pk, "SET " + ", ".join(sets), condition, values, **names)

    def retry(self, pk: str, seen: dict[str, dict[str, Any]], now: str, check_at: str) -> Changed[Invitation]:
        """Claim again the sends of the channels `seen` (their entries as the run read them: a claim
        never recorded, or a failure), while the invitation is pending. Refused if any of them
        changed since (another run's retry, a relaunch, the late record of the first claim)."""
        names: dict[str, str] = {}
        values: dict[str, Any] = {
            ":now": now,
            ":pending": INVITATION.open,
            ":max": MAX_ATTEMPTS,
            ":queued": "queued",
            ":check": check_at,
            ":partition": RELAUNCH_PARTITION,
        }
        sets = ["nextRelaunchAt = :check", "relaunchPk = :partition"]
        conditions = ["#status = :pending AND expiresAt > :now AND failedAttempts < :max"]
        for i, (channel, entry) in enumerate(seen.items()):
            c = f"channels.#c{i}"
            names[f"#c{i}"] = channel
            retries = int(entry.get("retries") or 0)
            values.update({f":n{i}": int(entry["send"]), f":r{i}": retries + 1})
            sets += [f"{c}.#status = :queued", f"{c}.claimedAt = :now", f"{c}.retries = :r{i}"]
            conditions.append(f"{c}.send = :n{i}")
            if "retries" in entry:
                values[f":seen_r{i}"] = retries
                conditions.append(f"{c}.retries = :seen_r{i}")
            else:
                conditions.append(f"attribute_not_exists({c}.retries)")
            if entry.get("claimedAt"):
                values[f":claimed{i}"] = entry["claimedAt"]
                conditions.append(f"{c}.claimedAt = :claimed{i}")
            else:
                values[f":seen_s{i}"] = entry.get("status")
                conditions.append(f"attribute_not_exists({c}.claimedAt) AND {c}.#status = :seen_s{i}")
        return self._changed(pk, "SET " + ", ".join(sets), " AND ".join(conditions), values, **names)

    def record_sends(
        self,
        pk: str,
        send: int,
        statuses: dict[str, str],
        claims: dict[str, str],
        next_look: str | None,
        letter_cents: int | None = None,
    ) -> Changed[Invitation]:
        """What send `send` did on each channel (`sent`, `queued`, `failed`...), on the channels
        whose claim (`claims`: channel -> claimedAt) it still holds, and `nextRelaunchAt` =
        `next_look`. `letter_cents` (link by letter): what this send's letter cost, 0 if none was
        made; `postal.status` follows the link's."""
        outcome = self._record(pk, send, statuses, claims, letter_cents, next_look)
        if outcome.applied or outcome.item is None or len(statuses) < 2:
            return outcome
        # A later claim took one of the channels meanwhile: record the others one by one (that
        # claim's own record says when to look next).
        for channel, status in statuses.items():
            cents = letter_cents if channel == "link" else None
            outcome = self._record(pk, send, {channel: status}, claims, cents, None, schedule=False)
        return outcome

    def _record(
        self,
        pk: str,
        send: int,
        statuses: dict[str, str],
        claims: dict[str, str],
        letter_cents: int | None,
        next_look: str | None,
        schedule: bool = True,
    ) -> Changed[Invitation]:
        names: dict[str, str] = {}
        values: dict[str, Any] = {":send": send}
        sets, removes, conditions = [], [], []
        for i, (channel, status) in enumerate(statuses.items()):
            names[f"#c{i}"] = channel
            values[f":s{i}"] = status
            values[f":claimed{i}"] = claims[channel]
            sets.append(f"channels.#c{i}.#status = :s{i}")
            removes.append(f"channels.#c{i}.claimedAt")
            conditions.append(f"channels.#c{i}.send = :send AND channels.#c{i}.claimedAt = :claimed{i}")
        if letter_cents is not None and "link" in statuses:
            values.update({":letters": 1 if letter_cents else 0, ":cost": letter_cents, ":letter": statuses["link"]})
            sets += [
                "postal.letters = postal.letters + :letters",
                "postal.costCents = postal.costCents + :cost",
                "postal.#status = :letter",
            ]
        if schedule and next_look:
            values.update({":look": next_look, ":partition": RELAUNCH_PARTITION})
            sets += ["nextRelaunchAt = :look", "relaunchPk = :partition"]
        elif schedule:
            removes += ["relaunchPk", "nextRelaunchAt"]
        update = "SET " + ", ".join(sets) + " REMOVE " + ", ".join(removes)
        return self._changed(pk, update, " AND ".join(conditions), values, **names)
