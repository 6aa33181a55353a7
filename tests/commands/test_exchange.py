"""`m2m-tui exchange` and `call --exchange-as`, and `call` drawing a downstream hop:
against a small fake authority and APIs shaped as #49's contract says."""

from __future__ import annotations

import json

import jwt
import pytest

from oauth_primitives.token_exchange import read_chain
from tests.conftest import run_cli
from tests.helpers.fake_exchange import FakeExchangeServer, exchange_config


@pytest.fixture
def server(tmp_path):
    fake = FakeExchangeServer()
    (tmp_path / "config.toml").write_text(exchange_config(fake.issuer))
    yield fake
    fake.stop()


def test_exchange_prints_the_issued_tokens_summary_and_its_act_chain(tmp_path, server):
    done = run_cli(tmp_path, "exchange", "--as", "world-mappers")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "aud                urn:worldmappers:routes" in out
    assert "scope              routes:read" in out
    assert "issued_token_type  access_token" in out
    assert "world-mappers-api@clients acting for giftdeliveries@clients" in out
    subject = server.forms[0]  # the client_credentials request for the subject token
    assert subject["grant_type"] == "client_credentials"
    # Neither token is printed unasked.
    assert "eyJ" not in out and "eyJ" not in done.stderr


def test_token_only_prints_the_token_and_json_its_summary(tmp_path, server):
    token = run_cli(tmp_path, "exchange", "--as", "world-mappers", "--token-only").stdout.strip()
    claims = jwt.decode(token, options={"verify_signature": False})
    assert read_chain(claims).actors == ("world-mappers-api@clients",)
    done = run_cli(
        tmp_path, "exchange", "--as", "world-mappers", "--json", "--requested-token-type", "jwt"
    )
    body = json.loads(done.stdout)
    assert body["issued_token_type"] == "urn:ietf:params:oauth:token-type:jwt"
    assert body["issued"]["act_chain"] == ["world-mappers-api@clients"]
    assert body["issued"]["aud"] == "urn:worldmappers:routes"
    assert server.forms[-1]["requested_token_type"] == "urn:ietf:params:oauth:token-type:jwt"


def test_a_custom_subject_token_type_and_a_resource_are_sent_as_given(tmp_path, server):
    """Auth0's Custom Token Exchange finds its profile by the subject token's own type URI;
    RFC 8707 names the target as a resource. Short names become RFC 8693's URIs."""
    run_cli(
        tmp_path,
        "exchange",
        "--as",
        "world-mappers",
        "--subject-token-type",
        "urn:acme:legacy-token",
        "--resource",
        "urn:worldmappers:routes",
    )
    sent = server.forms[-1]
    assert sent["subject_token_type"] == "urn:acme:legacy-token"
    assert sent["resource"] == "urn:worldmappers:routes" and "audience" not in sent
    run_cli(tmp_path, "exchange", "--as", "world-mappers", "--subject-token-type", "jwt")
    assert server.forms[-1]["subject_token_type"] == "urn:ietf:params:oauth:token-type:jwt"


def test_a_given_subject_token_from_stdin_and_an_actor_token(tmp_path, server):
    subject = run_cli(tmp_path, "token").stdout.strip()
    done = run_cli(
        tmp_path,
        "exchange",
        "--as",
        "world-mappers",
        "--subject-token",
        "-",
        "--actor-token-from",
        "robot",
        stdin=subject,
    )
    assert done.returncode == 0, done.stderr
    assert "robot@clients acting for giftdeliveries@clients" in done.stdout
    assert server.forms[-1]["subject_token"] == subject


def test_clear_errors_unknown_profile_missing_as_and_a_refusal(tmp_path, server):
    unknown = run_cli(tmp_path, "exchange", "--as", "nobody")
    assert unknown.returncode == 2 and "no profile named 'nobody'" in unknown.stderr
    assert "world-mappers" in unknown.stderr
    assert run_cli(tmp_path, "exchange").returncode == 2
    refused = run_cli(tmp_path, "exchange", "--as", "world-mappers", "--audience", "urn:x")
    assert refused.returncode == 1
    assert "invalid_target" in refused.stderr
    # The token-request diagnosis, as `token` prints it: what was sent, the server's rule.
    assert "Token request refused (HTTP 400 invalid_target)" in refused.stderr
    assert "Cause: exchange_audience_not_allowed" in refused.stderr
    assert "subject_token_type" in refused.stderr
    # No subject token: the subject profile's own refusal, said.
    (tmp_path / "config.toml").write_text(
        exchange_config(server.issuer).replace(
            'client_secret = "giftdeliveries-local-secret"', 'client_secret = "wrong"'
        )
    )
    no_subject = run_cli(tmp_path, "exchange", "--as", "world-mappers")
    assert no_subject.returncode == 1 and "invalid_client" in no_subject.stderr


def test_call_exchange_as_calls_the_acting_profiles_api_with_the_exchanged_token(tmp_path, server):
    done = run_cli(
        tmp_path, "call", "/api/routes?from=Paris&to=Seattle", "--exchange-as", "world-mappers"
    )
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert body["on_behalf_of"] == "giftdeliveries@clients"
    assert body["actors"] == ["world-mappers-api@clients"]
    assert "world-mappers-api@clients acting for giftdeliveries@clients" in done.stderr
    # Without the exchange, Gift Deliveries' own token is refused there.
    assert run_cli(tmp_path, "call", "/api/routes?from=Paris&to=Seattle").returncode == 1


def test_call_draws_the_downstream_hop_as_world_mappers_received_it(tmp_path, server):
    done = run_cli(tmp_path, "call", "/api/directions")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == ["Head north", "Arrive"]  # the body, untouched
    err = done.stderr
    assert "Downstream hop: urn:worldmappers:routes" in err
    assert "✓ exchange: 200" in err and "routes:read" in err
    assert "world-mappers-api@clients acting for giftdeliveries@clients" in err
    assert "200 GET " in err and "(12 ms)" in err and "Head north" in err
    refused = run_cli(tmp_path, "call", "/api/directions?refused=1")
    assert refused.returncode == 3  # a 502: the API's failure
    assert "exchange_refused: no token for the Routes API" in refused.stderr
    assert "✗ exchange: 400 invalid_scope (rule exchange_scope_widened)" in refused.stderr


def test_call_says_in_one_line_why_a_linked_hop_is_not_shown(tmp_path, server):
    done = run_cli(tmp_path, "call", "/api/directions?gone=1")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == ["Head north", "Arrive"]
    (line,) = [x for x in done.stderr.splitlines() if "Downstream hop" in x]
    assert line.startswith("Downstream hop not shown: the API keeps no such hop")
    assert "Head north" not in done.stderr  # no hop drawn


def test_the_help_says_what_is_required_and_defines_what_it_uses(tmp_path):
    shown = run_cli(tmp_path, "exchange", "--help").stdout
    usage = " ".join(shown.split("\n\n")[0].split())
    assert " --as PROFILE " in usage and "[--as PROFILE]" not in usage
    # The curl example's $ROUTES is set before it is used, and call does it in one.
    assert shown.index("ROUTES=http://127.0.0.1:7002") < shown.index("$ROUTES/api/routes")
    assert "--exchange-as world-mappers" in shown
    missing = run_cli(tmp_path, "exchange")
    assert missing.returncode == 2 and "required: --as" in missing.stderr
    policy = " ".join(run_cli(tmp_path, "exchange-profiles", "--help").stdout.split())
    assert "--profile NAME the client profile whose issuer's tenant to manage" in policy
    assert "with `--scope-map routes:read=directions`, the new token carries routes:read" in (
        policy
    )
