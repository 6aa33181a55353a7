"""The session's history as a JSON file to share: every secret and token masked.

People attach these to bug reports and tickets, so nothing in one may work as a
credential: client secrets, assertions, bearer tokens and token responses are
masked; a token's decoded claims stay, since without the signature they grant
nothing and they are what a reader needs.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from m2m_tui.transcript import Exchange, mask_fields, mask_headers, mask_token_in
from oauth_primitives.private_files import ensure_private_dir, write_private_file


def export_history(history: list, state_dir: Path, path: Path | None = None) -> Path:
    """Writes the history (oldest first) to `path`, by default a new file under
    `<state-dir>/exports/`, readable by the owner only. Returns where it went."""
    if path is None:
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
        folder = ensure_private_dir(state_dir / "exports")
        path = folder / f"history-{stamp}.json"
        n = 1
        while path.exists():  # two exports in one second must not overwrite each other
            n += 1
            path = folder / f"history-{stamp}-{n}.json"
    document = {
        "exported_at": _iso(time.time()),
        "note": "secrets and tokens are masked",
        "entries": [entry_dict(e) for e in history],
    }
    write_private_file(path, (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode())
    return path


def entry_dict(entry) -> dict:
    out: dict = {
        "at": _iso(entry.at),
        "kind": entry.kind,
        "what": entry.summary,
        "status": entry.status,
    }
    subject = getattr(entry, "subject", None)  # an entry of an older session has none
    if subject is not None:
        out["exchanged_from"] = subject + 1  # the subject token's entry, counted from 1
    outcome, result = entry.outcome, entry.result
    exchange = outcome.exchange if outcome else result.exchange if result else None
    if exchange is not None:
        out.update(exchange_dict(exchange))
    if outcome is not None:
        if outcome.error:
            out["error"] = {
                "error": outcome.error,
                "description": outcome.description,
                "hint": outcome.hint,
            }
        if outcome.access_token:
            out["token"] = token_dict(outcome.access_token)
            out["from_cache"] = outcome.from_cache
    if result is not None and result.error:
        out["error"] = {"description": result.error}
    return out


def exchange_dict(exchange: Exchange) -> dict:
    request = {
        "method": exchange.method,
        "url": exchange.url,
        "headers": mask_headers(exchange.request_headers),
    }
    if exchange.request_body:
        request["body"] = mask_fields(exchange.request_body)
    if exchange.request_content is not None:
        body = _as_json(exchange.request_content)  # a user's own body: its secrets masked
        request["body"] = mask_fields(body) if isinstance(body, dict) else body
    out: dict = {"request": request}
    if exchange.status is not None:
        body = _as_json(mask_token_in(exchange.response_text))
        out["response"] = {
            "status": exchange.status,
            "headers": mask_headers(exchange.response_headers),
            "body": body,
            "duration_ms": round(exchange.duration_ms, 1),
        }
    return out


def _as_json(text: str) -> object:
    """A body as its JSON value where it is JSON, else its text."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def token_dict(raw: str) -> dict:
    from m2m_tui.tokens.decoded import NotAJwt, decode

    try:
        decoded = decode(raw)
    except NotAJwt:
        return {"format": "opaque (not a JWT)"}
    return {"header": decoded.header, "claims": decoded.payload}


def _iso(at: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at))
