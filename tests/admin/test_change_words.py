"""A Management API change in words, as the history shows it."""

from __future__ import annotations

from m2m_tui.admin.change_words import describe


def test_each_change_reads_as_what_it_did():
    assert (
        describe(
            "POST",
            "/client-grants",
            {"client_id": "giftdeliveries", "audience": "urn:worldmappers", "scope": []},
        )
        == "grant for giftdeliveries on urn:worldmappers: (none)"
    )
    assert describe("PATCH", "/client-grants/cgr_1", {"scope": ["a", "b"]}) == (
        "grant cgr_1: scope → a b"
    )
    assert describe("PATCH", "/client-grants/cgr_1", {"organization_usage": "allow"}) == (
        "grant cgr_1: organization_usage → allow"
    )
    assert describe(
        "PATCH", "/resource-servers/rs_1", {"scopes": [{"value": "x", "description": "X"}]}
    ) == ("API rs_1: scopes → x")
    assert describe("PATCH", "/resource-servers/rs_1", {"proof_of_possession": None}) == (
        "API rs_1: proof_of_possession → off"
    )
    assert describe("POST", "/organizations/org_1/client-grants", {"grant_id": "cgr_2"}) == (
        "grant cgr_2 associated with organization org_1"
    )
    assert describe("PUT", "/keys/signing/k1/revoke", None) == "signing key k1 revoked"
    assert describe("DELETE", "/client-grants/cgr_9", None) == "grant cgr_9 deleted"


def test_a_change_of_another_shape_is_its_method_and_path():
    assert describe("POST", "/clients", {"app_type": "non_interactive"}) == "POST /clients"
    assert describe("POST", "/hooks", {"x": 1}) == "POST /hooks"


def test_a_token_exchange_profile_change_reads_as_its_policy():
    assert describe("POST", "/token-exchange-profiles", {"name": "Partner"}) == (
        "token exchange profile Partner created"
    )
    assert describe(
        "PATCH", "/token-exchange-profiles/tep_1", {"scope_map": {"routes:read": ["directions"]}}
    ) == ("token exchange profile tep_1: scope_map → routes:read ← directions")
    assert describe("PATCH", "/token-exchange-profiles/tep_1", {"scope_map": {}}) == (
        "token exchange profile tep_1: scope_map → (none)"
    )
    assert describe("PATCH", "/token-exchange-profiles/tep_1", {"client_ids": ["a", "b"]}) == (
        "token exchange profile tep_1: client_ids → a b"
    )
    assert describe("DELETE", "/token-exchange-profiles/tep_1", None) == (
        "token exchange profile tep_1 deleted"
    )
