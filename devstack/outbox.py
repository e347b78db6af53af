"""What the embedded AWS "sent": e-mails (SES), SMS (SNS), letters, undelivered stream events.

moto runs in this process (ThreadedMotoServer), so its backends are read directly: nothing is
consumed or changed. Postal letters are what the invite function stored under `letters/` of the
documents bucket (the PDF and its record, see vault_share.adapters.letters), each served as a
PDF by the stack at LETTER_PATH.
"""

from __future__ import annotations

import email
import email.policy
import html
import json
import re
from email.message import EmailMessage, Message
from email.utils import getaddresses
from typing import Any
from urllib.parse import quote

from moto.core import DEFAULT_ACCOUNT_ID

from devstack.state import copied

_FOLDING = re.compile(r"\r?\n(?=[ \t])")
_HTML_TAG = re.compile(r"<\s*(html|body|p|div|a|br|table|span|h[1-6])\b", re.IGNORECASE)


def collect(
    region: str,
    failure_queue_urls: list[str],
    account: str = DEFAULT_ACCOUNT_ID,
    *,
    letters_bucket: str | None = None,
    api_url: str = "",
) -> dict[str, Any]:
    """Everything sent so far, oldest first (JSON-ready); letters are read from `letters_bucket`,
    each with a `pdfUrl` on the stack at `api_url`."""
    return {
        "emails": _emails(region, account),
        "sms": _sms(region, account),
        "letters": _letters(letters_bucket, api_url) if letters_bucket else [],
        "undelivered": _undelivered(region, account, failure_queue_urls),
    }


# ---------------------------------------------------------------- e-mails


def _unique_addresses(values: list[str]) -> list[str]:
    seen: list[str] = []
    for _, address in getaddresses(values):
        if address and address.lower() not in (s.lower() for s in seen):
            seen.append(address)
    return seen


def _part_text(message: Message, subtype: str) -> str:
    if not isinstance(message, EmailMessage):
        return ""
    part = message.get_body(preferencelist=(subtype,))
    if part is None or not isinstance(part, EmailMessage):
        return ""
    content = part.get_content()
    return content if isinstance(content, str) else content.decode("utf-8", "replace")


def _as_sent(message: Message, name: str) -> str:
    """A header's value exactly as the message carries it: unfolded, never decoded (a decoded
    From could show an address that is not the sender's)."""
    values = [value for key, value in message.raw_items() if key.lower() == name.lower()]
    return _FOLDING.sub("", str(values[0])).strip() if values else ""


def parse_raw_email(raw: str | bytes, destinations: list[str] | None = None) -> dict[str, Any]:
    """A MIME message (text and/or HTML parts) as {"from", "to", "subject", "text", "html"};
    `from` is the From header as sent, the rest decoded."""
    data = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else raw
    message = email.message_from_bytes(data, policy=email.policy.default)
    headers = [str(message[h]) for h in ("To", "Cc") if message[h] is not None]
    return {
        "from": _as_sent(message, "From"),
        # moto appends the To/Cc addresses to Destinations: one list, without repeats.
        "to": _unique_addresses([*(destinations or []), *headers]),
        "subject": str(message["Subject"] or ""),
        "text": _part_text(message, "plain"),
        "html": _part_text(message, "html"),
    }


def _emails(region: str, account: str) -> list[dict[str, Any]]:
    from moto.ses.models import Message as SimpleMessage
    from moto.ses.models import RawMessage, ses_backends

    result = []
    for sent in list(ses_backends[account][region].sent_messages):
        if isinstance(sent, RawMessage):
            result.append(parse_raw_email(sent.raw_data, list(sent.destinations or [])))
        elif isinstance(sent, SimpleMessage):
            # moto keeps one body for send_email: the HTML one when there is one.
            body = sent.body or ""
            is_html = bool(_HTML_TAG.search(body))
            destinations = sent.destinations or {}
            to = [a for key in ("ToAddresses", "CcAddresses", "BccAddresses") for a in destinations.get(key, [])]
            result.append(
                {
                    "from": sent.source or "",  # SES writes the From header from Source
                    "to": _unique_addresses(to),
                    "subject": sent.subject or "",
                    "text": "" if is_html else body,
                    "html": body if is_html else "",
                }
            )
    return result


# ---------------------------------------------------------------- SMS


def _sms(region: str, account: str) -> list[dict[str, Any]]:
    from moto.sns.models import sns_backends

    # An insertion-ordered dict: message id -> (phone number, text), filled by moto's server threads.
    messages = sns_backends[account][region].sms_messages
    nothing: list[tuple[str, str]] = []
    published = copied(lambda: list(messages.values()), nothing)
    return [{"to": phone, "text": text} for phone, text in published]


# ---------------------------------------------------------------- letters

# GET LETTER_PATH?key=letters/... serves a stored letter's PDF (devstack/stack.py).
LETTER_PATH = "/_local/letters"


def _letter_store(bucket: str) -> Any:
    import boto3
    from vault_share.adapters.letters import LetterStore

    return LetterStore(boto3.client("s3"), bucket)


def _letters(bucket: str, api_url: str) -> list[dict[str, Any]]:
    return [
        {
            "to": record.to,
            "text": record.text,
            "costCents": record.cost_cents,
            "pdfUrl": f"{api_url}{LETTER_PATH}?key={quote(record.key, safe='/')}",
        }
        for record in _letter_store(bucket).records()
    ]


def stored_letter(bucket: str, key: str) -> bytes | None:
    """The PDF of a letter the stack stored, or None when `key` names none."""
    from botocore.exceptions import ClientError
    from vault_share.adapters.letters import LETTERS_PREFIX

    if not (key.startswith(LETTERS_PREFIX) and key.endswith(".pdf")) or ".." in key.split("/"):
        return None
    try:
        pdf: bytes = _letter_store(bucket).pdf(key)
    except ClientError:
        return None
    return pdf


# ---------------------------------------------------------------- failure queues


def _undelivered(region: str, account: str, queue_urls: list[str]) -> list[Any]:
    """Messages still in the failure queues, peeked from moto without receiving them."""
    from moto.sqs.models import sqs_backends

    result: list[Any] = []
    for url in queue_urls:
        parts = url.rstrip("/").split("/")
        name = parts[-1]
        owner = parts[-2] if len(parts) >= 2 and parts[-2].isdigit() else account
        queue = sqs_backends[owner][region].queues.get(name)
        if queue is None:
            continue
        with queue._messages_lock:
            bodies = [m.body for m in queue._messages]
        for body in bodies:
            try:
                result.append(json.loads(body))
            except ValueError:
                result.append(body)
    return result


# ---------------------------------------------------------------- page

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#1d1d1f}
h1{font-size:1.6rem}h2{border-bottom:1px solid #ccc;padding-bottom:.3rem;margin-top:2.5rem}
article{border:1px solid #ddd;border-radius:6px;padding:1rem;margin:1rem 0;background:#fafafa}
dl{display:grid;grid-template-columns:8rem 1fr;gap:.2rem .8rem;margin:0 0 .8rem}dt{color:#666}dd{margin:0}
pre{white-space:pre-wrap;word-break:break-word;background:#fff;border:1px solid #eee;padding:.6rem;margin:.4rem 0}
iframe{width:100%;height:22rem;border:1px solid #eee;background:#fff}
.empty{color:#777;font-style:italic}details{margin-top:.5rem}
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _fields(pairs: list[tuple[str, Any]]) -> str:
    return "<dl>" + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in pairs) + "</dl>"


def _section(title: str, items: list[str], empty: str) -> str:
    body = "".join(items) if items else f'<p class="empty">{_e(empty)}</p>'
    return f"<section><h2>{_e(title)} ({len(items)})</h2>{body}</section>"


def _email_html(mail: dict[str, Any]) -> str:
    parts = [
        _fields(
            [("De", mail.get("from", "")), ("À", ", ".join(mail.get("to", []))), ("Objet", mail.get("subject", ""))]
        )
    ]
    if mail.get("html"):
        # Sandboxed: no scripts, no same origin; links open in a new tab.
        document = '<base target="_blank">' + str(mail["html"])
        parts.append(
            f'<iframe sandbox="allow-popups allow-popups-to-escape-sandbox" referrerpolicy="no-referrer" '
            f'title="{_e(mail.get("subject", ""))}" srcdoc="{_e(document)}"></iframe>'
        )
    if mail.get("text"):
        parts.append(f"<details open><summary>Version texte</summary><pre>{_e(mail['text'])}</pre></details>")
    return "<article>" + "".join(parts) + "</article>"


def _address_lines(address: dict[str, Any]) -> str:
    name = " ".join(str(address[k]) for k in ("firstName", "lastName") if address.get(k))
    city = " ".join(str(address[k]) for k in ("postalCode", "city") if address.get(k))
    known = {"firstName", "lastName", "line1", "line2", "postalCode", "city", "country"}
    lines = [name] if name else []
    lines += [str(address[k]) for k in ("line1", "line2") if address.get(k)]
    lines += [city] if city else []
    lines += [str(address["country"])] if address.get("country") else []
    lines += [f"{k} : {v}" for k, v in address.items() if k not in known and v]
    return "\n".join(lines)


def render_html(outbox: dict[str, Any]) -> str:
    """A self-contained French page, newest first; every value is escaped."""
    emails = [_email_html(m) for m in reversed(outbox.get("emails", []))]
    sms = [
        "<article>" + _fields([("À", s.get("to", ""))]) + f"<pre>{_e(s.get('text', ''))}</pre></article>"
        for s in reversed(outbox.get("sms", []))
    ]
    letters = [
        "<article>"
        + _fields([("Coût", f"{int(letter.get('costCents', 0)) / 100:.2f} €".replace(".", ","))])
        + f"<pre>{_e(_address_lines(letter.get('to') or {}))}</pre>"
        + (f'<p><a href="{_e(letter["pdfUrl"])}" target="_blank">Voir le PDF</a></p>' if letter.get("pdfUrl") else "")
        + f"<details open><summary>Texte</summary><pre>{_e(letter.get('text', ''))}</pre></details></article>"
        for letter in reversed(outbox.get("letters", []))
    ]
    undelivered = [
        f"<article><pre>{_e(json.dumps(item, ensure_ascii=False, indent=2))}</pre></article>"
        for item in reversed(outbox.get("undelivered", []))
    ]
    return (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Boîte d'envoi locale</title><style>{_STYLE}</style></head><body>"
        "<h1>Boîte d'envoi locale</h1>"
        "<p>Ce que la pile locale a envoyé, du plus récent au plus ancien. Rien n'est réellement expédié.</p>"
        + _section("E-mails", emails, "Aucun e-mail.")
        + _section("SMS", sms, "Aucun SMS.")
        + _section("Courriers", letters, "Aucun courrier.")
        + _section("Événements non livrés", undelivered, "Aucun événement en échec.")
        + "</body></html>"
    )
