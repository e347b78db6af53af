"""The invited person's use cases: view the invitation (read-only), confirm an e-mail address
(letter path), accept with the validation code.

Acceptance, in an order that burns nothing and leaves no half account:
1. everything that can be refused without judging the code is checked first (the invitation is
   pending, the account question, the password policy, the bearer token of an existing account);
2. the code is judged by the one conditional write (vault_share.guard): the right one moves the
   invitation to `accepting`;
3. the account is made (Cognito) and the guest admitted (vault table), both idempotent;
4. `finish` writes it accepted. If 3 fails, `reopen` puts it back to pending: the same request,
   retried, succeeds. An acceptance left `accepting` by a crash is reopened by the next request
   after ACCEPTING_STALE_SECONDS.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from aws_lambda_powertools import Logger

from vault_share import clock, observability
from vault_share.adapters.id_tokens import IdTokens, InvalidToken
from vault_share.adapters.mailer import Email, Mailer
from vault_share.adapters.sealer import Sealer
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
from vault_share.invitations.delivery import unseal
from vault_share.invitations.store import (
    ACCEPTING_STALE_SECONDS,
    INVITATION,
    Invitation,
    InvitationStore,
    invitation_pk,
)
from vault_share.vault.guests import Guest, admit_guest
from vault_share.vault.service import get_person

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


# (invitation, user id, e-mail) -> the guest's home dossier id (vault_share.vault.guests).
Admit = Callable[[Invitation, str, str], str]
# (invitation, address, confirmation code) -> the e-mail that carries the code (no link).
ConfirmationEmail = Callable[[Invitation, str, str], Email]


@dataclass(frozen=True)
class Recipient:
    """What the public invitation routes need, built once per container by the handler."""

    invitations: InvitationStore
    pepper: Callable[[], bytes]
    sealer: Sealer
    accounts: Accounts
    id_tokens: IdTokens
    admit: Admit
    mailer: Mailer
    confirmation_email: ConfirmationEmail


def admit(invitation: Invitation, user_id: str, email: str) -> str:
    """The accepted guest into the vault (vault_share.vault.guests): the person's home page (the one
    the invitation made), membership, the invited dossiers. Idempotent, so a retried acceptance
    admits nothing twice."""
    person = get_person(invitation.vault_id, invitation.person_id)
    guest = Guest(user_id, email, person.first_name, person.last_name, person.person_id)
    return admit_guest(
        invitation.vault_id,
        invitation.vault_name,
        guest,
        invitation.dossier_ids,
        invitation.welcome,
        invitation.created_by,
    )


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
    validation_code = unseal(recipient.sealer, invitation).code
    email_code = secrets.new_code()
    mac = _mac(recipient, token, _combined(validation_code, email_code, address))
    changed = recipient.invitations.guard_email(invitation.pk, mac, address, clock.iso(clock.now()))
    if not changed.applied:
        current = changed.item
        if current is not None and current.state(clock.iso(clock.now())) == INVITATION.open:
            raise Conflict("Trop de codes envoyés pour cette invitation.", code="too_many_email_codes")
        raise invitation_gone(current.state(clock.iso(clock.now())) if current else "expired")
    recipient.mailer.send(recipient.confirmation_email(invitation, address, email_code))


def _address(email: Any) -> str:
    if not isinstance(email, str):
        raise Unprocessable("Adresse e-mail manquante.", code="validation_error", fields=[{"field": "email"}])
    try:
        return normalize_email(email)
    except ValueError:
        raise Unprocessable("Adresse e-mail invalide.", code="validation_error", fields=[{"field": "email"}]) from None


def _combined(validation_code: str, email_code: str, address: str) -> str:
    return f"{validation_code}:{email_code}:{address}"


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
    invitation = pending(token, recipient.invitations)
    if not isinstance(submitted.code, str) or not _CODE.fullmatch(submitted.code):
        raise BadRequest("Le code doit comporter exactement 6 chiffres.", code="invalid_code")
    secret, address = _secret_and_address(invitation, submitted)
    user_id, password = _who(invitation, address, submitted, authorization, recipient)
    mac = _mac(recipient, token, secret)
    now = clock.iso(clock.now())
    verdict, judged = recipient.invitations.accept(invitation.pk, mac, now)
    if verdict == "refused" and judged is not None and _stale(judged):
        recipient.invitations.reopen(judged.pk, str(judged.accepted_at))
        verdict, judged = recipient.invitations.accept(invitation.pk, mac, clock.iso(clock.now()))
    if judged is None:
        raise invitation_not_found()
    if verdict == "wrong":
        raise WrongCode(judged, judged.failed_attempts)
    if verdict != "won":
        status = judged.state(clock.iso(clock.now()))
        if status == INVITATION.success:
            raise Conflict("Une acceptation de cette invitation est en cours.", code="acceptance_in_progress")
        raise invitation_gone(status)
    accepted_at = str(judged.accepted_at)
    try:
        if user_id is None:
            user_id = recipient.accounts.create(address, str(password), invitation_id=judged.invitation_id).user_id
        recipient.admit(judged, user_id, address)
    except DomainError:
        recipient.invitations.reopen(judged.pk, accepted_at)
        raise
    except Exception as exc:
        logger.warning("acceptance reopened", extra={"error_type": type(exc).__name__})
        recipient.invitations.reopen(judged.pk, accepted_at)
        raise Unavailable() from None
    recipient.invitations.finish(judged.pk, accepted_at, user_id)
    observability.invitation_accepted()
    return {"vaultId": judged.vault_id, "vaultName": judged.vault_name, "role": "guest"}


def _secret_and_address(invitation: Invitation, submitted: Submitted) -> tuple[str, str]:
    """What the judged MAC covers, and the address of the guest's account."""
    if not invitation.email_required:
        return submitted.code, str(invitation.email)
    if not isinstance(submitted.email_code, str) or not _CODE.fullmatch(submitted.email_code):
        raise BadRequest("Le code reçu par e-mail doit comporter exactement 6 chiffres.", code="invalid_email_code")
    address = _address(submitted.email)
    return _combined(submitted.code, submitted.email_code, address), address


def _who(
    invitation: Invitation, address: str, submitted: Submitted, authorization: str | None, recipient: Recipient
) -> tuple[str | None, str | None]:
    """(the existing account's user id, None) when signed in; (None, the new password) otherwise.

    An invitation never sets or resets the password of an account that exists."""
    if authorization:
        try:
            claims = recipient.id_tokens.verify(authorization)
        except InvalidToken:
            raise Unauthorized() from None
        if str(claims.get("email", "")).lower() != address:
            raise Forbidden("Ce compte n'est pas celui de l'adresse invitée.", code="account_mismatch")
        if submitted.password is not None:
            raise BadRequest("Un compte existe : aucun mot de passe n'est à fournir.", code="password_not_expected")
        return str(claims["sub"]), None
    if _foreign_account(recipient, address, invitation):
        raise Conflict(
            "Un compte existe déjà pour cette adresse : connectez-vous pour accepter l'invitation.",
            code="account_exists",
        )
    if not isinstance(submitted.password, str) or not submitted.password:
        raise Unprocessable("Mot de passe manquant.", code="weak_password")
    recipient.accounts.check_password(submitted.password)
    return None, submitted.password


def _foreign_account(recipient: Recipient, address: str | None, invitation: Invitation) -> bool:
    """An account of that address that this invitation did not make: its holder signs in instead."""
    account = recipient.accounts.find(address) if address else None
    return account is not None and not account.made_by(invitation.invitation_id)


def _stale(invitation: Invitation) -> bool:
    """Left `accepting` by a request that never finished (a crash between its steps)."""
    if invitation.status != INVITATION.success or not invitation.accepted_at:
        return False
    limit = clock.now() - timedelta(seconds=ACCEPTING_STALE_SECONDS)
    return invitation.accepted_at < clock.iso(limit)
