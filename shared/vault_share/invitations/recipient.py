"""The invited person's use cases: view the invitation (read-only), confirm an e-mail address
(letter path), accept with the validation code.

Acceptance, in an order that burns nothing and leaves no half account, in at most five AWS
requests for a new account (two with a signed-in one) and one for a wrong code:
1. what can be refused without reading anything is checked first: the shape of the token and
   codes, the bearer token of an existing account, the new password against the pool's policy;
2. the code is judged by the one conditional write (vault_share.guard), keyed by the token's
   hash and formed from what was submitted (vault_share.invitations.codes): the right one moves
   the invitation to `accepting` and returns it;
3. the account is made (Cognito, idempotent; `account_exists` when the address has another one,
   `account_mismatch` when the signed-in account is not the invited address);
4. the guest is admitted (vault table) in the transaction that writes the invitation accepted.
If 3 or 4 fails, `reopen` puts it back to pending: the same request, retried, succeeds (a
reopen refused because 4 was written though its answer was lost is the acceptance done). A
judging write whose answer was lost is read back (vault_share.guard.attempts.judged_before). An
acceptance left `accepting` by a crash is reopened by the next request after
ACCEPTING_STALE_SECONDS.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from aws_lambda_powertools import Logger

from vault_share import clock, observability, quotas
from vault_share.adapters.id_tokens import IdTokens, InvalidToken
from vault_share.adapters.mailer import Email, Mailer
from vault_share.contact import normalize_email
from vault_share.errors import (
    BadRequest,
    Conflict,
    DomainError,
    Forbidden,
    Gone,
    NotFound,
    Unauthorized,
    Unavailable,
    Unprocessable,
)
from vault_share.guard import secrets
from vault_share.guard.attempts import WrongCode
from vault_share.invitations import codes
from vault_share.invitations.store import (
    ACCEPTING_STALE_SECONDS,
    INVITATION,
    MAX_EMAIL_CODES,
    Invitation,
    InvitationStore,
    invitation_pk,
)

logger = Logger(child=True)
_CODE = re.compile(r"[0-9]{6}")


class Account(Protocol):
    user_id: str

    def made_by(self, invitation_id: str) -> bool:
        """True for the account this invitation created (a retried acceptance finishes it)."""
        ...


class Accounts(Protocol):
    """The user pool (vault_share.adapters.accounts)."""

    def find(self, email: str) -> Account | None: ...

    def create(self, email: str, password: str, *, invitation_id: str) -> Account:
        """Idempotent over its calls; never touches an account it did not make."""
        ...

    def check_password(self, password: str) -> None: ...


# (invitation, user id, e-mail, updates written with it) -> the guest's home dossier id (vault_share.vault.guests).
Admit = Callable[[Invitation, str, str, Sequence[dict[str, Any]]], str]
# (invitation, address, confirmation code) -> the e-mail that carries the code (no link).
ConfirmationEmail = Callable[[Invitation, str, str], Email]


@dataclass(frozen=True)
class Recipient:
    """What the public invitation routes need, built once per container by the handler."""

    invitations: InvitationStore
    pepper: Callable[[], bytes]
    accounts: Accounts
    id_tokens: IdTokens
    admit: Admit
    mailer: Mailer
    confirmation_email: ConfirmationEmail
    dynamodb: Any  # low-level client: the quota counters (vault_share.quotas) in the vault table
    vault_table: str


def admit(invitation: Invitation, user_id: str, email: str, together: Sequence[dict[str, Any]] = ()) -> str:
    """The accepted guest into the vault (vault_share.vault.guests): the person's home page (the one
    the invitation made), membership, the invited dossiers, the person linked to the account, and
    `together` (the invitation's "accepted") in the same transaction. Idempotent, so a retried
    acceptance admits nothing twice."""
    # PynamoDB's models on the acceptance only, not in the cold start of the invitation's page.
    from vault_share.vault.guests import Guest, TogetherRefused, admit_guest

    guest = Guest(user_id, email, invitation.person_first_name, invitation.person_last_name, invitation.person_id)
    try:
        return admit_guest(
            invitation.vault_id,
            invitation.vault_name,
            guest,
            invitation.dossier_ids,
            invitation.welcome,
            invitation.created_by,
            together,
        )
    except TogetherRefused:
        # Not `accepting` at this moment any more: another request reopened it as stale.
        raise Conflict("Une acceptation de cette invitation est en cours.", code="acceptance_in_progress") from None


def invitation_not_found() -> NotFound:
    return NotFound("Cette invitation n'existe pas.", code="invitation_not_found")


def invitation_gone(status: str) -> Gone:
    messages = {
        "accepted": "Cette invitation a déjà été acceptée.",
        "expired": "Cette invitation a expiré.",
        "cancelled": "Cette invitation a été annulée par l'expéditeur.",
        "not_sent": "Cette invitation n'a pas été envoyée.",
        "locked": "Cette invitation est bloquée après trop de codes erronés.",
    }
    message = messages.get(status, "Cette invitation n'est plus disponible.")
    return Gone(message, code=f"invitation_{status}", status=status)


# ------------------------------------------------------------------ reading


def find(token: str, store: InvitationStore) -> Invitation:
    if not secrets.plausible_token(token):
        raise invitation_not_found()
    invitation = store.get(invitation_pk(secrets.token_hash(token)))
    if invitation is None:
        raise invitation_not_found()
    return invitation


def pending(token: str, store: InvitationStore) -> Invitation:
    """The invitation, if it can still be accepted; 404 or 410 otherwise."""
    invitation = find(token, store)
    status = invitation.state(clock.iso(clock.now()))
    if status == INVITATION.success:  # an acceptance in progress: over for anyone else
        status = "accepted"
    if status != INVITATION.open:
        raise invitation_gone(status)
    return invitation


def view(token: str, recipient: Recipient) -> tuple[Invitation, dict[str, Any]]:
    invitation = pending(token, recipient.invitations)
    address = invitation.email
    return invitation, {
        "status": "pending",
        "vaultName": invitation.vault_name,
        "expiresAt": invitation.expires_at,
        "accountExists": _foreign_account(recipient, address, invitation),
        "emailRequired": invitation.email_required,
    }


# ------------------------------------------------------------------ letter path: an e-mail address


def send_email_code(token: str, email: Any, recipient: Recipient) -> None:
    """Invited by letter with no e-mail on file: a 6-digit code is e-mailed to the address given;
    the acceptance then carries both codes and that address."""
    invitation = pending(token, recipient.invitations)
    if not invitation.email_required:
        raise Conflict("Cette invitation n'attend pas d'adresse e-mail.", code="email_not_required")
    address = _address(email)
    if int(invitation.extra.get("emailCodesSent") or 0) >= MAX_EMAIL_CODES:
        raise too_many_email_codes()  # before anything is counted (the write below judges races)
    email_code = secrets.new_code()
    mac = _mac(recipient, token, codes.with_email(str(invitation.validation_mac), email_code, address))
    # The code's e-mail counts against the inviting vault's quota (no user makes it go): counted
    # before the code is written (429: nothing written or sent), given back if that is refused.
    moment = clock.now()
    charged = quotas.counters(invitation.vault_id, None, {quotas.EMAIL: 1}, moment)
    quotas.charge(recipient.dynamodb, recipient.vault_table, charged, moment)
    changed = recipient.invitations.guard_email(invitation.pk, mac, address, clock.iso(moment))
    if not changed.applied:
        quotas.give_back(recipient.dynamodb, recipient.vault_table, charged)
        current = changed.item
        if current is not None and current.state(clock.iso(clock.now())) == INVITATION.open:
            raise too_many_email_codes()
        raise invitation_gone(current.state(clock.iso(clock.now())) if current else "expired")
    recipient.mailer.send(recipient.confirmation_email(invitation, address, email_code))


def too_many_email_codes() -> Conflict:
    return Conflict("Trop de codes envoyés pour cette invitation.", code="too_many_email_codes")


def _address(email: Any) -> str:
    if not isinstance(email, str):
        raise Unprocessable("Adresse e-mail manquante.", code="validation_error", fields=[{"field": "email"}])
    try:
        return normalize_email(email)
    except ValueError:
        raise Unprocessable("Adresse e-mail invalide.", code="validation_error", fields=[{"field": "email"}]) from None


def _mac(recipient: Recipient, token: str, secret: str) -> str:
    return secrets.code_mac(recipient.pepper(), secrets.token_hash(token), secret)


# ------------------------------------------------------------------ acceptance


@dataclass(frozen=True)
class Submitted:
    code: Any
    password: Any = None
    email: Any = None
    email_code: Any = None


def accept(token: str, submitted: Submitted, authorization: str | None, recipient: Recipient) -> dict[str, str]:
    if not secrets.plausible_token(token):
        raise invitation_not_found()
    if not isinstance(submitted.code, str) or not _CODE.fullmatch(submitted.code):
        raise BadRequest("Le code doit comporter exactement 6 chiffres.", code="invalid_code")
    given_address = _given_address(submitted)
    claims = _signed_in(authorization, submitted, recipient)
    password = None if claims is not None else _new_password(submitted, recipient)
    pk = invitation_pk(secrets.token_hash(token))
    mac = _mac(recipient, token, codes.validation_code(submitted.code))
    if given_address is not None:
        mac = _mac(recipient, token, codes.with_email(mac, str(submitted.email_code), given_address))
    with_email = given_address is not None
    verdict, judged = recipient.invitations.accept(pk, mac, clock.iso(clock.now()), with_email=with_email)
    if verdict == "refused" and judged is not None and _stale(judged):
        recipient.invitations.reopen(judged.pk, str(judged.accepted_at))
        verdict, judged = recipient.invitations.accept(pk, mac, clock.iso(clock.now()), with_email=with_email)
    if judged is None:
        raise invitation_not_found()
    if verdict == "refused" and judged.state(clock.iso(clock.now())) == INVITATION.open:
        raise _wrong_form(judged)  # refused unjudged, though open: nothing was counted
    if verdict == "wrong":
        raise WrongCode(judged, judged.failed_attempts)
    if verdict != "won":
        status = judged.state(clock.iso(clock.now()))
        if status == INVITATION.success:
            raise Conflict("Une acceptation de cette invitation est en cours.", code="acceptance_in_progress")
        raise invitation_gone(status)
    # The MAC covered the address given on the letter path: it is the one the code was sent to.
    address = given_address or str(judged.email)
    accepted_at = str(judged.accepted_at)
    user_id: str | None = None
    try:
        user_id = _account(judged, address, claims, password, recipient)
        recipient.admit(
            judged, user_id, address, [recipient.invitations.finish_request(judged.pk, accepted_at, user_id)]
        )
    except DomainError:
        recipient.invitations.reopen(judged.pk, accepted_at)
        raise
    except Exception as exc:
        reopened = recipient.invitations.reopen(judged.pk, accepted_at)
        if not _finished_by(reopened.item, accepted_at, user_id):
            logger.warning("acceptance reopened", extra={"error_type": type(exc).__name__})
            raise Unavailable() from None
        # The admission was written though its answer was lost: accepted, by this very request.
    observability.invitation_accepted()
    return {"vaultId": judged.vault_id, "vaultName": judged.vault_name, "role": "guest"}


def _given_address(submitted: Submitted) -> str | None:
    """The address given with an e-mail code (letter path), None without either; checked."""
    if submitted.email_code is None and submitted.email is None:
        return None
    if not isinstance(submitted.email_code, str) or not _CODE.fullmatch(submitted.email_code):
        raise BadRequest("Le code reçu par e-mail doit comporter exactement 6 chiffres.", code="invalid_email_code")
    return _address(submitted.email)


def _wrong_form(invitation: Invitation) -> DomainError:
    if invitation.email_required:
        return BadRequest("Le code reçu par e-mail doit comporter exactement 6 chiffres.", code="invalid_email_code")
    return Conflict("Cette invitation n'attend pas d'adresse e-mail.", code="email_not_required")


def _signed_in(authorization: str | None, submitted: Submitted, recipient: Recipient) -> dict[str, Any] | None:
    """The claims of the existing account accepting, or None for a new one. An invitation never
    sets or resets the password of an account that exists."""
    if not authorization:
        return None
    try:
        claims = recipient.id_tokens.verify(authorization)
    except InvalidToken:
        raise Unauthorized() from None
    if submitted.password is not None:
        raise BadRequest("Un compte existe : aucun mot de passe n'est à fournir.", code="password_not_expected")
    return claims


def _new_password(submitted: Submitted, recipient: Recipient) -> str:
    if not isinstance(submitted.password, str) or not submitted.password:
        raise Unprocessable("Mot de passe manquant.", code="weak_password")
    recipient.accounts.check_password(submitted.password)
    return submitted.password


def _account(
    invitation: Invitation, address: str, claims: dict[str, Any] | None, password: str | None, recipient: Recipient
) -> str:
    """The user id of the guest: the signed-in account of the invited address, or the account this
    invitation makes (AccountExists, left untouched, when the address has another one)."""
    if claims is None:
        return recipient.accounts.create(address, str(password), invitation_id=invitation.invitation_id).user_id
    if str(claims.get("email", "")).lower() != address:
        raise Forbidden("Ce compte n'est pas celui de l'adresse invitée.", code="account_mismatch")
    return str(claims["sub"])


def _foreign_account(recipient: Recipient, address: str | None, invitation: Invitation) -> bool:
    """An account of that address that this invitation did not make: its holder signs in instead."""
    account = recipient.accounts.find(address) if address else None
    return account is not None and not account.made_by(invitation.invitation_id)


def _finished_by(invitation: Invitation | None, accepted_at: str, user_id: str | None) -> bool:
    """Whether the acceptance won at `accepted_at` was written accepted, for `user_id`."""
    return (
        invitation is not None
        and user_id is not None
        and invitation.status == "accepted"
        and invitation.accepted_at == accepted_at
        and invitation.accepted_by == user_id
    )


def _stale(invitation: Invitation) -> bool:
    """Left `accepting` by a request that never finished (a crash between its steps)."""
    if invitation.status != INVITATION.success or not invitation.accepted_at:
        return False
    limit = clock.now() - timedelta(seconds=ACCEPTING_STALE_SECONDS)
    return invitation.accepted_at < clock.iso(limit)
