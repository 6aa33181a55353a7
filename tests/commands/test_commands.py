"""token, decode, verify, call, profiles, config init, import-sample: as scripts use them."""

from __future__ import annotations

import json
import subprocess
import sys

import jwt
import pytest

from tests.conftest import run_cli as cli
from tests.helpers.sessions import write_config


@pytest.fixture
def configured(tmp_path, stack):
    write_config(tmp_path / "config.toml", stack.issuer, stack.api_url)
    return tmp_path


def test_token_piped_prints_only_the_token_and_reuses_it(configured, stack):
    first = cli(configured, "token")
    assert first.returncode == 0 and first.stdout.count("\n") == 1
    token = first.stdout.strip()
    assert token.count(".") == 2 and first.stderr == ""
    assert cli(configured, "token").stdout.strip() == token  # from the cache
    cache = configured / "state" / "token-cache.json"
    assert oct(cache.stat().st_mode & 0o777) == "0o600"
    fresh = cli(configured, "token", "--no-cache").stdout.strip()
    assert fresh != token
    body = json.loads(cli(configured, "token", "--json").stdout)
    assert body["from_cache"] is True and body["access_token"] == fresh
    assert body["token_type"] == "Bearer" and body["expires_at"] > 0
    assert cli(configured, "token", "--forget").returncode == 0
    assert json.loads(cli(configured, "token", "--json").stdout)["from_cache"] is False


def test_token_errors_and_exit_codes(configured, tmp_path):
    missing = cli(configured, "--profile", "nope", "token")
    assert missing.returncode == 2 and "no profile named 'nope'" in missing.stderr
    write_config(tmp_path / "config.toml", "http://127.0.0.1:9/", None)
    down = cli(tmp_path, "token")
    assert down.returncode == 3 and "cannot connect" in down.stderr
    assert "hint:" in down.stderr and down.stdout == ""
    (tmp_path / "config.toml").write_text("[profiles.x\n")
    broken = cli(tmp_path, "token")
    assert broken.returncode == 2 and "line 1" in broken.stderr


def test_token_refused_exits_1(tmp_path, stack):
    write_config(
        tmp_path / "config.toml",
        stack.issuer,
        stack.api_url,
        bad=(
            f'issuer = "{stack.issuer}"\nclient_id = "giftdeliveries"\nclient_secret = "no"\n'
            'audience = "urn:worldmappers"'
        ),
    )
    result = cli(tmp_path, "--profile", "bad", "token")
    assert result.returncode == 1 and "invalid_client" in result.stderr
    assert "Check the client secret" in result.stderr


def test_decode_plain_json_and_garbage(configured):
    token = cli(configured, "token").stdout.strip()
    plain = cli(configured, "decode", token)
    assert plain.returncode == 0
    assert (
        "sub\tgiftdeliveries@clients\tclient giftdeliveries — the @clients suffix" in plain.stdout
    )
    piped = cli(configured, "decode", "--json", stdin=token)
    body = json.loads(piped.stdout)
    assert body["payload"]["aud"] == "urn:worldmappers" and body["expires_in"] > 86000
    assert "expires in 23 h" in body["explained"]["exp"]
    # The header is explained too, one line per member (README: header_explained).
    assert set(body["header_explained"]) == set(body["header"]) == {"alg", "kid", "typ"}
    assert "allow-list" in body["header_explained"]["alg"]
    assert "JWKS" in body["header_explained"]["kid"]
    garbage = cli(configured, "decode", "not-a-token")
    assert garbage.returncode == 1 and "opaque" in garbage.stderr
    assert "Traceback" not in garbage.stderr
    empty = cli(configured, "decode", stdin="")
    assert empty.returncode == 2


def test_decode_and_verify_take_pasted_text_and_name_a_cut_token(configured):
    import textwrap

    token = cli(configured, "token").stdout.strip()
    wrapped = '"access_token": "' + "\n".join(textwrap.wrap(token, 76)) + '",'
    decoded = cli(configured, "decode", "--json", stdin=wrapped)
    assert decoded.returncode == 0, decoded.stderr
    body = json.loads(decoded.stdout)
    assert body["cleaned"] == ["trailing_comma", "json_field", "quotes", "line_breaks"]
    assert body["payload"]["aud"] == "urn:worldmappers"
    assert "note: cleaned the pasted token: removed a trailing comma" in decoded.stderr
    verified = cli(configured, "verify", f"Bearer {token}")
    assert verified.returncode == 0, verified.stderr
    cut = cli(configured, "verify", token.rsplit(".", 1)[0])
    assert cut.returncode == 1 and "a JWT without its signature" in cut.stderr


def test_decode_imports_none_of_the_heavy_modules(configured):
    token = cli(configured, "token").stdout.strip()
    code = (
        "import sys; from m2m_tui.cli import main; main(['decode', sys.argv[1]]); "
        "heavy = [m for m in ('textual', 'httpx', 'starlette', 'uvicorn', 'cryptography', "
        "'jwt') if m in sys.modules]; print('HEAVY', heavy, file=sys.stderr)"
    )
    result = subprocess.run([sys.executable, "-c", code, token], capture_output=True, text=True)
    assert "HEAVY []" in result.stderr
    for flag in ("--help", "--version"):
        code = (
            f"import sys\ntry:\n from m2m_tui.cli import main; main(['{flag}'])\n"
            "except SystemExit: pass\nprint('HEAVY', [m for m in ('textual', 'httpx', "
            "'starlette', 'uvicorn', 'cryptography') if m in sys.modules], file=sys.stderr)"
        )
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert "HEAVY []" in result.stderr


def test_warm_token_does_not_import_textual(configured):
    cli(configured, "token")
    code = (
        f"import sys; from m2m_tui.cli import main; main(['--config', "
        f"'{configured / 'config.toml'}', '--state-dir', '{configured / 'state'}', "
        "'token']); print('HEAVY', [m for m in ('textual', 'httpx', 'starlette') "
        "if m in sys.modules], file=sys.stderr)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "HEAVY []" in result.stderr


def test_verify(configured, stack):
    token = cli(configured, "token").stdout.strip()
    ok = cli(configured, "verify", "--audience", "urn:worldmappers", "--json", token)
    assert ok.returncode == 0 and json.loads(ok.stdout)["valid"] is True
    wrong = cli(configured, "verify", "--audience", "urn:other", "--issuer", stack.issuer, token)
    assert wrong.returncode == 1 and "✗ aud" in wrong.stdout and "INVALID" in wrong.stdout
    assert cli(configured, "verify", "garbage").returncode == 1
    down = cli(configured, "verify", "--issuer", "http://127.0.0.1:9/", token)
    assert down.returncode == 3


def test_call(configured, stack):
    ok = cli(configured, "call", "/api/directions", "--param", "destination=Auth0 Office")
    assert ok.returncode == 0 and json.loads(ok.stdout)[-1]["action"].startswith("Arrive")
    assert ok.stderr.startswith("200 GET")
    refused = cli(configured, "call", "/api/location/geocode", "--param", "address=Paris", "--json")
    body = json.loads(refused.stdout)
    assert refused.returncode == 1 and body["status"] == 403
    assert "insufficient_scope" in body["headers"]["www-authenticate"]
    printed = cli(
        configured, "call", "/api/directions", "--param", "destination=Seattle", "--print", "curl"
    )
    assert printed.stdout.startswith("curl -i -H 'Authorization: Bearer ••••••'")
    token = cli(configured, "token").stdout.strip()
    revealed = cli(configured, "call", "/api/directions", "--print", "httpie", "--show-secrets")
    assert token in revealed.stdout and revealed.stdout.startswith("http GET")
    assert cli(configured, "call", "/x", "--param", "novalue").returncode == 2


def test_profiles_list_and_show_mask_secrets(configured):
    listed = cli(configured, "profiles", "list", "--json")
    assert "giftdeliveries-local-secret" not in listed.stdout
    shown = json.loads(cli(configured, "profiles", "show", "gift", "--json").stdout)
    assert shown["client_secret"] == "••••••" and shown["client_id"] == "giftdeliveries"
    assert cli(configured, "profiles", "show", "nope").returncode == 1


def test_config_init_writes_a_profile_that_loads(configured):
    for provider in ("okta", "keycloak", "entra", "generic", "auth0"):
        result = cli(
            configured, "config", "init", "--provider", provider, "--name", f"p-{provider}"
        )
        assert result.returncode == 0, result.stderr
    text = (configured / "config.toml").read_text()
    assert "[profiles.p-okta]" in text and "Okta custom authorization server" in text
    shown = json.loads(cli(configured, "profiles", "show", "p-entra", "--json").stdout)
    assert shown["provider"] == "entra"
    again = cli(configured, "config", "init", "--provider", "okta", "--name", "p-okta")
    assert again.returncode == 1 and "already has a profile named p-okta" in again.stderr
    # However the file spells the table's name (here quoted), the name is taken.
    text = text.replace("[profiles.p-keycloak]", '[profiles."p-keycloak"]')
    (configured / "config.toml").write_text(text)
    taken = cli(configured, "config", "init", "--provider", "okta", "--name", "p-keycloak")
    assert taken.returncode == 1, taken.stderr
    assert "already has a profile named p-keycloak" in taken.stderr
    assert (configured / "config.toml").read_text().count("Okta custom") == 1  # untouched


def test_config_init_output_dash_prints_the_profile_and_leaves_the_file(configured):
    before = (configured / "config.toml").read_text()
    printed = cli(configured, "config", "init", "--provider", "keycloak", "--output", "-")
    assert printed.returncode == 0, printed.stderr
    assert (configured / "config.toml").read_text() == before  # nothing written
    assert "[profiles.keycloak]" in printed.stdout and "/realms/" in printed.stdout
    # What it printed is a profile the config loads.
    (configured / "config.toml").write_text(before + "\n" + printed.stdout)
    shown = json.loads(cli(configured, "profiles", "show", "keycloak", "--json").stdout)
    assert shown["provider"] == "keycloak"


def test_import_sample_keeps_the_secret_out(configured):
    sample = configured / "sample-config.json"
    sample.write_text(
        json.dumps(
            {
                "AUTH0_DOMAIN": "acme.auth0.com",
                "AUTH0_CLIENT_ID": "abc",
                "AUTH0_CLIENT_SECRET": "top-secret-value",
                "RESOURCE_SERVER": "urn:worldmappers",
            }
        )
    )
    result = cli(configured, "import-sample", str(sample))
    assert result.returncode == 0
    text = (configured / "config.toml").read_text()
    assert "top-secret-value" not in text and "top-secret-value" not in result.stderr
    shown = json.loads(cli(configured, "profiles", "show", "sample", "--json").stdout)
    assert shown["issuer"] == "acme.auth0.com"  # as written; used as https://acme.auth0.com/
    assert shown["client_secret_env"] == "AUTH0_CLIENT_SECRET"
    bad = configured / "bad.json"
    bad.write_text("{nope")
    assert cli(configured, "import-sample", str(bad)).returncode == 1


def test_call_with_a_cached_token_the_server_refuses_says_where_it_came_from(configured, stack):
    # A tenant that was reset leaves the cache holding a token signed by a key that is
    # gone; here the cached token is swapped for one signed by a key the issuer never had.
    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    token = cli(configured, "token").stdout.strip()
    claims = jwt.decode(token, options={"verify_signature": False})
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(claims, stranger, "RS256", headers={"kid": "gone"})
    cache = configured / "state" / "token-cache.json"
    cache.write_text(cache.read_text().replace(token, forged))
    refused = cli(configured, "call", "/api/directions")
    assert refused.returncode == 1 and refused.stderr.startswith("401 GET")
    assert "this token came from the cache" in refused.stderr
    assert "m2m-tui token --forget --profile gift" in refused.stderr
    assert cli(configured, "token", "--forget").returncode == 0
    again = cli(configured, "call", "/api/directions")
    assert again.returncode == 0 and "hint:" not in again.stderr


def test_call_sends_an_empty_parameter_as_typed(configured, stack):
    """`address=` is a parameter, empty: the API refuses it (400), as it does for curl.
    Dropped, the call would get the default place and a 200."""
    admin = stack.admin()
    grant = admin.get("/client-grants", params={"client_id": "giftdeliveries"}).json()[0]
    admin.patch(f"/client-grants/{grant['id']}", json={"scope": ["geocode:location"]})
    for args in (
        ["/api/location/geocode?address="],
        ["/api/location/geocode", "--param", "address="],
    ):
        result = cli(configured, "call", *args)
        assert result.returncode == 1, result.stdout
        assert "400 GET" in result.stderr and "geocode?address= " in result.stderr
        assert "the query parameter address is empty" in result.stdout


def test_verify_without_a_token_checks_the_profiles_own(configured, stack):
    result = cli(configured, "verify", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["valid"] is True, report
    assert "verifying profile gift's token" in result.stderr
    assert "trusting the token's own issuer" not in result.stderr  # pinned to the profile's


def test_a_dead_port_gets_the_same_hint_from_token_call_introspect_and_verify(tmp_path):
    from tests.conftest import free_port

    dead = f"http://127.0.0.1:{free_port()}/"
    write_config(tmp_path / "config.toml", dead, dead.rstrip("/"))
    said = {}
    for command in (["token"], ["call", "/api/directions"], ["introspect", "--new"], ["verify"]):
        result = cli(tmp_path, *command)
        assert result.returncode == 3, (command, result.stderr)
        hint = [line for line in result.stderr.splitlines() if line.startswith("hint: ")]
        said[command[0]] = hint
    assert said["token"] and all(h == said["token"] for h in said.values()), said


def test_verify_checks_a_piped_token_for_the_profiles_audience(tmp_path, shared_stack):
    """`verify -` and `verify` (the profile's own token) mean the same "valid": the
    audience is the profile's unless --audience names another."""
    write_config(tmp_path / "config.toml", shared_stack.issuer, shared_stack.api_url)
    own = cli(tmp_path, "token").stdout.strip()
    piped = cli(tmp_path, "verify", "-", stdin=own)
    assert piped.returncode == 0, piped.stdout + piped.stderr
    assert "no expected audience" not in piped.stdout
    assert "✓ aud" in piped.stdout and "urn:worldmappers" in piped.stdout
    assert "profile gift's audience urn:worldmappers" in piped.stderr
    admins = cli(tmp_path, "--profile", "admin", "token").stdout.strip()
    other = cli(tmp_path, "verify", "-", stdin=admins)
    assert other.returncode == 1 and "✗ aud" in other.stdout and "INVALID" in other.stdout
    assert cli(tmp_path, "--profile", "admin", "verify", "-", stdin=admins).returncode == 0
    unchecked = cli(tmp_path, "verify", "--audience", "", "-", stdin=admins)
    assert unchecked.returncode == 0, unchecked.stdout


def test_token_with_client_secret_jwt_signs_with_the_secret_from_the_environment(tmp_path, stack):
    """A profile with auth_method client_secret_jwt: the secret, read where the profile
    says, signs an HS256 assertion and is never sent; a wrong one is refused with a
    hint that points at the secret, not at a private key."""
    admin = stack.admin()
    created = admin.post(
        "/clients", json={"name": "HMAC", "token_endpoint_auth_method": "client_secret_jwt"}
    ).json()
    client_id = created["client_id"]
    admin.post(
        "/client-grants",
        json={"client_id": client_id, "audience": "urn:worldmappers", "scope": ["directions"]},
    ).raise_for_status()
    write_config(
        tmp_path / "config.toml",
        stack.issuer,
        stack.api_url,
        hmac=(
            f'issuer = "{stack.issuer}"\nclient_id = "{client_id}"\n'
            'client_secret_env = "HMAC_SECRET"\nauth_method = "client_secret_jwt"\n'
            'audience = "urn:worldmappers"'
        ),
    )
    env = {"HMAC_SECRET": created["client_secret"]}
    issued = cli(tmp_path, "--profile", "hmac", "token", "--json", env=env)
    assert issued.returncode == 0, issued.stderr
    token = json.loads(issued.stdout)["access_token"]
    assert jwt.decode(token, options={"verify_signature": False})["azp"] == client_id
    shown = cli(tmp_path, "profiles", "show", "hmac", "--json", env=env)
    assert json.loads(shown.stdout)["auth_method"] == "client_secret_jwt"
    wrong = {"HMAC_SECRET": "not-the-secret-" * 4}
    refused = cli(tmp_path, "--profile", "hmac", "token", "--no-cache", env=wrong)
    said = " ".join(refused.stderr.split())  # as read, whatever the terminal's width
    assert refused.returncode == 1 and "invalid_client" in said
    assert "client_assertion is not signed with this client's secret" in said
    assert "Cause: assertion_signature" in said and "method client_secret_jwt" in said
    assert "client_secret_jwt assertion's signature" in said and "current secret" in said
    assert "private_key_file" not in said and "Traceback" not in said
    assert "not-the-secret-" not in refused.stderr + refused.stdout
    unset = cli(tmp_path, "--profile", "hmac", "token", "--no-cache")
    assert unset.returncode == 2 and "HMAC_SECRET is not set" in unset.stderr
    # Another variable for one run keeps the method: the assertion, not a sent secret.
    other = cli(
        tmp_path, "--profile", "hmac", "token", "--no-cache", "--client-secret-env", "OTHER",
        env={"OTHER": created["client_secret"]},
    )  # fmt: skip
    assert other.returncode == 0, other.stderr


def test_config_init_offers_client_secret_jwt_where_the_provider_takes_it(configured):
    before = (configured / "config.toml").read_text()
    for provider in ("okta", "keycloak", "generic"):
        printed = cli(configured, "config", "init", "--provider", provider, "--output", "-")
        assert '# auth_method = "client_secret_jwt"' in printed.stdout
        # Uncommented, as a user would, it is a profile the config loads.
        chosen = printed.stdout.replace("# auth_method =", "auth_method =")
        (configured / "config.toml").write_text(before + "\n" + chosen)
        shown = json.loads(cli(configured, "profiles", "show", provider, "--json").stdout)
        assert shown["auth_method"] == "client_secret_jwt"
