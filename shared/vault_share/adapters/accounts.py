"""Cognito accounts of invited guests. The pool signs people in by e-mail (UsernameAttributes:
[email]): the e-mail is what a guest types, `sub` is the user id the vault knows them by.

An invitation never sets the password of an account it did not create. It knows its own by a
marker written at creation: the custom attribute `custom:invitation` (template.yaml, the user
pool's Schema) holding the invitation's id. The attribute is immutable, and Cognito writes an
immutable attribute only when the user is created (AdminCreateUser, or SignUp, which this pool
refuses): no account made otherwise can carry it, nobody (the holder included) can add or change
it afterwards, and an account that existed before the invitation cannot hold an id drawn after
it. The status (FORCE_CHANGE_PASSWORD...) tells nothing of the kind: an administrator's accounts
start in that status too.

`create` makes the account in two calls that share no transaction (AdminCreateUser, then
AdminSetUserPassword), so it is idempotent: a retry after a failure between them, or after both,
finds the account (UsernameExistsException, then AdminGetUser), recognises its own marker and sets
the password again; any other account is `account_exists` and is left as it is. A new account
costs two requests; the password policy is read once per container (DescribeUserPool).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from botocore.exceptions import ClientError

from vault_share.errors import Conflict, Unprocessable

MARKER = "custom:invitation"
# What Cognito accepts whatever the policy (its developer guide, "password requirements").
MAX_PASSWORD_LENGTH = 256
SYMBOLS = frozenset("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+-")


@dataclass(frozen=True)
class Account:
    user_id: str  # `sub`: the user id of the account's tokens and of the vault's items
    username: str  # Cognito's own (a UUID in a pool whose usernames are e-mails)
    email: str
    status: str  # Cognito's UserStatus: CONFIRMED, FORCE_CHANGE_PASSWORD...
    invitation_id: str | None  # the invitation that created it; None for any other account

    def made_by(self, invitation_id: str) -> bool:
        return self.invitation_id == invitation_id


@dataclass(frozen=True)
class PasswordPolicy:
    """The user pool's `Policies.PasswordPolicy`, as DescribeUserPool gives it (Cognito's defaults
    for what it leaves out)."""

    minimum_length: int = 8
    require_lowercase: bool = True
    require_uppercase: bool = True
    require_numbers: bool = True
    require_symbols: bool = True

    @classmethod
    def of(cls, policy: dict[str, Any]) -> PasswordPolicy:
        defaults = cls()
        return cls(
            minimum_length=int(policy.get("MinimumLength", defaults.minimum_length)),
            require_lowercase=bool(policy.get("RequireLowercase", defaults.require_lowercase)),
            require_uppercase=bool(policy.get("RequireUppercase", defaults.require_uppercase)),
            require_numbers=bool(policy.get("RequireNumbers", defaults.require_numbers)),
            require_symbols=bool(policy.get("RequireSymbols", defaults.require_symbols)),
        )

    def missing(self, password: str) -> dict[str, str]:
        """What the password lacks, by code, with its French wording; empty when it is strong enough.
        Letters and digits are Basic Latin ones (as Cognito counts them); a space inside counts as a
        symbol, a leading or trailing one is refused."""
        rules = [
            ("minimumLength", len(password) >= self.minimum_length, f"au moins {self.minimum_length} caractères"),
            ("maximumLength", len(password) <= MAX_PASSWORD_LENGTH, f"au plus {MAX_PASSWORD_LENGTH} caractères"),
            ("edges", password == password.strip(), "ni espace au début ni espace à la fin"),
            ("lowercase", not self.require_lowercase or bool(re.search("[a-z]", password)), "une lettre minuscule"),
            ("uppercase", not self.require_uppercase or bool(re.search("[A-Z]", password)), "une lettre majuscule"),
            ("number", not self.require_numbers or bool(re.search("[0-9]", password)), "un chiffre"),
            ("symbol", not self.require_symbols or _has_symbol(password), "un caractère spécial (! ? # % & ...)"),
        ]
        return {code: wording for code, held, wording in rules if not held}

    def describe(self) -> str:
        """The whole policy in French, for when Cognito refuses a password this check let through."""
        return _sentence(list(self.missing("").values()))


def _has_symbol(password: str) -> bool:
    return any(char in SYMBOLS for char in password) or " " in password.strip()


def _sentence(parts: list[str]) -> str:
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " et " + parts[-1]
    return f"Mot de passe trop faible : il doit comporter {listed}."


def weak_password(missing: dict[str, str]) -> Unprocessable:
    return Unprocessable(_sentence(list(missing.values())), code="weak_password", missing=list(missing))


class AccountExists(Conflict):
    """The address already has an account that this invitation did not create."""

    code = "account_exists"
    message = "Un compte existe déjà pour cette adresse : connectez-vous pour accepter l'invitation."


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _account(user: dict[str, Any], attributes_key: str) -> Account:
    attributes = {a["Name"]: a["Value"] for a in user.get(attributes_key, [])}
    return Account(
        user_id=attributes["sub"],
        username=user["Username"],
        email=attributes.get("email", ""),
        status=user.get("UserStatus", ""),
        invitation_id=attributes.get(MARKER),
    )


class Accounts:
    def __init__(self, cognito_idp: Any, user_pool_id: str, policy: PasswordPolicy | None = None) -> None:
        """`policy`: the pool's, when the caller knows it; otherwise read from the pool on first use."""
        self._cognito = cognito_idp
        self._pool = user_pool_id
        if policy is not None:
            self.__dict__["policy"] = policy

    @cached_property
    def policy(self) -> PasswordPolicy:
        pool = self._cognito.describe_user_pool(UserPoolId=self._pool)["UserPool"]
        return PasswordPolicy.of(pool.get("Policies", {}).get("PasswordPolicy", {}))

    def check_password(self, password: str) -> None:
        """422 `weak_password`, naming in French what the password lacks, unless the pool's policy holds."""
        missing = self.policy.missing(password)
        if missing:
            raise weak_password(missing)

    def find(self, email: str) -> Account | None:
        """The account signing in with this (normalised) e-mail, or None."""
        try:
            user = self._cognito.admin_get_user(UserPoolId=self._pool, Username=email)
        except ClientError as exc:
            if _error_code(exc) == "UserNotFoundException":
                return None
            raise
        return _account(user, "UserAttributes")

    def create(self, email: str, password: str, *, invitation_id: str) -> Account:
        """The account of this invitation, e-mail verified (the invitation's link reached it), with
        this password; AccountExists if the address has another account, which is left untouched.
        Nothing is written when the password is weak."""
        self.check_password(password)
        try:
            created = self._cognito.admin_create_user(
                UserPoolId=self._pool,
                Username=email,
                UserAttributes=[
                    {"Name": "email", "Value": email},
                    {"Name": "email_verified", "Value": "true"},
                    {"Name": MARKER, "Value": invitation_id},
                ],
                MessageAction="SUPPRESS",
            )
            account = _account(created["User"], "Attributes")
        except ClientError as exc:
            if _error_code(exc) != "UsernameExistsException":
                raise
            found = self.find(email)
            if found is None:  # deleted since: the caller's retry creates it
                raise
            account = found
        if not account.made_by(invitation_id):
            raise AccountExists()
        try:
            self._cognito.admin_set_user_password(
                UserPoolId=self._pool, Username=account.username, Password=password, Permanent=True
            )
        except ClientError as exc:
            # A rule this check does not know (a password history...): the account stays this
            # invitation's, so a retry with another password completes it.
            if _error_code(exc) == "InvalidPasswordException":
                raise Unprocessable(self.policy.describe(), code="weak_password") from None
            raise
        return account
