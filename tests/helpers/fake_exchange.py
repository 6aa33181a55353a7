"""A tiny authorization server that takes client_credentials and RFC 8693 token exchange,
as the bundled authority's contract says (#49): enough to hold the client's side to it
without the authority. It keeps every form it received, to check what was sent."""

from __future__ import annotations

import time
import uuid

import jwt

from oauth_primitives.downstream_hop import link_header
from oauth_primitives.token_exchange import (
    GRANT_TYPE,
    client_subject,
    nest_act,
    read_chain,
    scope_list,
)

KEY = "fake-exchange-signing-key-of-at-least-32-bytes!"
SECRETS = {
    "giftdeliveries": "giftdeliveries-local-secret",
    "world-mappers-api": "world-mappers-api-local-secret",
    "robot": "robot-secret",
}
ROUTES = "urn:worldmappers:routes"


class FakeExchangeServer:
    def __init__(self) -> None:
        from starlette.applications import Starlette
        from starlette.routing import Route

        from tests.conftest import serve_app

        self.forms: list[dict[str, str]] = []
        self.hops: dict[str, dict] = {}
        app = Starlette(
            routes=[
                Route("/oauth/token", self.token, methods=["POST"]),
                Route("/api/routes", self.routes),
                Route("/api/directions", self.directions),
                Route("/api/directions/hops/{hop_id}", self.hop_record),
            ]
        )
        self.issuer, self.thread = serve_app(app)

    def sign(self, claims: dict) -> str:
        return jwt.encode(claims, KEY, algorithm="HS256", headers={"kid": "fake"})

    def issue(self, sub: str, aud: str, scope: str, client_id: str, **extra) -> dict:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": sub,
            "aud": aud,
            "iat": now,
            "exp": now + 600,
            "scope": scope,
            "azp": client_id,
            "jti": str(uuid.uuid4()),
            **extra,
        }
        return {
            "access_token": self.sign(claims),
            "token_type": "Bearer",
            "expires_in": 600,
            "scope": scope,
        }

    async def token(self, request):
        from urllib.parse import parse_qsl

        from starlette.responses import JSONResponse

        form = dict(parse_qsl((await request.body()).decode()))
        self.forms.append(form)
        client_id = form.get("client_id", "")
        if SECRETS.get(client_id) != form.get("client_secret"):
            return _refused(401, "invalid_client", "wrong secret", "client_secret_wrong")
        if form.get("grant_type") == "client_credentials":
            return JSONResponse(
                self.issue(
                    client_subject(client_id),
                    form.get("audience", "urn:worldmappers"),
                    "directions",
                    client_id,
                )
            )
        if form.get("grant_type") != GRANT_TYPE:
            return _refused(400, "unsupported_grant_type", "no such grant", None)
        if not form.get("subject_token") or not form.get("subject_token_type"):
            return _refused(
                400, "invalid_request", "subject_token is missing", "exchange_parameter_missing"
            )
        try:
            subject = jwt.decode(form["subject_token"], options={"verify_signature": False})
        except jwt.PyJWTError:
            return _refused(
                400, "invalid_request", "subject_token is not a JWT", "subject_token_invalid"
            )
        target = form.get("audience") or form.get("resource")
        if target != ROUTES:
            return _refused(
                400,
                "invalid_target",
                f"the token exchange profile does not list {target}",
                "exchange_audience_not_allowed",
            )
        if "directions" not in scope_list(subject):
            return _refused(
                400,
                "invalid_scope",
                "routes:read widens the subject token's scope",
                "exchange_scope_widened",
            )
        actor = client_subject(client_id)
        if form.get("actor_token"):
            actor = jwt.decode(form["actor_token"], options={"verify_signature": False})["sub"]
        issued = self.issue(
            subject["sub"],
            target,
            "routes:read",
            client_id,
            act=nest_act(actor, subject),
        )
        issued["issued_token_type"] = form.get(
            "requested_token_type", "urn:ietf:params:oauth:token-type:access_token"
        )
        assert read_chain(jwt.decode(issued["access_token"], options={"verify_signature": False}))
        return JSONResponse(issued)

    async def routes(self, request):
        """The Routes API's shape: only a delegated token for it, the chain in the answer."""
        from starlette.responses import JSONResponse

        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        claims = jwt.decode(token, options={"verify_signature": False})
        chain = read_chain(claims)
        if claims.get("aud") != ROUTES or not chain.actors:
            challenge = 'Bearer error="invalid_token", error_description="no act"'
            return JSONResponse(
                {"error": "invalid_token"}, 401, headers={"WWW-Authenticate": challenge}
            )
        return JSONResponse(
            {
                "from": request.query_params.get("from"),
                "to": request.query_params.get("to"),
                "steps": ["Head north", "Arrive"],
                "on_behalf_of": claims["sub"],
                "actors": list(chain.actors),
            }
        )

    async def directions(self, request):
        """World Mappers' directions as the contract says it reports its downstream hop;
        `?refused=1`: the exchange refused."""
        from starlette.responses import JSONResponse

        hop = {"api": ROUTES, "url": self.issuer + "api/routes?from=A&to=B"}
        if request.query_params.get("refused"):
            hop["exchange"] = {
                "status": 400,
                "error": "invalid_scope",
                "error_description": "routes:read widens the subject token's scope",
                "rule": "exchange_scope_widened",
            }
            return JSONResponse(
                {
                    "error": "exchange_refused",
                    "error_description": "no token for the Routes API",
                    "downstream": hop,
                },
                502,
            )
        hop.update(
            status=200,
            elapsed_ms=12.3,
            exchange={
                "status": 200,
                "issued_token_type": "urn:ietf:params:oauth:token-type:access_token",
                "scope": "routes:read",
                "act": {"sub": "world-mappers-api@clients"},
                "sub": "giftdeliveries@clients",
                "aud": ROUTES,
                "exp": int(time.time()) + 600,
            },
            body={"from": "A", "to": "B", "steps": ["Head north", "Arrive"]},
        )
        # A success stays the original array and links its hop (RFC 8288); `?gone=1`
        # links one the API no longer keeps.
        hop_id = "gone" if request.query_params.get("gone") else str(len(self.hops))
        if hop_id != "gone":
            self.hops[hop_id] = hop
        link = link_header(f"/api/directions/hops/{hop_id}")
        return JSONResponse(["Head north", "Arrive"], headers={"Link": link})

    async def hop_record(self, request):
        from starlette.responses import JSONResponse

        hop = self.hops.get(request.path_params["hop_id"])
        if hop is None:
            return JSONResponse({"error": "not_found", "message": "no such hop"}, 404)
        return JSONResponse(hop)

    def stop(self) -> None:
        self.thread.stop()


def _refused(status: int, error: str, description: str, rule: str | None):
    from starlette.responses import JSONResponse

    body = {"error": error, "error_description": description}
    if rule:
        body["rule"] = rule
    return JSONResponse(body, status_code=status)


def exchange_config(issuer: str, extra: str = "") -> str:
    """A config: Gift Deliveries (`gift`, the default) and World Mappers' own client
    (`world-mappers`) on `issuer`."""
    return f"""default_profile = "gift"

[profiles.gift]
issuer = "{issuer}"
client_id = "giftdeliveries"
client_secret = "giftdeliveries-local-secret"
audience = "urn:worldmappers"
api_base_url = "{issuer}"

[profiles.world-mappers]
issuer = "{issuer}"
client_id = "world-mappers-api"
client_secret = "world-mappers-api-local-secret"
audience = "{ROUTES}"
api_base_url = "{issuer}"

[profiles.robot]
issuer = "{issuer}"
client_id = "robot"
client_secret = "robot-secret"
audience = "urn:robots"
{extra}"""
