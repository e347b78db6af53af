"""HTML pages for people who have no account (recipients, guests).

French, readable on a phone, usable without JavaScript, accessible. Every
value is escaped here; pages are served with strict security headers.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape

_STYLE = """
:root{color-scheme:light;--ink:#1b1f24;--muted:#4a5561;--accent:#0b57d0;--bad:#b3261e;--ok:#146c2e;--line:#c9d1d9}
*{box-sizing:border-box}
body{margin:0;font:1.0625rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);
 background:#f6f8fa}
main{max-width:34rem;margin:0 auto;padding:1.5rem 1rem 3rem}
.card{background:#fff;border:1px solid var(--line);border-radius:.75rem;padding:1.25rem}
h1{font-size:1.375rem;line-height:1.3;margin:0 0 .75rem;overflow-wrap:anywhere}
p{margin:.5rem 0}
.muted{color:var(--muted)}
.alert{border-left:.3rem solid var(--bad);background:#fdecea;padding:.75rem;margin:1rem 0;border-radius:.25rem}
.success{border-left:.3rem solid var(--ok);background:#e8f5e9;padding:.75rem;margin:1rem 0;border-radius:.25rem}
label{display:block;font-weight:600;margin:1rem 0 .35rem}
input{font:inherit;width:100%;max-width:24rem;padding:.5rem .75rem;border:2px solid var(--muted);border-radius:.5rem}
input[inputmode=numeric]{font-size:1.5rem;letter-spacing:.3em;max-width:12rem}
input[aria-invalid=true]{border-color:var(--bad)}
button,.button{display:inline-block;font:inherit;font-weight:600;color:#fff;background:var(--accent);border:0;
 border-radius:.5rem;padding:.7rem 1.2rem;margin-top:1rem;text-decoration:none;cursor:pointer}
button.secondary{color:var(--accent);background:#fff;border:2px solid var(--accent)}
form.again{margin-top:1.5rem;padding-top:.5rem;border-top:1px solid var(--line)}
:focus-visible{outline:3px solid #f9ab00;outline-offset:2px}
ul.files{list-style:none;padding:0;margin:1rem 0 0}
ul.files li{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;justify-content:space-between;
 padding:.75rem 0;border-top:1px solid var(--line)}
ul.files .button{margin:0}
ul.files li>span{flex:1 1 14rem;min-width:0;overflow-wrap:anywhere}
.visually-hidden{position:absolute;width:1px;height:1px;margin:-1px;padding:0;border:0;overflow:hidden;
 clip:rect(0 0 0 0);white-space:nowrap}
.blockquote{border-left:.25rem solid var(--line);padding-left:.75rem;white-space:pre-line}
"""

_STYLE_HASH = base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()

SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
}


def e(value: object) -> str:
    return escape(str(value), quote=True)


def page(title: str, body_html: str) -> str:
    """A whole document; `body_html` must already be escaped."""
    return (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex, nofollow">'
        f"<title>{e(title)}</title><style>{_STYLE}</style></head>"
        f'<body><main><div class="card">{body_html}</div>'
        '<p class="muted"><small>Transmis avec vault-share.</small></p></main></body></html>'
    )
