"""The session's side of explaining a refused token request: the server's metadata (read
once within its max-age), the profile's certificate, and, where a Management API profile
is at hand for the issuer, the rule book's own foretelling of the refusal (Preview's
rules: the registered method and keys, the API, the grant, the organization, the bound
Actions). `diagnosis.token_request.report` sets them beside the server's answer."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from m2m_tui.diagnosis.token_request.checks import CertificateSeen
from m2m_tui.diagnosis.token_request.report import RequestDiagnosis, diagnose_request
from m2m_tui.oauth.token_request import TokenOutcome
from oauth_primitives.rules.closed_sets import AuthMethod
from oauth_primitives.token_refusals import Refusal

if TYPE_CHECKING:
    from m2m_tui.session.session import Session

# No answer at all: nothing the server refused, nothing to foretell.
NO_ANSWER = ("network", "timeout", "tls", "configuration", "redirect", "not_json")


async def diagnose_refusal(
    session: Session, outcome: TokenOutcome, issued_too: bool = False
) -> RequestDiagnosis | None:
    """The diagnosis of `outcome`'s refused request; None when there is none to make
    (no request went out, a missing secret say, or no answer came; a token was issued,
    unless `issued_too`: then the checks of what was sent)."""
    if outcome.sent is None or outcome.exchange is None or outcome.exchange.status is None:
        return None
    if outcome.error in ("not_json", "redirect"):  # no token endpoint's answer to explain
        return None
    if outcome.ok and not issued_too:
        return None
    profile = session.profile
    async with session.client(certificate=False) as client:
        metadata = await session.documents.server_metadata(profile.issuer, client)
        foretold, values, note, exchange = None, {}, None, None
        if not outcome.ok and outcome.error not in NO_ANSWER:
            foretold, values, note = await _foretold(session, outcome, client)
            if outcome.sent.exchange and note == "" and foretold is None:
                exchange, note = await _exchange_tenant(session, outcome.sent, client)
    found = diagnose_request(
        outcome,
        metadata,
        foretold,
        _certificate(session),
        values,
        # An exchange's tenant side is its own checks (the profiles, the acting grant).
        tenant_read=note == "" and exchange is None,
        exchange=exchange,
        bundled=bool(profile.bundled),
    )
    if not metadata:
        found.notes.append(
            f"{profile.issuer} publishes no metadata (RFC 8414 / OpenID discovery): the "
            "method and the assertion's algorithm could not be checked against it."
        )
    if note:
        found.notes.append(note)
    return found


async def _foretold(session: Session, outcome: TokenOutcome, client):
    """The rule book's refusal through the Management API: (code, its values, a note)."""
    import httpx

    from m2m_tui.admin.management_api import ManagementError, ManagementUnavailable
    from m2m_tui.preview.next_token import authentication_refusal, preview

    profile, sent = session.profile, outcome.sent
    if session.admin.management_profile() is None or profile.provider != "auth0":
        return None, {}, None  # no tenant to read: nothing said of it
    try:
        mgmt = await session.admin.management(client)
        used = sent.method
        auth = None
        if used is not None and used in tuple(AuthMethod):
            auth = await authentication_refusal(
                mgmt, profile.issuer, sent.client_id, used, sent.assertion, time.time()
            )
        if auth is not None or _client_authentication(outcome):
            # The server refused the client itself: only the authentication rules apply
            # (a secret's worth is the server's alone to judge).
            return (auth.code, auth.values, "") if auth else (None, {}, "")
        if sent.exchange:  # Preview's issuance rules are client_credentials': not these
            return None, {}, ""
        # The request as sent (its client, API, scope and organization), which may not
        # be the profile's: `diagnose` takes any request.
        asked = sent.asked
        found = await preview(
            mgmt,
            profile.issuer,
            sent.client_id,
            asked.get("audience") or asked.get("resource") or "",
            requested_scope=asked.get("scope"),
            organization=asked.get("organization"),
        )
    except ManagementUnavailable as exc:
        return None, {}, f"The Management API could not be asked ({exc}): no foretelling."
    except (ManagementError, httpx.HTTPError, ValueError) as exc:
        return None, {}, f"The Management API failed ({exc}): no foretelling."
    if found.refusal is None:
        return None, {}, ""
    values = dict(found.refusal.values)
    if found.refusal.code is Refusal.SCOPE_NOT_GRANTED:
        values["scopes"] = list(values.get("scopes") or [])
    return found.refusal.code, values, ""


async def _exchange_tenant(session: Session, sent, client):
    """What the Management API shows of an exchange: the token exchange profiles, the
    acting client's grant on the target, and whether an API has the target; and a note
    where it could not be read."""
    import httpx

    from m2m_tui.admin.management_api import ManagementError, ManagementUnavailable
    from m2m_tui.diagnosis.token_request.exchange_facts import ExchangeTenant, target_for
    from m2m_tui.preview.next_token import api_settings

    try:
        mgmt = await session.admin.management(client)
        profiles = await mgmt.token_exchange_profiles()
        target = target_for(sent, profiles)
        grant = await mgmt.grant(sent.client_id, target) if target else None
        apis = await mgmt.resource_servers()
    except ManagementUnavailable as exc:
        return None, f"The Management API could not be asked ({exc}): no foretelling."
    except (ManagementError, httpx.HTTPError, ValueError) as exc:
        return None, f"The Management API failed ({exc}): no foretelling."
    granted = None if grant is None else tuple(grant.get("scope") or [])
    api = next((a for a in apis or [] if a.get("identifier") == target), None)
    settings = None if api is None else api_settings(api, target)
    return ExchangeTenant(tuple(profiles), granted, api is not None, settings), ""


def _client_authentication(outcome: TokenOutcome) -> bool:
    from m2m_tui.diagnosis.token_request.answer import TokenAnswer

    return TokenAnswer.of(outcome).client_authentication


def _certificate(session: Session) -> CertificateSeen | None:
    from m2m_tui.oauth.client_cert import CertificateProblem, ClientCertificate

    try:
        cert = ClientCertificate.of(session.profile)
    except CertificateProblem:
        return None
    if cert is None:
        return None
    return CertificateSeen(cert.thumbprint, cert.subject_dn, cert.self_signed)
