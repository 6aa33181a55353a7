"""A refused token request explained: what was sent, what the server answered, each
check against the server's metadata, and the cause, set beside the server's own code.

The cause comes from three places, kept apart so that the report can say how they stand:
- `told`: the server's. The bundled authority's `rule` code, or a provider's documented
  words (`provider_words`); None where the answer does not tell (oidc-provider's
  "client authentication failed", a bare 401).
- `predicted`: the rule book's, run on what the client can see: the checks of the
  request against the server's metadata, and where a Management API is at hand, the
  registered method, keys and grants (Preview's `authentication_refusal` and issuance
  rules, run by the session and passed in).
- `cause`: the told one; else the predicted one when it fits the server's error (a
  client-authentication cause for `invalid_client`); else none, and the report says the
  answer does not tell."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum

from m2m_tui.diagnosis.token_request.answer import TokenAnswer
from m2m_tui.diagnosis.token_request.checks import CertificateSeen, RequestCheck, request_checks
from m2m_tui.diagnosis.token_request.exchange_checks import (
    ExchangeTenant,
    exchange_foresight,
    profile_to_change,
)
from m2m_tui.diagnosis.token_request.provider_words import told_by_words
from m2m_tui.oauth.sent_request import SentRequest
from m2m_tui.oauth.token_hints import hint_for
from m2m_tui.oauth.token_quota import used_up
from m2m_tui.oauth.token_request import TokenOutcome
from oauth_primitives.rules.closed_sets import AuthMethod
from oauth_primitives.token_quota import QuotaEntity
from oauth_primitives.token_refusals import (
    ACTION_REFUSALS,
    ASSERTION_REFUSALS,
    Refusal,
)

# The refusals of a client's authentication (401 invalid_client, or Auth0's 401
# access_denied "Unauthorized"): a cause of another kind cannot explain such an answer.
CLIENT_AUTHENTICATION = ASSERTION_REFUSALS | {
    Refusal.BAD_CLIENT_CREDENTIALS,
    Refusal.METHOD_NOT_REGISTERED,
    Refusal.METHOD_NOT_SUPPORTED,
    Refusal.BASIC_ENCODING,
    Refusal.NO_CERTIFICATE,
    Refusal.CERTIFICATE_NOT_REGISTERED,
    Refusal.CERTIFICATE_NOT_CA_ISSUED,
    Refusal.CERTIFICATE_SUBJECT,
}
# The key that signed the assertion is not one the server holds for the client.
UNREGISTERED_KEY = frozenset(
    {Refusal.NO_REGISTERED_KEY, Refusal.ASSERTION_KID_UNKNOWN, Refusal.ASSERTION_SIGNATURE}
)
# A token quota used up, as the quota header that says so names its owner.
QUOTA_OF = {
    QuotaEntity.CLIENT: Refusal.CLIENT_QUOTA_EXCEEDED,
    QuotaEntity.ORGANIZATION: Refusal.ORGANIZATION_QUOTA_EXCEEDED,
}
# What only the server can know: a secret's or a signature's worth, a jti it saw. A
# diagnosis without the server's word on these names them as possible, never as found.
ONLY_THE_SERVER_KNOWS = frozenset(
    {Refusal.BAD_CLIENT_CREDENTIALS, Refusal.ASSERTION_SIGNATURE, Refusal.ASSERTION_REPLAYED}
)


class Standing(StrEnum):
    """How the server's word and the rule book's stand to each other."""

    AGREE = "agree"  # both name the same cause
    DISAGREE = "disagree"  # both name one, and not the same
    TOLD = "told"  # the server named it; the checks found nothing wrong
    PREDICTED = "predicted"  # the server's answer does not tell; the checks name it
    UNTOLD = "untold"  # neither: the answer does not say, and nothing here finds it


class FixKind(StrEnum):
    """A fix the app applies with one key, through the Management API."""

    GRANT = "grant"  # create the client's grant for the API, with the scopes asked
    SCOPES = "scopes"  # add the scopes asked to the grant
    UNBIND = "unbind"  # take the failing Action out of the flow
    REGISTER = "register"  # register the profile's key or certificate for the client
    # A token exchange profile edited (Management API PATCH /token-exchange-profiles/{id}):
    PROFILE_AUDIENCE = "profile_audience"  # the target added to its audiences
    PROFILE_CLIENT = "profile_client"  # the acting client added to its client_ids


@dataclass(frozen=True)
class Fix:
    kind: FixKind
    target: str  # the API (grant, scopes), the Action (unbind), the profile's id (profile_*)
    scopes: tuple[str, ...] = ()
    value: str = ""  # profile_*: the audience or the client id added
    name: str = ""  # profile_*: the profile's name
    client: str = ""  # grant, scopes: an exchange's acting client ("": the profile's)
    # The other failing checks' fixes: this one alone would not let the request through.
    remaining: tuple[str, ...] = ()

    def offer(self) -> str:
        said = self._offer()
        if self.remaining:
            said += f" (a first step only: then still {'; '.join(self.remaining)})"
        return said

    def _offer(self) -> str:
        if self.kind is FixKind.PROFILE_AUDIENCE:
            return f"add {self.value} to token exchange profile {self.name}'s audiences"
        if self.kind is FixKind.PROFILE_CLIENT:
            return f"add {self.value} to token exchange profile {self.name}'s client_ids"
        if self.kind is FixKind.REGISTER:
            return f"register this profile's {self.target} for the client"
        if self.kind is FixKind.UNBIND:
            return f"unbind Action {self.target} (the way back; fix it, then deploy and bind it)"
        if self.kind is FixKind.GRANT:
            scopes = f" with {' '.join(self.scopes)}" if self.scopes else ""
            return f"authorize the client for {self.target}{scopes}"
        return f"grant {' '.join(self.scopes)} on {self.target}"


@dataclass
class RequestDiagnosis:
    sent: SentRequest
    answer: TokenAnswer
    checks: list[RequestCheck]
    told: Refusal | None = None
    # "rule" (the bundled authority's code), "words" (documented) or "headers" (a quota's)
    told_by: str = ""
    predicted: Refusal | None = None
    predicted_by: str = ""  # "management_api" or "checks"
    cause: Refusal | None = None
    likely: Refusal | None = None  # untold, and a warning check would explain it
    standing: Standing = Standing.UNTOLD
    fix_text: str = ""
    fix: Fix | None = None
    certificate: CertificateSeen | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[str]:
        return [c.name for c in self.checks if c.ok is False]

    def to_json(self) -> dict:
        return {
            "sent": self.sent.to_json(),
            "answer": self.answer.to_json(),
            "checks": [
                {**asdict(c), "refusal": c.refusal.value if c.refusal else None}
                for c in self.checks
            ],
            "told": self.told.value if self.told else None,
            "told_by": self.told_by or None,
            "predicted": self.predicted.value if self.predicted else None,
            "predicted_by": self.predicted_by or None,
            "cause": self.cause.value if self.cause else None,
            "likely": self.likely.value if self.likely else None,
            "standing": self.standing.value,
            "fix": self.fix_text,
            "fix_action": None
            if self.fix is None
            else {
                "kind": self.fix.kind.value,
                "target": self.fix.target,
                "scopes": self.fix.scopes,
                **({"value": self.fix.value} if self.fix.value else {}),
            },
            "certificate": asdict(self.certificate) if self.certificate else None,
            "notes": self.notes,
        }


def diagnose_request(
    outcome: TokenOutcome,
    metadata: dict,
    foretold: Refusal | None = None,
    certificate: CertificateSeen | None = None,
    foretold_values: dict | None = None,
    tenant_read: bool = False,
    exchange: ExchangeTenant | None = None,
    bundled: bool = False,
) -> RequestDiagnosis:
    """The refused request of `outcome`, against the server's `metadata` ({} where it
    publishes none); `foretold`: the rule book's refusal, read through the Management API
    (None where none is at hand, or it foresaw none); `exchange`: for a token exchange,
    the tenant's token exchange profiles and the acting client's grant, where read;
    `bundled`: the profile names the bundled authority, whose table is the server's."""
    sent = outcome.sent
    assert sent is not None, "a token outcome from request_token carries what it sent"
    answer = TokenAnswer.of(outcome)
    checks = request_checks(sent, metadata, answer.server_time, certificate)
    # The client's authentication comes first at the authority, as its checks do here.
    local = next((c.refusal for c in checks if c.ok is False and c.refusal), None)
    if sent.exchange:  # RFC 8693: the authority's own table on what the client knows
        # A `rule` in the answer is the bundled authority's word: its table is the server's.
        ours = bundled or answer.rule is not None
        lines, table = exchange_foresight(sent, metadata, answer.server_time, exchange, ours)
        checks.extend(lines)
        local = local or (table.code if table is not None else None)
    if tenant_read:  # the Management API was read: the tenant's side, as one check
        checks.append(_tenant_check(foretold, foretold_values or {}))
    found = RequestDiagnosis(sent, answer, checks, certificate=certificate)
    if answer.rule is not None:
        found.told, found.told_by = answer.rule, "rule"
    else:
        words = told_by_words(answer.error, answer.description, sent.exchange)
        if words is not None:
            found.told, found.told_by = words, "words"
        elif (spent := used_up(outcome.quota)) is not None:  # Auth0's token quota headers
            found.told, found.told_by = QUOTA_OF[spent.entity], "headers"
    if foretold is not None:
        found.predicted, found.predicted_by = foretold, "management_api"
    elif local is not None:
        # An exchange's checks read the tenant's profiles and grant, where given.
        by = "management_api" if exchange is not None else "checks"
        found.predicted, found.predicted_by = local, by
    found.standing = _standing(found.told, found.predicted)
    found.cause = found.told or (found.predicted if _fits(found.predicted, answer) else None)
    found.fix_text = _fix_text(found, outcome)
    found.fix = _fix(found, foretold_values or {}, exchange)
    # Each other check that fails needs its own step: named, in the words and in f's offer.
    others = [
        c.fix
        for c in checks
        if c.ok is False and c.fix and c.fix != found.fix_text and c.refusal is not found.cause
    ]
    others = list(dict.fromkeys(others))
    if others and found.cause is not None:
        found.fix_text = "; and also ".join(filter(None, [found.fix_text, *others]))
        if found.fix is not None:
            found.fix = replace(found.fix, remaining=tuple(others))
    if found.cause is None and answer.client_authentication:
        found.notes.append(_untold_client_authentication(sent))
        # A warning that would explain it (a Basic secret the server may not decode):
        # the likely cause, said as likely, never as found.
        warning = next((c for c in checks if c.ok is None and c.refusal), None)
        if warning is not None:
            found.likely = warning.refusal
            found.notes.append(f"Likely: {warning.detail}.")
            found.fix_text = warning.fix
    return found


def _tenant_check(foretold: Refusal | None, values: dict) -> RequestCheck:
    from oauth_primitives.rules.refused import Refused

    if foretold is None:
        return RequestCheck(
            "tenant",
            True,
            "the Management API shows nothing that refuses it: the registered method, the "
            "keys' ids, the API, the grant, the organization and the bound Actions allow it",
        )
    try:
        said = Refused(foretold, values).describe()
    except (KeyError, TypeError, ValueError):  # values the Management API did not give
        said = foretold.value
    return RequestCheck("tenant", False, f"the Management API shows: {said}", "", foretold)


def _standing(told: Refusal | None, predicted: Refusal | None) -> Standing:
    if told and predicted:
        return Standing.AGREE if told is predicted else Standing.DISAGREE
    if told:
        return Standing.TOLD
    return Standing.PREDICTED if predicted else Standing.UNTOLD


def _fits(cause: Refusal | None, answer: TokenAnswer) -> bool:
    """Whether `cause` can be what the server refused for: a client-authentication
    cause for a client-authentication refusal, another for any other."""
    if cause is None:
        return False
    if cause in CLIENT_AUTHENTICATION:
        # invalid_request too: a server may say an assertion's claims make the request
        # malformed (oidc-provider does, for a sub that is not the client_id sent).
        return answer.client_authentication or answer.error == "invalid_request"
    return not answer.client_authentication


def _fix_text(found: RequestDiagnosis, outcome: TokenOutcome) -> str:
    failing = next((c for c in found.checks if c.refusal is found.cause and c.fix), None)
    if failing is not None:
        return failing.fix
    sent = found.sent
    headers = {"DPoP": "sent"} if sent.proof else {}
    form = dict(sent.asked)
    if sent.method is not None and sent.method.sends_secret and not sent.basic:
        form["client_secret"] = ""
    hint = hint_for(
        found.answer.error or "",
        found.cause,
        found.answer.status,
        form,
        headers,
        sent.certificate,
        found.answer.action,
        sent.method,
    )
    return hint or outcome.hint or ""


def _fix(
    found: RequestDiagnosis, values: dict, exchange: ExchangeTenant | None = None
) -> Fix | None:
    cause, sent = found.cause, found.sent
    asked = sent.asked
    audience = asked.get("audience") or asked.get("resource") or ""
    scopes = tuple(asked.get("scope", "").split())
    # An exchange's grant is the acting client's, which need not be the profile's.
    client = sent.client_id if sent.exchange else ""
    if exchange is not None and sent.exchange and cause is not None:
        profile = profile_to_change(sent, exchange, cause)
        if profile is not None and isinstance(profile.get("id"), str):
            kind, value = (
                (FixKind.PROFILE_AUDIENCE, audience)
                if cause is Refusal.EXCHANGE_AUDIENCE_NOT_ALLOWED
                else (FixKind.PROFILE_CLIENT, sent.client_id)
            )
            return Fix(kind, profile["id"], value=value, name=str(profile.get("name") or ""))
    if cause is Refusal.NO_CLIENT_GRANT and audience:
        return Fix(FixKind.GRANT, audience, scopes, client=client)
    if cause is Refusal.SCOPE_NOT_GRANTED and audience:
        missing = tuple(values.get("scopes") or scopes)
        return Fix(FixKind.SCOPES, audience, missing, client=client) if missing else None
    if cause in ACTION_REFUSALS - {Refusal.ACTION_DENIED} and found.answer.action:
        return Fix(FixKind.UNBIND, found.answer.action)
    if cause in UNREGISTERED_KEY and sent.method is AuthMethod.PRIVATE_KEY_JWT:
        return Fix(FixKind.REGISTER, "key")
    if cause is Refusal.CERTIFICATE_NOT_REGISTERED:
        return Fix(FixKind.REGISTER, "certificate")
    return None


def _untold_client_authentication(sent: SentRequest) -> str:
    """What an invalid_client that names no cause can be, for the method used."""
    method = sent.method
    if method is not None and method.by_certificate:
        what = "the certificate is not the one registered, or not from a CA the server trusts"
    elif method is AuthMethod.CLIENT_SECRET_JWT:
        what = (
            "the assertion is not signed with the secret the server holds for the client "
            "(a wrong or rotated secret), its jti was seen before, or the client is "
            "registered for another method"
        )
    elif sent.assertion_header is not None:
        what = (
            "the assertion is signed by a key the server does not hold for the client, its "
            "jti was seen before, or the client is registered for another method"
        )
    else:
        what = (
            "the secret is wrong, the client id unknown, or the client is registered for "
            "another method"
        )
    return (
        "The server's answer does not say which check failed (it names no rule, and its "
        f"words are generic); with every check here passing, the likely causes: {what}."
    )
