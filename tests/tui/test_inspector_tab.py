"""The Inspector tab: pasted tokens, signatures, claims, the full JSON."""

from __future__ import annotations

import jwt

from m2m_tui.tui.app import M2MApp
from m2m_tui.tui.screens import TextScreen
from tests.helpers.tui import paste, text_of


async def test_paste_a_token_garbage_or_opaque(session):
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await paste(pilot, "this-is-not-a-token")
        shown = text_of(app.query_one("#inspection"))
        assert "Not a JWT" in shown and "opaque" in shown and "audience" in shown
        await paste(pilot, "eyJhbGciOiJIUzI1NiJ9.!!!.abc")
        assert "payload is not" in text_of(app.query_one("#inspection"))


async def test_pasted_token_from_another_key_fails_the_signature(session, shared_stack):
    stack = shared_stack
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(
        {"iss": stack.issuer, "sub": "x@clients", "exp": 1},
        key,
        algorithm="RS256",
        headers={"kid": stack.authority.current_key.kid},
    )
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await paste(pilot, "Bearer " + forged)
        shown = text_of(app.query_one("#inspection"))
        assert "✗ signature: bad signature" in shown
        assert "expired" in shown


async def test_a_huge_claim_is_shortened_in_the_inspector_and_whole_on_j(session):
    token = jwt.encode(
        {
            "iss": "http://127.0.0.1:9/",
            "sub": "c@clients",
            "exp": 4102444800,
            "blob": "x" * 8192,
            "scope": " ".join(f"s:{i:03d}" for i in range(500)),
        },
        "k" * 32,
        algorithm="HS256",
    )
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await paste(pilot, token)
        shown = text_of(app.query_one("#inspection"))
        assert "✓ s:000" in shown and "✓ s:499" in shown  # every scope, against the API
        raw = text_of(app.query_one("#inspection-json"))
        assert "(8,192 characters)" in raw and "x" * 1001 not in raw
        assert "2 long string(s) shortened; J shows it all" in raw
        await pilot.press("escape", "J")
        await pilot.pause()
        assert isinstance(app.screen, TextScreen)
        assert "x" * 8192 in str(app.screen.query_one("#copied").content)


async def test_the_inspector_names_the_dialect_and_explains_permissions(session):
    claims = {
        "iss": "http://127.0.0.1:9/",
        "sub": "c@clients",
        "client_id": "c",
        "exp": 4102444800,
        "scope": "directions",
        "permissions": ["directions"],
        "https://worldmappers.example/tier": "gold",
    }
    token = jwt.encode(claims, "k" * 32, algorithm="HS256", headers={"typ": "at+jwt"})
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(160, 50)) as pilot:
        await paste(pilot, token)
        shown = text_of(app.query_one("#inspection"))
        assert "dialect rfc9068_profile_authz  RFC 9068 with RBAC's permissions claim" in shown
        assert "Auth0 RBAC" in shown  # what permissions means
        assert "credentials-exchange" in shown  # who sets the namespaced claim
        plain = {k: v for k, v in claims.items() if k not in ("permissions", "client_id")}
        await paste(pilot, jwt.encode({**plain, "azp": "c"}, "k" * 32, algorithm="HS256"))
        assert "dialect access_token  Auth0's own profile" in text_of(app.query_one("#inspection"))


async def test_the_claims_table_gives_dates_the_header_counts_down(session, shared_stack):
    """A relative time in the table would freeze as drawn ("expires in 59 m 59 s")
    while the header beside it counts down: the table gives the dates alone."""
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await paste(pilot, shared_stack.token())
        table = " ".join(text_of(app.query_one("#inspection")).split())
        assert "expiry time" in table or "exp" in table
        assert "expires in" not in table and " ago" not in table, table
        assert "◷ expires in" in text_of(app.query_one("#expiry"))
