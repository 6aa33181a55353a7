"""`/api/v2/actions`: Auth0's Actions for the credentials-exchange trigger — create,
read, update, delete, deploy, test, and the trigger's bindings. Auth0's limits hold:
100 kB of code, 30 secrets, 100 Actions, 20 bound
(https://auth0.com/docs/customize/actions/limitations)."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from actions_runtime.runner import ActionSource, CodeCheck, NodeMissing, check_code, run_actions
from oauth_primitives.action_runs import where
from oauth_primitives.custom_claims import judged

from ..authority import Authority
from ..store.actions import RUNTIME, TRIGGER, Action
from .endpoint import endpoint, field, json_body, only, query_flag
from .errors import ManagementError, bad_request, not_found

CODE_LIMIT = 100 * 1024
BODY_LIMIT = 4 * CODE_LIMIT  # the code, JSON-escaped, and its secrets
MAX_SECRETS, MAX_ACTIONS, MAX_BOUND = 30, 100, 20
RUNTIMES = ("node18", "node22")
SECRET_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")


def _find(authority: Authority, request: Request) -> Action:
    action = authority.tenant.actions.get(request.path_params["id"])
    if action is None or action.id != request.path_params["id"]:
        raise not_found("action", "inexistent_action")
    return action


def _triggers(data: dict) -> None:
    triggers = field(data, "supported_triggers", list)
    if triggers is None:
        return
    ids = [t.get("id") if isinstance(t, dict) else None for t in triggers]
    versions = [t.get("version", "v2") for t in triggers if isinstance(t, dict)]
    if ids != [TRIGGER] or not all(isinstance(v, str) for v in versions):
        raise bad_request(
            f'supported_triggers must be [{{"id": "{TRIGGER}"}}]: this tenant runs the '
            "Machine to Machine flow's Actions only"
        )


def _secrets(data: dict, old: dict[str, str]) -> dict[str, str] | None:
    """Auth0's `[{"name", "value"}]`; a secret without a value keeps its old value."""
    raw = field(data, "secrets", list)
    if raw is None:
        return None
    if len(raw) > MAX_SECRETS:
        raise bad_request(f"an Action has at most {MAX_SECRETS} secrets")
    secrets: dict[str, str] = {}
    for item in raw:
        name = item.get("name") if isinstance(item, dict) else None
        if not isinstance(name, str) or not SECRET_NAME.fullmatch(name):
            raise bad_request("each secret needs a name of letters, digits and _ (128 at most)")
        value = item.get("value", old.get(name))
        if not isinstance(value, str) or len(value) > 4096:
            raise bad_request(f"secret {name} needs a string value of 4096 characters at most")
        secrets[name] = value
    return secrets


async def _code(data: dict, name: str, required: bool) -> str | None:
    code = field(data, "code", str, required)
    if code is None:
        return None
    if not code.strip():
        raise bad_request("code must not be empty: it exports onExecuteCredentialsExchange")
    if len(code.encode()) > CODE_LIMIT:
        raise bad_request("code is over 100 kB, Auth0's limit for an Action")
    await _checked(name, code)
    return code


async def _checked(name: str, code: str) -> None:
    """Refuses code that could never run here, saying where: a syntax error, or a
    `require` of a module this tenant does not give (Auth0 installs the npm packages an
    Action declares; this tenant installs none)."""
    try:
        check = (await check_code([ActionSource(name, code)])).get(name)
    except NodeMissing:
        return  # checked when it runs; `serve` has said Actions need Node.js
    if check is not None and check.refused:
        raise bad_request(_refused_words(check))


def _refused_words(check: CodeCheck) -> str:
    if check.syntax is not None:
        at = where(check.line, check.column)
        return f"the code does not compile: {check.syntax}" + (f" ({at})" if at else "")
    given = ", ".join(check.offered)
    said = []
    for r in check.requires:
        at = where(r.line, r.column)
        if r.builtin:
            said.append(
                f"{at}: {r.text} is Node's own {r.module.removeprefix('node:')} module, which "
                f"Actions are not given here (only {given})"
            )
        else:
            said.append(
                f"{at}: {r.text} loads an npm package, and this tenant installs none (Auth0 "
                f"installs those an Action declares in its dependencies); Actions here have "
                f"Node's {given}"
            )
    return "; ".join(said)


def _name(data: dict, required: bool) -> str | None:
    name = field(data, "name", str, required)
    if name is not None and not (name.strip() and len(name) <= 100):
        raise bad_request("name must be 1 to 100 characters")
    return name.strip() if name is not None else None


def _runtime(data: dict) -> str | None:
    runtime = field(data, "runtime", str)
    if runtime is not None and runtime not in RUNTIMES:
        raise bad_request(f"runtime must be one of {', '.join(RUNTIMES)}")
    return runtime


FIELDS = {"name", "supported_triggers", "code", "runtime", "secrets", "dependencies"}


def _no_dependencies(data: dict) -> None:
    if field(data, "dependencies", list):
        raise bad_request("npm dependencies are not installed here: Node's built-ins only")


@endpoint("read:actions")
async def list_actions(request: Request, authority: Authority) -> Response:
    trigger = request.query_params.get("triggerId")
    named = request.query_params.get("actionName")
    deployed = request.query_params.get("deployed")
    actions = [] if trigger not in (None, TRIGGER) else authority.tenant.actions.all()
    if named is not None:
        actions = [a for a in actions if a.name == named]
    if deployed is not None:
        want = query_flag(request, "deployed")
        actions = [a for a in actions if (a.deployed_code is not None) == want]
    return JSONResponse(
        {
            "actions": [a.to_api() for a in actions],
            "total": len(actions),
            "page": 0,
            "per_page": max(len(actions), 50),
        }
    )


@endpoint("create:actions")
async def create_action(request: Request, authority: Authority) -> Response:
    data = await json_body(request, BODY_LIMIT)
    only(data, FIELDS)
    field(data, "supported_triggers", list, required=True)
    _triggers(data)
    _no_dependencies(data)
    name = _name(data, required=True)
    assert name is not None
    code = await _code(data, name, required=True)
    assert code is not None
    if len(authority.tenant.actions.all()) >= MAX_ACTIONS:
        raise ManagementError(
            403, f"A tenant has at most {MAX_ACTIONS} Actions", "too_many_entities"
        )
    action = authority.tenant.actions.create(
        name, code, _secrets(data, {}) or {}, _runtime(data) or RUNTIME
    )
    return JSONResponse(action.to_api(), status_code=201)


@endpoint("read:actions")
async def get_action(request: Request, authority: Authority) -> Response:
    return JSONResponse(_find(authority, request).to_api())


@endpoint("update:actions")
async def update_action(request: Request, authority: Authority) -> Response:
    action = _find(authority, request)
    data = await json_body(request, BODY_LIMIT)
    only(data, FIELDS)
    _triggers(data)
    _no_dependencies(data)
    name = _name(data, required=False)
    if name is not None:
        action.name = name
    code = await _code(data, action.name, required=False)
    if code is not None:
        action.code = code
    secrets = _secrets(data, action.secrets)
    if secrets is not None:
        action.secrets = secrets
    action.runtime = _runtime(data) or action.runtime
    authority.tenant.actions.update(action)
    return JSONResponse(action.to_api())


@endpoint("delete:actions")
async def delete_action(request: Request, authority: Authority) -> Response:
    action = _find(authority, request)
    bound = any(b.action.id == action.id for b in authority.tenant.actions.bindings())
    if bound and not query_flag(request, "force"):
        raise ManagementError(
            409,
            f"Action {action.name} is bound to {TRIGGER}: unbind it first, or delete with "
            "force=true",
            "conflict",
        )
    authority.tenant.actions.delete(action.id)
    return Response(status_code=204)


@endpoint("create:actions")
async def deploy_action(request: Request, authority: Authority) -> Response:
    action = _find(authority, request)
    await _checked(action.name, action.code)  # a draft saved before these checks, too
    authority.tenant.actions.deploy(action)
    return JSONResponse(action.version(), status_code=200)


@endpoint("create:actions")  # it runs code: more than a read
async def test_action(request: Request, authority: Authority) -> Response:
    """Runs the draft (the code as last saved, deployed or not) on `payload`, an event."""
    action = _find(authority, request)
    data = await json_body(request)
    only(data, {"payload"})
    event = field(data, "payload", dict, required=True)
    try:
        exchange = await run_actions(
            [ActionSource(action.name, action.code, action.secrets)],
            event,
            authority.action_time_limit,
        )
    except NodeMissing as exc:
        raise ManagementError(503, str(exc), "actions_unavailable") from None
    run = exchange.runs[0]
    kept, left_out = judged(run.claims)  # Auth0's rules on custom claims
    return JSONResponse(
        {
            "payload": {
                "access_token": {
                    "custom_claims": kept,
                    "left_out": [{"name": n, "why": w} for n, w in left_out],
                },
                "access": {
                    "deny": None
                    if run.deny is None
                    else {"code": run.deny[0], "reason": run.deny[1]}
                },
                "error": None
                if run.error is None and not run.timed_out
                else {"message": run.error or f"timed out after {authority.action_time_limit:g} s"},
                "logs": "\n".join(run.logs),
                "stats": {"action_duration_ms": run.ms},
            }
        }
    )


@endpoint("read:actions")
async def get_bindings(request: Request, authority: Authority) -> Response:
    if request.path_params["trigger"] != TRIGGER:
        raise not_found("trigger", "inexistent_trigger")
    bindings = [b.to_api() for b in authority.tenant.actions.bindings()]
    return JSONResponse({"bindings": bindings, "total": len(bindings), "page": 0, "per_page": 50})


@endpoint("update:actions")
async def update_bindings(request: Request, authority: Authority) -> Response:
    """The trigger's bindings become the listed ones, in order (Auth0's PATCH)."""
    if request.path_params["trigger"] != TRIGGER:
        raise not_found("trigger", "inexistent_trigger")
    data = await json_body(request)
    only(data, {"bindings"})
    listed = field(data, "bindings", list, required=True)
    if len(listed) > MAX_BOUND:
        raise bad_request(f"a trigger has at most {MAX_BOUND} bound Actions")
    bound: list[tuple[str, str]] = []
    for item in listed:
        ref = item.get("ref") if isinstance(item, dict) else None
        kind = ref.get("type") if isinstance(ref, dict) else None
        value = ref.get("value") if isinstance(ref, dict) else None
        if kind not in ("action_id", "action_name") or not isinstance(value, str):
            raise bad_request(
                'each binding needs ref {"type": "action_id" or "action_name", "value": …}'
            )
        action = authority.tenant.actions.get(value)
        if action is None or (action.id if kind == "action_id" else action.name) != value:
            raise bad_request(f"no action with {kind} {value}")
        if action.deployed_code is None:
            raise bad_request(f"Action {action.name} has never been deployed: deploy it first")
        if any(a == action.id for a, _ in bound):
            raise bad_request(f"Action {action.name} is bound twice")
        shown = item.get("display_name", action.name)
        if not isinstance(shown, str):
            raise bad_request("display_name must be a string")
        bound.append((action.id, shown or action.name))
    authority.tenant.actions.bind(bound)
    bindings = [b.to_api() for b in authority.tenant.actions.bindings()]
    return JSONResponse({"bindings": bindings})
