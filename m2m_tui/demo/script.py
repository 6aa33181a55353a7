"""Demo walkthroughs: a TOML list of steps, each a caption to read aloud and one action
from a small vocabulary. The built-in story (`demo_story.toml`) is such a file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# action: (what it does, its fields: name → required?)
ACTIONS: dict[str, tuple[str, dict[str, bool]]] = {
    "token": ("request a token (the cache is bypassed)", {}),
    "new_token": ("request a new token, and diff it with the previous one", {}),
    "inspect": ("show the token in the inspector", {}),
    "call": ("call an endpoint", {"endpoint": True, "params": False}),
    "why": ("diagnose the token against an endpoint", {"endpoint": True, "params": False}),
    "grant": ("grant a scope to the profile's client, on the Grants screen", {"scope": True}),
    "remove": ("remove a scope from the client's grant", {"scope": True}),
    "rotate": ("rotate the signing key, and check the previous token", {}),
    "revoke": ("revoke the previous key, and check the old token until refused", {}),
    "revoke_token": (
        "revoke a new token (RFC 7009), then call the JWT-validating API and the "
        "introspecting one with it",
        {"endpoint": False, "params": False},
    ),
    "organizations": (
        "create these organizations if missing, on the Grants screen; let the client's "
        "grant use organizations, associate the first, switch to the organizations profile "
        "where there is one, and get a token for the first",
        {"organizations": True},
    ),
    "fix": ("press f in the Why? panel: apply the fix it offers", {}),
    "lab": ("run the tamper lab against an endpoint", {"endpoint": False}),
    "require_dpop": ("make the API require DPoP, and show a Bearer token refused", {}),
    "use_dpop": ("switch to the DPoP profile, get a bound token, call", {"endpoint": False}),
    "use_mtls": (
        "switch to the mutual TLS profile (a TLS tenant of its own), register its certificate "
        "and bind the API's tokens to it on the Grants screen, get a bound token, call with "
        "its certificate, then send it with another (the tamper lab)",
        {"endpoint": False, "params": False},
    ),
    "require_claim": (
        "switch to the profile whose API requires the partner tier claim, get a token, "
        "call: refused, and Why? names the claim",
        {"endpoint": False, "params": False},
    ),
    "preview": ("show the Preview tab: the next token and the API's verdict on it", {}),
    "deploy_action": (
        "create, deploy and bind the credentials-exchange Action that adds the tier claim",
        {},
    ),
    "forward": (
        "the token the API received, forwarded as it is to the next API (the API of the "
        "profile `as`, World Mappers' own client, shown from now on): refused, Why? says why",
        {"as": True, "endpoint": True, "params": False},
    ),
    "exchange": (
        "that token exchanged (RFC 8693) as the profile `as`'s client: the Inspector draws "
        "the act chain",
        {"as": True},
    ),
    "on_behalf": (
        "the next API called with the exchanged token: History links the exchange to its "
        "subject token (the next other step switches back to the profile before the act)",
        {"endpoint": True, "params": False},
    ),
    "pause": ("nothing: a caption alone", {}),
}


class StepFailed(Exception):
    """A step's action did not do what the story needs; says what happened."""


class DemoScriptError(Exception):
    """A mistake in a walkthrough, naming the step and the field."""


@dataclass(frozen=True)
class Step:
    number: int
    caption: str
    action: str
    endpoint: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    scope: str | None = None
    organizations: tuple[str, ...] = ()
    acting: str | None = None  # `as`: the profile whose client acts (forward, exchange)


@dataclass(frozen=True)
class Script:
    title: str
    steps: tuple[Step, ...]


def builtin_story() -> str:
    from importlib import resources  # here, not at import: `m2m-tui --help` stays quick

    return resources.files("m2m_tui").joinpath("demo_story.toml").read_text(encoding="utf-8")


def load_script(path: Path | None) -> Script:
    if path is None:
        return parse_script(builtin_story(), "the built-in story")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DemoScriptError(f"{path}: cannot read: {exc}") from None
    return parse_script(text, str(path))


def parse_script(text: str, source: str) -> Script:
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DemoScriptError(f"{source}: invalid TOML: {exc}") from None
    unknown = sorted(set(data) - {"title", "step"})
    if unknown:
        raise DemoScriptError(f"{source}: unknown key(s) {', '.join(unknown)} (title, [[step]])")
    raw = data.get("step")
    if not isinstance(raw, list) or not raw or not all(isinstance(s, dict) for s in raw):
        raise DemoScriptError(f"{source}: needs at least one [[step]] table")
    title = data.get("title", "m2m-tui demo")
    if not isinstance(title, str):
        raise DemoScriptError(f"{source}: title must be a string")
    return Script(title, tuple(_step(source, n, body) for n, body in enumerate(raw, 1)))


def _step(source: str, number: int, body: dict) -> Step:
    where = f"{source}: step {number}"
    caption = body.get("caption")
    if not isinstance(caption, str) or not caption.strip():
        raise DemoScriptError(f"{where}: caption is required (the sentence to read aloud)")
    action = body.get("action")
    if action not in ACTIONS:
        known = ", ".join(ACTIONS)
        raise DemoScriptError(f"{where}: action must be one of {known}, not {action!r}")
    fields = ACTIONS[action][1]
    unknown = sorted(set(body) - {"caption", "action"} - set(fields))
    if unknown:
        allowed = ", ".join(fields) or "no other fields"
        raise DemoScriptError(
            f"{where}: unknown field(s) {', '.join(unknown)} for {action} ({allowed})"
        )
    for name, required in fields.items():
        if required and name not in body:
            raise DemoScriptError(f"{where}: {action} needs {name}")
    endpoint = body.get("endpoint")
    if endpoint is not None and (not isinstance(endpoint, str) or not endpoint.startswith("/")):
        raise DemoScriptError(f"{where}: endpoint must be a path such as /api/directions")
    params = body.get("params", {})
    if not isinstance(params, dict) or not all(isinstance(v, str) for v in params.values()):
        raise DemoScriptError(f"{where}: params must be a table of strings")
    scope = body.get("scope")
    if scope is not None and (not isinstance(scope, str) or not scope or " " in scope):
        raise DemoScriptError(f"{where}: scope must be one scope, such as geocode:location")
    orgs = body.get("organizations", [])
    if not isinstance(orgs, list) or not all(isinstance(o, str) and o for o in orgs):
        raise DemoScriptError(f'{where}: organizations must be a list of names, such as ["acme"]')
    if action == "organizations" and not orgs:
        raise DemoScriptError(f"{where}: organizations needs at least one name")
    acting = body.get("as")
    if acting is not None and (not isinstance(acting, str) or not acting.strip()):
        raise DemoScriptError(f'{where}: as must name a profile, such as "world-mappers"')
    return Step(number, caption.strip(), action, endpoint, dict(params), scope, tuple(orgs), acting)
