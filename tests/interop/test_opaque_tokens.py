"""Opaque tokens (oidc-provider issues one when no resource indicator is sent),
explained through RFC 7662 introspection: the Inspector shows what the issuer says of
the token, the predictions use its scope, and `diagnose` runs every check it can,
saying which it could not, beside the API's way of checking tokens (jwt or
introspection, from its RFC 9728 metadata)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from textual.widgets import DataTable

from m2m_tui.config.file import load_config
from m2m_tui.session.session import Session
from m2m_tui.tui.app import M2MApp
from tests.conftest import WORLDMAPPERS, repo_settings, run_cli, start_stack
from tests.helpers.tui import settle, text_of
from tests.interop.conftest import SECRET


@pytest.fixture(scope="module")
def apis(provider, tmp_path_factory):
    """The bundled API for the provider's tokens twice: validating JWTs itself, and
    introspecting every token at the provider (as the Gift client, for the test)."""
    settings = repo_settings()
    introspecting = replace(
        settings,
        api=replace(
            settings.api,
            validation="introspection",
            introspection_client_id="gift-basic",
            introspection_client_secret=SECRET,
        ),
    )
    started = {
        mode: start_stack(
            tmp_path_factory.mktemp(mode) / "state",
            chosen,
            only="api",
            issuer=provider.issuer,
            audience=WORLDMAPPERS,
        )
        for mode, chosen in (("jwt", settings), ("introspection", introspecting))
    }
    yield {mode: s.api_url for mode, s in started.items()}
    for s in started.values():
        s.thread.stop()


# The diagnosis here asks a Node.js provider and two APIs in turn; under a second suite
# one answer can take longer than the 10 s default, which is not what these tests test.
PATIENT = ("--timeout", "30")  # each request; run_cli gives the whole command 60 s


def diagnose(tmp_path, url: str, token: str) -> dict:
    result = run_cli(
        tmp_path, "--profile", "opaque", "diagnose", url, "--token", token, "--json", *PATIENT
    )
    assert "Traceback" not in result.stderr
    assert result.stdout, f"exit {result.returncode}: {result.stderr}"
    return json.loads(result.stdout)


def check(report: dict, name: str) -> dict:
    return next(c for c in report["checks"] if c["name"] == name)


def test_diagnose_an_opaque_token_through_introspection(tmp_path, provider, apis):
    (tmp_path / "config.toml").write_text(provider.profiles(apis["jwt"]))
    token = run_cli(tmp_path, "--profile", "opaque", "token").stdout.strip()
    assert token and "." not in token
    directions = "/api/directions?destination=Paris"

    # An API that validates JWTs cannot read it: the format check says so, and why.
    at_jwt = diagnose(tmp_path, apis["jwt"] + directions, token)
    assert at_jwt["server"]["status"] == 401 and at_jwt["failed"][0] == "format"
    assert "validates JWTs itself" in check(at_jwt, "format")["detail"]
    assert check(at_jwt, "active")["ok"] is True  # the issuer still honours it
    for name in ("alg", "kid", "signature", "typ"):  # what introspection cannot stand for
        assert check(at_jwt, name)["ok"] is None
        assert "not checked" in check(at_jwt, name)["detail"]
    assert check(at_jwt, "scope")["ok"] is True  # directions, from introspection
    assert check(at_jwt, "exp")["ok"] is True

    # An API that introspects reads it, and refuses it because it names no audience:
    # the token was requested without a resource. diagnose names that, as the API does.
    at_introspecting = diagnose(tmp_path, apis["introspection"] + directions, token)
    assert at_introspecting["server"]["status"] == 401
    assert check(at_introspecting, "format")["ok"] is True
    assert "asks the authorization server" in check(at_introspecting, "format")["detail"]
    assert at_introspecting["failed"] == ["aud"], at_introspecting["checks"]
    assert "resource=urn:worldmappers" in check(at_introspecting, "aud")["fix"]
    assert at_introspecting["agreement"] == "agree"

    # Revoked: not active, refused at once by the introspecting API, and said.
    assert run_cli(tmp_path, "--profile", "opaque", "revoke", token).returncode == 0
    revoked = diagnose(tmp_path, apis["introspection"] + directions, token)
    assert revoked["server"]["status"] == 401 and revoked["failed"] == ["active"]
    assert "not active" in check(revoked, "active")["detail"]


def test_a_jwt_diagnosis_says_how_the_api_checks_tokens(tmp_path, provider, apis):
    (tmp_path / "config.toml").write_text(provider.profiles(apis["jwt"]))
    token = run_cli(tmp_path, "token").stdout.strip()  # a JWT (resource indicator)
    url = "/api/directions?destination=Paris"
    accepted = diagnose_jwt(tmp_path, apis["jwt"] + url, token)
    assert accepted["verdict"] == "accepted" and accepted["server"]["status"] == 200
    assert (
        "this API validates JWTs itself: a revoked token passes until its exp"
        in (check(accepted, "format")["detail"])
    )
    # oidc-provider will not introspect (or revoke) its own JWTs: it answers
    # unsupported_token_type, and an API that introspects checks such a JWT itself.
    also = diagnose_jwt(tmp_path, apis["introspection"] + url, token)
    assert also["verdict"] == "accepted" and also["server"]["status"] == 200, also
    assert "a revoked token is refused at once" in check(also, "format")["detail"]


def diagnose_jwt(tmp_path, url: str, token: str) -> dict:
    result = run_cli(tmp_path, "diagnose", url, "--token", token, "--json", *PATIENT)
    assert "Traceback" not in result.stderr
    assert result.stdout, f"exit {result.returncode}: {result.stderr}"
    return json.loads(result.stdout)


async def test_the_inspector_and_predictions_read_an_opaque_token(tmp_path, provider, apis):
    (tmp_path / "config.toml").write_text(provider.profiles(apis["introspection"]))
    config = load_config(tmp_path / "config.toml")
    session = Session.open(config, tmp_path / "state", "opaque")
    app = M2MApp(session, autostart=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("t")
        await settle(pilot)
        await settle(pilot)  # the introspection, then the predictions it refreshes
        said = " ".join(text_of(app.query_one("#token-view")).split())
        assert "the request named no API" in said and "`resource` (RFC 8707)" in said
        app.action_show_tab("inspector")
        await settle(pilot)
        shown = " ".join(text_of(app.query_one("#inspection")).split())
        assert "Opaque token" in shown and "RFC 7662" in shown
        assert "gift-basic" in shown and "directions" in shown
        assert "expires in" in str(app.query_one("#expiry").content)
        table = app.query_one("#endpoints", DataTable)
        rows = {
            str(table.get_row_at(i)[1]): str(table.get_row_at(i)[3]) for i in range(table.row_count)
        }
        assert rows["/api/directions"].startswith("✓"), rows
        assert "missing geocode:location" in rows["/api/location/geocode"], rows
