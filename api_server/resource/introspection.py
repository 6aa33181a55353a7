"""`validation = "introspection"`: the API asks the authorization server about every
token it is sent (RFC 7662) instead of checking the JWT itself. A revoked token is
refused at once; the price is a round trip to the authority per call (no cache). A JWT
the issuer declines to introspect (`unsupported_token_type`) is checked as in jwt mode."""

from __future__ import annotations

import httpx

from oauth_primitives.discovery import metadata_urls
from oauth_primitives.rules.access_token import aud_finding, scopes_of
from oauth_primitives.rules.findings import Code, Finding

from ..settings import ApiSettings
from .validator import InvalidToken, Principal, Refused, TokenValidator, policy_of


class IntrospectingValidator:
    def __init__(
        self, settings: ApiSettings, issuer: str, jwt: TokenValidator | None = None
    ) -> None:
        if not (settings.introspection_client_id and settings.introspection_client_secret):
            raise ValueError(
                "validation = introspection needs the API's own client at the authority: "
                "introspection_client_id and introspection_client_secret in [server.api]"
            )
        self.issuer = issuer
        self.audience = settings.audience
        self.policy = policy_of(settings, issuer)
        self.auth = (settings.introspection_client_id, settings.introspection_client_secret)
        self.client: httpx.AsyncClient | None = None  # set in the app's lifespan
        # For JWTs the issuer will not introspect: checked here, as in jwt mode.
        self.jwt = jwt
        self._endpoint: str | None = None

    async def endpoint(self) -> str:
        """The authority's introspection_endpoint, by discovery (RFC 8414), once."""
        if self._endpoint is None:
            url = metadata_urls(self.issuer)[1]  # RFC 8414: where introspection is named
            try:
                document = (await self.client.get(url)).json()
            except (httpx.HTTPError, ValueError):
                raise InvalidToken(
                    None,
                    f"the authorization server's metadata cannot be read at {url}",
                    transient=True,
                ) from None
            found = document.get("introspection_endpoint") if isinstance(document, dict) else None
            if not isinstance(found, str):
                raise InvalidToken(
                    None,
                    "the authorization server offers no introspection endpoint",
                    transient=True,
                )
            self._endpoint = found
        return self._endpoint

    def remembered(self, token: str) -> None:
        """Nothing is remembered: every call asks the authority (a revoked token is
        refused at once)."""
        return None

    async def validate(self, token: str) -> Principal | Refused:
        endpoint = await self.endpoint()
        try:
            response = await self.client.post(
                endpoint, data={"token": token, "token_type_hint": "access_token"}, auth=self.auth
            )
            answer = response.json() if response.status_code == 200 else None
            if response.status_code == 400 and self.jwt is not None and token.count(".") == 2:
                if _error(response) == "unsupported_token_type":
                    # Some issuers (oidc-provider) introspect only their opaque tokens,
                    # and revoke only those: a JWT they refuse is checked here instead.
                    return await self.jwt.validate(token)
        except (httpx.HTTPError, ValueError):
            answer = None
        if not isinstance(answer, dict) or not isinstance(answer.get("active"), bool):
            raise InvalidToken(
                None,
                "the authorization server could not say whether the token is active "
                "(its introspection endpoint failed)",
                transient=True,
            )
        if not answer["active"]:
            return Refused(Finding(Code.INACTIVE))
        # The rule book's audience rule, as for a JWT (RFC 7662 §2.2's aud is the JWT's).
        wrong = aud_finding(answer, self.policy)
        if wrong is not None:
            return Refused(wrong)
        subject = answer.get("sub")
        return Principal(str(subject or answer.get("client_id") or ""), scopes_of(answer), answer)


def _error(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("error") if isinstance(body, dict) else None
