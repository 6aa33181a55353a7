"""`m2m-tui actions test FILE`: an Action run here, in Node.js, on a sample
credentials-exchange event, the way the authority would run it; nothing is deployed.
The event is the profile's client and API, with the grant's scopes when the tenant's
Management API can be asked (else the profile's own scope)."""

from __future__ import annotations

from dataclasses import dataclass, field

from actions_runtime.event import credentials_exchange_event
from actions_runtime.runner import TIME_LIMIT, ActionSource, run_actions
from oauth_primitives.action_runs import ActionRun, place
from oauth_primitives.custom_claims import judged


@dataclass
class ActionTrial:
    name: str
    event: dict
    run: ActionRun
    set_claims: dict = field(default_factory=dict)
    left_out: list[tuple[str, str]] = field(default_factory=list)  # (claim, why)
    source: str = ""  # where the event's scopes came from

    @property
    def failed(self) -> bool:
        return self.run.error is not None or self.run.timed_out

    def lines(self) -> list[str]:
        out = [f"Action {self.name} on a sample event ({self.source}):"]
        if self.run.timed_out:
            out.append(
                f"  ✗ did not finish within {TIME_LIMIT:g} s, the bundled authority's limit "
                "(Auth0's is 20 s): the token request fails"
            )
        elif self.run.error is not None:
            at = place(self.run)
            out.append(
                f"  ✗ failed{f' at {at}' if at else ''}: {self.run.error} (the token request fails)"
            )
        for name, value in self.set_claims.items():
            out.append(f"  + {name} = {_json(value)}")
        for name, why in self.left_out:
            out.append(f"  ✗ {name} left out: {why}")
        if self.run.deny is not None:
            code, reason = self.run.deny
            out.append(f"  ✗ denies the token: {code}: {reason}")
        if not (self.set_claims or self.left_out or self.run.deny or self.failed):
            out.append("  sets no claim and denies nothing: the token is as without it")
        out += [f"  log: {line}" for line in self.run.logs]
        return out

    def to_json(self) -> dict:
        return {
            "action": self.name,
            "event": self.event,
            "claims": self.set_claims,
            "left_out": [{"name": n, "why": w} for n, w in self.left_out],
            "deny": None
            if self.run.deny is None
            else {"code": self.run.deny[0], "reason": self.run.deny[1]},
            "error": self.run.error or ("timed out" if self.run.timed_out else None),
            "line": self.run.line,
            "column": self.run.column,
            "logs": self.run.logs,
        }


async def _tenant_facts(session, client_id: str, audience: str) -> tuple[list[str], str, str]:
    """The grant's scopes and the client's name from the Management API, when it answers."""
    import httpx

    from m2m_tui.admin.management_api import ManagementError, ManagementUnavailable

    try:
        async with session.client(certificate=False) as client:
            mgmt = await session.admin.management(client)
            grant = await mgmt.grant(client_id, audience)
            name = await mgmt.client_name(client_id) or client_id
        return list((grant or {}).get("scope") or []), name, "the tenant's grant"
    except (ManagementUnavailable, ManagementError, httpx.HTTPError):
        scope = (session.profile.scope or "").split()
        return scope, client_id, "the profile's scope; the Management API was not reachable"


async def try_action(session, name: str, code: str, client_id: str, secrets: dict) -> ActionTrial:
    profile = session.profile
    audience = profile.audience or ""
    scopes, client_name, source = await _tenant_facts(session, client_id, audience)
    event = credentials_exchange_event(
        client_id=client_id,
        client_name=client_name,
        audience=audience,
        scopes=scopes,
        tenant=profile.issuer,
        body={"grant_type": "client_credentials", "client_id": client_id, "audience": audience},
        organization=None
        if not profile.organization
        else {"id": profile.organization, "name": profile.organization},
    )
    exchange = await run_actions([ActionSource(name, code, secrets)], event)
    run = exchange.runs[0]
    added, left_out = judged(run.claims)  # Auth0's rules on custom claims
    return ActionTrial(name, event, run, added, left_out, source)


def _json(value: object) -> str:
    import json

    return json.dumps(value)
