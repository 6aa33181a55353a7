"""`m2m-tui exchange-profiles` against the bundled tenant: the seeded policy listed and
shown in words, a profile created, updated and deleted through the Management API, the
policy it writes honoured by the token endpoint, and bad input, an unknown id, a refusal
and a missing management profile each a sentence and an exit status."""

from __future__ import annotations

import json

import httpx

from tests.conftest import _http, run_cli
from tests.helpers.sessions import write_config

ROUTES = "urn:worldmappers:routes"
EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token"


def ok(result) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def exchange_as_gift(stack, subject: str) -> httpx.Response:
    body = {
        "grant_type": EXCHANGE,
        "client_id": "giftdeliveries",
        "client_secret": "giftdeliveries-local-secret",
        "subject_token": subject,
        "subject_token_type": ACCESS_TOKEN,
        "audience": "urn:worldmappers",
    }
    return _http().post(stack.token_url, data=body)


def test_the_seeded_policy_listed_and_shown(tmp_path, shared_stack):
    write_config(tmp_path / "config.toml", shared_stack.issuer, shared_stack.api_url)
    listed = ok(run_cli(tmp_path, "exchange-profiles", "list"))
    assert "World Mappers to Routes API" in listed
    assert (
        "world-mappers-api may exchange access tokens "
        "(urn:ietf:params:oauth:token-type:access_token) of this issuer for "
        f"{ROUTES}: routes:read ← directions" in listed
    ), listed
    as_json = json.loads(ok(run_cli(tmp_path, "exchange-profiles", "list", "--json")))
    (profile,) = as_json
    assert profile["client_ids"] == ["world-mappers-api"]
    assert profile["scope_map"] == {"routes:read": ["directions"]}
    mine = ok(run_cli(tmp_path, "exchange-profiles", "list", "--client", "giftdeliveries"))
    assert mine == "no token exchange profile concerns client giftdeliveries\n"
    # A name the tenant does not know is said, with those it knows, not listed as none.
    typo = run_cli(tmp_path, "exchange-profiles", "list", "--client", "gift-deliveries")
    assert typo.returncode == 1 and typo.stdout == ""
    assert "no client 'gift-deliveries' at this tenant (known: " in typo.stderr
    assert "giftdeliveries" in typo.stderr
    no_api = run_cli(tmp_path, "exchange-profiles", "list", "--audience", "urn:nowhere")
    assert no_api.returncode == 1 and "no API 'urn:nowhere' at this tenant (known: " in (
        no_api.stderr
    )
    assert ROUTES in no_api.stderr
    for_api = ok(run_cli(tmp_path, "exchange-profiles", "list", "--audience", ROUTES))
    assert profile["id"] in for_api
    shown = ok(run_cli(tmp_path, "exchange-profiles", "show", profile["id"]))
    assert shown.splitlines() == [
        f"{profile['id']}  World Mappers to Routes API",
        "  subject tokens   access_token of this issuer",
        "  clients          world-mappers-api",
        f"  audiences        {ROUTES}",
        "  scope map        routes:read ← directions",
        "  trusted issuers  none: this issuer's tokens only",
        "  action           none",
    ]


def test_create_update_delete_and_the_token_endpoint_follows(tmp_path, stack):
    """Gift Deliveries may exchange a World Mappers API token for a World Mappers token
    once a profile says so; its scope map decides what the new token carries."""
    write_config(tmp_path / "config.toml", stack.issuer, stack.api_url)
    # The subject: a token World Mappers' own client got for the Routes API.
    subject = stack.token(("world-mappers-api", "world-mappers-api-local-secret"), ROUTES)
    before = exchange_as_gift(stack, subject)
    assert before.json()["rule"] == "exchange_not_allowed", before.text

    made = ok(
        run_cli(
            tmp_path,
            *("exchange-profiles", "create", "--name", "Routes to World Mappers"),
            *("--client", "giftdeliveries", "--audience", "urn:worldmappers"),
            *("--scope-map", "directions=routes:read", "--json"),
        )
    )
    created = json.loads(made)
    assert created["subject_token_type"] == ACCESS_TOKEN  # the default
    assert created["client_ids"] == ["giftdeliveries"]
    answer = exchange_as_gift(stack, subject)
    assert answer.status_code == 200, answer.text
    assert answer.json()["scope"] == "directions"

    pid = created["id"]
    said = ok(
        run_cli(
            tmp_path,
            *("exchange-profiles", "update", pid, "--scope-map", "directions=nothing:held"),
            *("--trusted-issuer", "https://partner.example/=https://partner.example/jwks"),
        )
    )
    assert said.startswith(f"updated {pid}  Routes to World Mappers\n")
    assert "of this issuer, https://partner.example/ for urn:worldmappers" in said
    assert "directions ← nothing:held" in said
    answer = exchange_as_gift(stack, subject)
    assert answer.status_code == 200, answer.text
    assert answer.json().get("scope", "") == ""  # narrowed away, never widened

    ok(run_cli(tmp_path, "exchange-profiles", "update", pid, "--client", ""))
    assert exchange_as_gift(stack, subject).json()["rule"] == "exchange_not_allowed"
    gone = ok(run_cli(tmp_path, "exchange-profiles", "delete", pid))
    assert gone == f"deleted {pid} (Routes to World Mappers)\n"
    shown = run_cli(tmp_path, "exchange-profiles", "show", pid)
    assert shown.returncode == 1
    assert f"no token exchange profile {pid!r} (known: tep_" in shown.stderr


def test_bad_input_refusals_and_no_management_profile(tmp_path, shared_stack):
    write_config(tmp_path / "config.toml", shared_stack.issuer, shared_stack.api_url)
    cases = [
        (("exchange-profiles", "create"), 2, "the following arguments are required: -n/--name"),
        (("exchange-profiles", "update", "tep_x"), 2, "give --name, --subject-token-type"),
        (
            ("exchange-profiles", "create", "--name", "x", "--scope-map", "routes:read"),
            2,
            "'routes:read' is not TARGET_SCOPE=SUBJECT_SCOPE",
        ),
        (
            ("exchange-profiles", "create", "--name", "x", "--trusted-issuer", "https://a/"),
            2,
            "is not ISSUER=JWKS_URI",
        ),
        (
            ("exchange-profiles", "create", "--name", "x", "-s", "saml"),
            2,
            "'saml' is not a token type URI nor one of access_token, jwt",
        ),
        (("exchange-profiles", "delete", "tep_nope"), 1, "no token exchange profile 'tep_nope'"),
        (
            ("exchange-profiles", "create", "--name", "Nowhere", "--audience", "urn:nowhere"),
            1,
            "the Management API refused: Payload validation error: audiences names no API of this "
            "tenant: urn:nowhere",
        ),
    ]
    for args, status, says in cases:
        result = run_cli(tmp_path, *args)
        assert (result.returncode, says in result.stderr) == (status, True), result.stderr
        assert "Traceback" not in result.stderr
    # Without a management profile for the issuer: said, and nothing else tried.
    (tmp_path / "config.toml").write_text(
        (tmp_path / "config.toml").read_text().split("[profiles.admin]")[0]
    )
    result = run_cli(tmp_path, "exchange-profiles", "list")
    assert result.returncode == 1, result.stderr
    assert f"no management profile for {shared_stack.issuer}: add a profile whose audience" in (
        result.stderr
    )
