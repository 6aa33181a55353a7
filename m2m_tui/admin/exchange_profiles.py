"""Token exchange profiles (Auth0's, RFC 8693's policy) as the Management API keeps them:
which concern a client (it may exchange through them) or an API (a token may be
exchanged for it), a change to one, and each in words. The CLI's `exchange-profiles`
command and the Grants screen say them the same way.

Auth0's profile holds `name`, `subject_token_type` and `action_id`; the bundled tenant's
also `client_ids`, `audiences`, `scope_map` ({target scope: [subject scopes]}) and
`trusted_issuers`, which Auth0 leaves to the profile's Action."""

from __future__ import annotations

from m2m_tui.diagnosis.token_request.exchange_facts import by_action, kind_words
from oauth_primitives.token_exchange import SUBJECT_TOKEN_TYPES, TokenType

LISTS = ("client_ids", "audiences")
ARROW = "←"  # "routes:read ← directions": the target scope, from the subject's


def token_type(text: str) -> str:
    """A subject token type as typed: its URN, or the URN's last part (`access_token`,
    `jwt`). ValueError names the ones the bundled authority takes."""
    for kind in TokenType:
        if text in (kind.value, kind.value.rsplit(":", 1)[-1]):
            return kind.value
    if ":" in text:  # another URI: Auth0 takes custom subject token types
        return text
    taken = ", ".join(t.rsplit(":", 1)[-1] for t in SUBJECT_TOKEN_TYPES)
    raise ValueError(f"{text!r} is not a token type URI nor one of {taken}")


def short_type(urn: str) -> str:
    """`access_token` for RFC 8693's URN; another URI as it is."""
    prefix = "urn:ietf:params:oauth:token-type:"
    return urn.removeprefix(prefix) if urn.startswith(prefix) else urn


def scope_map_entry(text: str) -> tuple[str, list[str]]:
    """`routes:read=directions,geocode:location` as (target, [subject scopes]); an empty
    right side (`routes:read=`) removes the target from the map."""
    target, sep, held = text.partition("=")
    target = target.strip()
    if not sep or not target or " " in target:
        raise ValueError(f"{text!r} is not TARGET_SCOPE=SUBJECT_SCOPE[,SUBJECT_SCOPE…]")
    subjects = [s for s in (part.strip() for part in held.replace(" ", ",").split(",")) if s]
    return target, list(dict.fromkeys(subjects))


def scope_map_of(entries: list[str]) -> dict[str, list[str]]:
    """A whole scope_map from `TARGET=SUBJECT[,SUBJECT]` entries (empty ones dropped)."""
    found: dict[str, list[str]] = {}
    for entry in entries:
        target, subjects = scope_map_entry(entry)
        if subjects:
            found[target] = subjects
        else:
            found.pop(target, None)
    return found


def trusted_issuer(text: str) -> dict:
    """`ISSUER=JWKS_URI` as the profile's `{"issuer", "jwks_uri"}`."""
    issuer, sep, uri = text.partition("=")
    if not sep or not issuer or not uri.startswith(("https://", "http://")):
        raise ValueError(f"{text!r} is not ISSUER=JWKS_URI (an https:// URL)")
    return {"issuer": issuer, "jwks_uri": uri}


def concerning_client(profiles: list[dict], client_id: str) -> list[dict]:
    """The profiles this client may exchange through (those listing it in client_ids)."""
    return [p for p in profiles if client_id in (p.get("client_ids") or [])]


def concerning_api(profiles: list[dict], audience: str) -> list[dict]:
    """The profiles whose exchanges may be for this API (those listing it in audiences)."""
    return [p for p in profiles if audience in (p.get("audiences") or [])]


def scope_lines(scope_map: dict | None) -> list[str]:
    """Each mapped scope as `routes:read ← directions or geocode:location`."""
    return [f"{target} {ARROW} {' or '.join(held)}" for target, held in (scope_map or {}).items()]


def issuers_words(profile: dict) -> str:
    """Whose subject tokens the profile takes: this issuer's always, and those it trusts."""
    others = [t.get("issuer", "?") for t in profile.get("trusted_issuers") or []]
    return "this issuer" + "".join(f", {o}" for o in others)


def sentence(profile: dict, client: str | None = None) -> str:
    """The policy in one sentence: who may exchange what, for which APIs, scopes how;
    with `client`, said of that one client (one the profile lists)."""
    kind = kind_words(profile.get("subject_token_type"))
    if by_action(profile):  # Auth0's: no client_ids, audiences nor scope_map
        action = profile.get("action_id")
        whose = f"its Action's ({action})" if action else "its Action's, and none is bound"
        return (
            f"exchanges {kind}; who may exchange them, for which API and with which "
            f"scopes is {whose}"
        )
    clients = client or ", ".join(profile.get("client_ids") or [])
    audiences = ", ".join(profile.get("audiences") or [])
    if not clients or not audiences:
        missing = " and ".join(
            w
            for w, empty in (
                ("a client (--client)", not clients),
                ("an API (--audience)", not audiences),
            )
            if empty
        )
        return (
            f"lets no exchange through yet: it takes {kind} of "
            f"{issuers_words(profile)}, and needs {missing}"
        )
    words = f"{clients} may exchange {kind} of {issuers_words(profile)} for {audiences}"
    scopes = scope_lines(profile.get("scope_map"))
    narrowing = (
        "; ".join(scopes)
        if scopes
        else "a scope is carried only if the subject token has it, and the grant allows it"
    )
    return f"{words}: {narrowing}"


def details(profile: dict) -> list[tuple[str, str]]:
    """The profile's fields as (label, value) rows, for `show` and the Grants screen."""
    kind = profile.get("subject_token_type", "?")
    issuers = [
        f"{t.get('issuer')} (keys: {t.get('jwks_uri') or 'a JWKS held in the profile'})"
        for t in profile.get("trusted_issuers") or []
    ]
    if by_action(profile):
        action = profile.get("action_id")
        return [
            ("subject tokens", short_type(kind)),
            ("policy", "its Action's: who may exchange, for which API, with which scopes"),
            ("action", action or "none bound"),
        ]
    return [
        ("subject tokens", f"{short_type(kind)} of {issuers_words(profile)}"),
        ("clients", ", ".join(profile.get("client_ids") or []) or "none: no client may use it"),
        ("audiences", ", ".join(profile.get("audiences") or []) or "none: no API may be asked"),
        (
            "scope map",
            "; ".join(scope_lines(profile.get("scope_map")))
            or "none: only scopes the subject token carries",
        ),
        ("trusted issuers", "; ".join(issuers) or "none: this issuer's tokens only"),
        ("action", profile.get("action_id") or "none"),
    ]


def with_member(profile: dict, field: str, value: str, present: bool) -> list[str]:
    """The profile's list `field` (client_ids, audiences) with `value` in it or not, its
    other members kept in their order."""
    listed = [v for v in profile.get(field) or [] if v != value]
    return [*listed, value] if present else listed


def with_mapping(profile: dict, target: str, subjects: list[str]) -> dict[str, list[str]]:
    """The profile's scope_map with `target` mapped to `subjects` (none: removed)."""
    found = {k: list(v) for k, v in (profile.get("scope_map") or {}).items() if k != target}
    if subjects:
        found[target] = subjects
    return found
