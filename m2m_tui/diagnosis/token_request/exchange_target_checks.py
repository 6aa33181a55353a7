"""The lines of a token exchange's target (RFC 8693): how the scopes narrow across it
(the subject token's, the profile's scope_map, the acting client's grant) and the
target API's binding (RFC 9449 §5, RFC 8705 §3); each fails exactly where its row of
the authority's `EXCHANGE` table refuses. `exchange_checks` runs them in its order."""

from __future__ import annotations

from m2m_tui.diagnosis.token_request.checks import RequestCheck
from m2m_tui.diagnosis.token_request.exchange_facts import ExchangeTenant, Foreseen
from m2m_tui.oauth.sent_request import SentRequest
from oauth_primitives.rules.exchange import (
    certificate_required,
    dpop_required,
    no_grant,
    scope_not_granted,
    scope_widened,
)
from oauth_primitives.token_exchange import scope_list
from oauth_primitives.token_refusals import Refusal

ONLY_THE_SERVER = "only the server knows"


def scope_check(sent: SentRequest, tenant: ExchangeTenant | None, seen: Foreseen) -> RequestCheck:
    facts, target = seen.facts, seen.target
    asked = sent.asked.get("scope")
    carried = scope_list(facts.subject_claims)
    if tenant is None or not seen.judges(scope_widened):
        if facts.requested is None:
            return RequestCheck("exchange scope", None, "no scope asked: the server narrows")
        lacking = [s for s in facts.requested if s not in carried]
        if not lacking:
            return RequestCheck("exchange scope", True, f"the subject token carries {asked}")
        return RequestCheck(
            "exchange scope",
            None,
            f"the subject token lacks {' '.join(lacking)}: refused as widening unless a "
            f"profile's scope_map maps a scope it carries to it ({ONLY_THE_SERVER})",
        )
    if seen.verdict(no_grant) is not None:
        return RequestCheck(
            "exchange scope",
            False,
            f"{sent.client_id} has no grant on {target}: it cannot hold a token for it",
            f"authorize {sent.client_id} for {target}",
            Refusal.NO_CLIENT_GRANT,
        )
    narrowed = facts.narrowed
    mapped = "; scope_map " + ", ".join(
        f"{k} ← {' '.join(v)}" for k, v in facts.scope_map.items() if isinstance(v, list)
    )
    seen_text = f"the subject token carries {' '.join(carried) or 'no scope'}"
    seen_text += mapped if facts.scope_map else ""
    if (refused := seen.verdict(scope_not_granted)) is not None:
        return RequestCheck(
            "exchange scope",
            False,
            f"{sent.client_id}'s grant on {target} lacks {' '.join(narrowed.ungranted)}",
            f"grant {' '.join(narrowed.ungranted)} to {sent.client_id} on {target}",
            refused.code,
        )
    if (refused := seen.verdict(scope_widened)) is not None:
        return RequestCheck(
            "exchange scope",
            False,
            f"{seen_text}: {' '.join(narrowed.widened)} would widen it (an exchange only narrows)",
            f"ask for fewer scopes ({' '.join(narrowed.issued) or 'none this token permits'}), "
            f"or exchange a subject token that carries what "
            f"{' '.join(narrowed.widened)} needs",
            refused.code,
        )
    if not narrowed.issued:  # not refused, yet a token that permits nothing
        mapped_from = sorted(
            {s for v in facts.scope_map.values() if isinstance(v, list) for s in v}
        )
        carry = f" ({' or '.join(mapped_from)})" if mapped_from else ""
        return RequestCheck(
            "exchange scope",
            None,
            f"{seen_text}: the new token would carry no scope, and {target} would refuse "
            "every call that needs one",
            f"exchange a subject token that carries what the scope_map maps{carry}, or map "
            "one of its scopes in the profile's scope_map",
        )
    issued = " ".join(narrowed.issued)
    return RequestCheck("exchange scope", True, f"{seen_text}: the new token would carry {issued}")


def binding_checks(seen: Foreseen) -> list[RequestCheck]:
    """The target API's binding (RFC 9449 §5, RFC 8705 §3), as for client_credentials:
    a line only where it refuses."""
    lines = []
    if (refused := seen.verdict(dpop_required)) is not None:
        lines.append(
            RequestCheck(
                "exchange binding",
                False,
                f"{seen.target} takes DPoP-bound tokens only, and no DPoP proof was sent",
                "send a DPoP proof with the exchange (a profile with dpop = true)",
                refused.code,
            )
        )
    if (refused := seen.verdict(certificate_required)) is not None:
        lines.append(
            RequestCheck(
                "exchange binding",
                False,
                f"{seen.target} takes certificate-bound tokens only, and no client "
                "certificate was presented",
                "exchange over mutual TLS with the profile's client certificate",
                refused.code,
            )
        )
    return lines
