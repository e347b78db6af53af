"""What the OpenAPI document (openapi.json) says of each route, written next to the route.

A handler's decorator takes `**owner(...)` or `**public(...)`: summary, tag, security and every
answer the route can give, its errors named by code from `ERRORS` (one entry per code the
domain raises, with its status). Plain dicts only, cheap at import: response bodies are named
(`#/components/schemas/<Name>`), never imported; `components()` builds those schemas from
vault_share.api.schemas when the document is generated (`make openapi`), never in Lambda.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

JSON = "application/json"
HTML = "text/html"
FORM = "application/x-www-form-urlencoded"
REF = "#/components/schemas/"

# The Cognito user pool's ID token, as API Gateway's authorizer checks it.
BEARER = "cognitoIdToken"
SECURITY_SCHEMES: dict[str, Any] = {
    BEARER: {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "The `IdToken` of a Cognito `InitiateAuth` (USER_PASSWORD_AUTH) on the stack's user pool.",
    }
}
OWNER_SECURITY: list[dict[str, list[str]]] = [{BEARER: []}]

TAGS = {
    "vaults": "Vaults, dossiers and documents.",
    "persons": "The persons of a vault and their contact details.",
    "journal": "Dossier and person journals (owners and members).",
    "account": "The caller: notifications and profile.",
    "links": "One-time download links, the owner's side.",
    "share": "A link's recipient (public, no account): the page, the unlock with the code, the files.",
    "invitations": "Invitations and direct access, the owner's side.",
    "invite": "An invited guest (public): the invitation page, the e-mail confirmation, the acceptance.",
}


class Failure:
    """One error code: its status, what it means, and the fields it always carries beside
    `error` and `message`. (A plain class: a dataclass costs a cold start about a millisecond.)"""

    __slots__ = ("extra", "meaning", "status")

    def __init__(self, status: int, meaning: str, extra: tuple[str, ...] = ()) -> None:
        self.status, self.meaning, self.extra = status, meaning, extra


_LINK_GONE = "The link is {}: no code is judged any more (`status` says it)."
_INVITATION_GONE = "The invitation is {} (`status` says it)."

ERRORS: dict[str, Failure] = {
    # -------------------------------------------------------------- request
    "invalid_json": Failure(400, "The body is not a JSON object, or nests deeper than 32 levels."),
    "invalid_cursor": Failure(400, "The pagination cursor is not one this list gave."),
    "invalid_idempotency_key": Failure(400, "The Idempotency-Key header is not 1 to 128 printable characters."),
    "invalid_code": Failure(400, "The code is not exactly 6 digits (nothing is judged)."),
    "invalid_email_code": Failure(400, "The e-mailed confirmation code is not exactly 6 digits."),
    "password_not_expected": Failure(400, "A signed-in account holder sends no password."),
    "payload_too_large": Failure(413, "The body exceeds 64 KiB (10 MB at API Gateway)."),
    "unsupported_media_type": Failure(415, "The body is neither JSON nor a form (URL-encoded or multipart)."),
    "validation_error": Failure(422, "A field, parameter or header is invalid; `fields` says which.", ("fields",)),
    "too_many_requests": Failure(429, "API Gateway's throttling (the stage's rate and burst limits)."),
    # -------------------------------------------------------------- who
    "unauthorized": Failure(401, "No valid bearer ID token."),
    "forbidden": Failure(403, "The caller sees this but may not do it (a guest, for what editors alone do)."),
    "email_not_verified": Failure(
        403, "The caller's e-mail (Cognito's email_verified claim) is not verified: it would receive the notifications."
    ),
    "account_mismatch": Failure(403, "The bearer token is another address's account than the invited one."),
    "wrong_code": Failure(
        403, "A wrong code, judged and counted; `attemptsLeft` says how many remain.", ("attemptsLeft",)
    ),
    # -------------------------------------------------------------- what
    "not_found": Failure(404, "A path parameter holds a character no id has: the function's router matches no route."),
    "vault_not_found": Failure(404, "No such vault for the caller (unknown, malformed or not theirs)."),
    "dossier_not_found": Failure(
        404, "No such dossier in this vault for the caller (`dossierIds` when several were named)."
    ),
    "document_not_found": Failure(404, "No such document in this dossier."),
    "person_not_found": Failure(404, "No such person in this vault."),
    "link_not_found": Failure(404, "No such link."),
    "invitation_not_found": Failure(404, "No such invitation."),
    "download_not_found": Failure(404, "No download grant came with the request (`?grant=` or the page's cookie)."),
    "personal_code_unknown": Failure(404, "No account has this personal code."),
    # -------------------------------------------------------------- state
    "upload_missing": Failure(409, "Nothing was uploaded for this document yet."),
    "link_not_active": Failure(
        409, "The link is already revoked, expired or locked, or used with its download window over.", ("status",)
    ),
    "invitation_not_pending": Failure(
        409, "The invitation is no longer pending (`status` says what it is).", ("status",)
    ),
    "request_in_progress": Failure(409, "A request with the same Idempotency-Key is still running: retry."),
    "email_not_required": Failure(409, "This invitation has an e-mail address on file already."),
    "too_many_email_codes": Failure(409, "Three confirmation codes were sent already."),
    "acceptance_in_progress": Failure(409, "Another request is accepting this invitation."),
    "account_exists": Failure(409, "The address has an account: its holder accepts signed in (bearer token)."),
    "already_member": Failure(409, "The person's account is an owner or member of the vault."),
    "home_conflict": Failure(409, "The guest's home page cannot be created."),
    "link_used": Failure(410, _LINK_GONE.format("used"), ("status",)),
    "link_revoked": Failure(410, _LINK_GONE.format("revoked"), ("status",)),
    "link_expired": Failure(410, _LINK_GONE.format("expired"), ("status",)),
    "link_locked": Failure(410, _LINK_GONE.format("locked after 5 wrong codes"), ("status",)),
    "download_unavailable": Failure(
        410, "The download window is over or the grant is not this link's: open the link again."
    ),
    "invitation_accepted": Failure(410, _INVITATION_GONE.format("accepted already"), ("status",)),
    "invitation_expired": Failure(410, _INVITATION_GONE.format("expired"), ("status",)),
    "invitation_cancelled": Failure(410, _INVITATION_GONE.format("cancelled"), ("status",)),
    "invitation_not_sent": Failure(410, _INVITATION_GONE.format("not sent (the person had no address)"), ("status",)),
    "invitation_locked": Failure(410, _INVITATION_GONE.format("locked after 5 wrong codes"), ("status",)),
    "documents_unavailable": Failure(
        422, "Some documents are not available in this dossier (`documentIds`).", ("documentIds",)
    ),
    "dossier_not_shareable": Failure(
        422, "A guest's home page cannot be opened to someone else (`dossierIds`).", ("dossierIds",)
    ),
    "postal_address_unusable": Failure(422, "La Poste's standard cannot write the person's postal address."),
    "idempotency_key_reused": Failure(422, "This Idempotency-Key was used for another request."),
    "invalid_personal_code": Failure(422, "Not a personal code (12 letters and digits, such as ABCD-1234-EFGH)."),
    "weak_password": Failure(
        422, "The password breaks the user pool's policy (`missing`, when given, says what it lacks)."
    ),
    "too_soon": Failure(
        429, "The last send is less than an hour old; `retryAfterSeconds` says when to retry.", ("retryAfterSeconds",)
    ),
    "quota_exceeded": Failure(
        429,
        "A quota on the messages sent on an owner's behalf is used up (per vault and UTC day, per user and hour; "
        "`channel`: email, sms or letter): nothing was sent or written. `retryAfterSeconds` (and `Retry-After`) "
        "say when the window ends.",
        ("channel", "retryAfterSeconds"),
    ),
    "too_many_personal_codes": Failure(
        429, "Over 10 wrong personal codes this hour for the vault or the owner.", ("retryAfterSeconds",)
    ),
    "unavailable": Failure(
        503,
        "AWS failed the request for a moment (throttled, timed out, a 5xx): send it again after `Retry-After` "
        "seconds. What a failure leaves behind: the README's Faults table (an invitation whose acceptance "
        "failed after the code was judged is pending again).",
    ),
}

# Groups of codes that whole kinds of routes share.
BODY = ("invalid_json", "payload_too_large", "unsupported_media_type", "validation_error")
PUBLIC_BODY = ("invalid_json", "payload_too_large")
PAGE = ("invalid_cursor", "validation_error")
# A route under /vaults/{vaultId}: any id of its path may name nothing, or be longer than 1024.
VAULT = ("vault_not_found", "not_found", "validation_error")
EDITOR = (*VAULT, "forbidden")
INVITATION_OWNER = (*EDITOR, "invitation_not_found")
IDEMPOTENT = ("invalid_idempotency_key", "idempotency_key_reused", "request_in_progress")
LINK = ("link_not_found", "not_found", "link_used", "link_revoked", "link_expired", "link_locked")
INVITATION = (
    "invitation_not_found",
    "not_found",
    "invitation_accepted",
    "invitation_expired",
    "invitation_cancelled",
    "invitation_not_sent",
    "invitation_locked",
)


def parameter(name: str, where: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    """An optional header, query or cookie a route reads itself."""
    return {
        "name": name,
        "in": where,
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


IDEMPOTENCY_KEY = parameter(
    "Idempotency-Key",
    "header",
    "A retried request with the same key and body gets the first answer back.",
    {"type": "string", "minLength": 1, "maxLength": 128},
)


def ref(name: str) -> dict[str, str]:
    return {"$ref": REF + name}


def _error_schema(codes: list[str]) -> dict[str, Any]:
    """The Error model, its `error` one of `codes`, with the fields every one of them carries."""
    narrowed: dict[str, Any] = {"properties": {"error": {"enum": codes}}}
    always = set.intersection(*(set(ERRORS[code].extra) for code in codes))
    if always:
        narrowed["required"] = sorted(always)
    return {"allOf": [ref("Error"), narrowed]}


def _errors(codes: Iterable[str], html: bool) -> dict[int, Any]:
    by_status: dict[int, list[str]] = {}
    for code in dict.fromkeys(codes):
        by_status.setdefault(ERRORS[code].status, []).append(code)
    answers: dict[int, Any] = {}
    for status, listed in sorted(by_status.items()):
        content: dict[str, Any] = {JSON: {"schema": _error_schema(listed)}}
        if html:
            content[HTML] = {"schema": {"type": "string"}}
        described = "\n".join(f"- `{code}`: {ERRORS[code].meaning}" for code in listed)
        answers[status] = {"description": described, "content": content}
        if status in (429, 503):
            answers[status]["headers"] = {"Retry-After": {"description": "Seconds.", "schema": {"type": "integer"}}}
    return answers


class Ok:
    """A success: its status, what it means, the schema's name (none: no body), whether a browser
    (`Accept: text/html`) gets a page instead (public routes), and the headers it sets."""

    __slots__ = ("headers", "html", "meaning", "schema", "status")

    def __init__(
        self,
        status: int,
        meaning: str,
        schema: str | None = None,
        *,
        html: bool = False,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self.status, self.meaning, self.schema, self.html, self.headers = status, meaning, schema, html, headers


def _successes(ok: Ok | tuple[Ok, ...], head: bool) -> dict[int, Any]:
    """A route's successes: one, or several (a program's JSON and a browser's redirect, say)."""
    return {
        status: answer
        for each in (ok if isinstance(ok, tuple) else (ok,))
        for status, answer in _success(each, head).items()
    }


def _success(ok: Ok, head: bool) -> dict[int, Any]:
    answer: dict[str, Any] = {"description": ok.meaning, "content": {}}
    if ok.schema and not head:
        answer["content"][JSON] = {"schema": ref(ok.schema)}
    if ok.html and not head:
        answer["content"][HTML] = {"schema": {"type": "string"}}
    if ok.headers:
        answer["headers"] = {name: {"description": text, "schema": {"type": "string"}} for name, text in ok.headers}
    return {ok.status: answer}


def _head(answers: dict[int, Any]) -> dict[int, Any]:
    """HEAD: the statuses and headers of GET, no body."""
    return {status: {**answer, "content": {}} for status, answer in answers.items()}


def _doc(
    *,
    summary: str,
    tag: str,
    ok: Ok | tuple[Ok, ...],
    errors: Iterable[str],
    operation_id: str,
    description: str | None,
    security: list[dict[str, list[str]]] | None,
    html: bool,
    head: bool,
    parameters: Iterable[dict[str, Any]],
    request_body: dict[str, Any] | None,
) -> dict[str, Any]:
    # Any route may be throttled, and any may meet AWS failing (api.resolver: 503).
    answers = {**_successes(ok, head), **_errors([*errors, "too_many_requests", "unavailable"], html and not head)}
    if head:
        answers = _head(answers)
    extensions: dict[str, Any] = {}
    if request_body is not None:
        extensions["requestBody"] = request_body
    if parameters:
        # Headers, queries and cookies a route reads itself: the generator adds them to the
        # operation's parameters (Powertools writes its own after the extensions).
        extensions["x-parameters"] = list(parameters)
    doc: dict[str, Any] = {
        "summary": summary,
        "tags": [tag],
        "operation_id": operation_id,
        "responses": answers,
    }
    if description:
        doc["description"] = description
    if security:
        doc["security"] = security
    if extensions:
        doc["openapi_extensions"] = extensions
    return doc


def owner(
    summary: str,
    *,
    tag: str,
    ok: Ok | tuple[Ok, ...],
    errors: Iterable[str] = (),
    operation_id: str,
    description: str | None = None,
    parameters: Iterable[dict[str, Any]] = (),
) -> dict[str, Any]:
    """An owner route (Cognito ID token): 401 without a valid one."""
    return _doc(
        summary=summary,
        tag=tag,
        ok=ok,
        errors=[*errors, "unauthorized"],
        operation_id=operation_id,
        description=description,
        security=OWNER_SECURITY,
        html=False,
        head=False,
        parameters=parameters,
        request_body=None,
    )


def public(
    summary: str,
    *,
    tag: str,
    ok: Ok | tuple[Ok, ...],
    errors: Iterable[str] = (),
    operation_id: str,
    description: str | None = None,
    head: bool = False,
    optional_bearer: bool = False,
    parameters: Iterable[dict[str, Any]] = (),
    fields: dict[str, dict[str, Any]] | None = None,
    required: Iterable[str] = (),
) -> dict[str, Any]:
    """A public route: JSON for programs, a French page for browsers (`Accept: text/html`), with
    the same status. `fields`: the body's, sent as JSON or as a form (the route reads either)."""
    request_body = None
    if fields is not None:
        schema: dict[str, Any] = {"type": "object", "properties": fields}
        if required:
            schema["required"] = list(required)
        request_body = {"required": True, "content": {JSON: {"schema": schema}, FORM: {"schema": schema}}}
    return _doc(
        summary=summary,
        tag=tag,
        ok=ok,
        errors=errors,
        operation_id=operation_id,
        description=description,
        # Anonymous, or an account holder's ID token (verified by the function itself).
        security=[{}, *OWNER_SECURITY] if optional_bearer else None,
        html=True,
        head=head,
        parameters=parameters,
        request_body=request_body,
    )


def components() -> dict[str, Any]:
    """The schemas the routes name, from vault_share.api.schemas (imported here, at generation only)."""
    from vault_share.api import schemas

    return schemas.json_schemas(REF)
