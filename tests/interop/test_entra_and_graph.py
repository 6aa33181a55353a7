"""Tokens Microsoft's platform issues, at APIs that trust another issuer (issue #48):
an Entra ID v1.0 token (iss sts.windows.net) is named as such wherever the API expects
another issuer, with the way to v2.0 tokens; a Microsoft Graph token is described by
what it shows and nothing more (a header nonce only when its header has one). Each goes
through `m2m-tui diagnose` against the bundled API and Auth0's Express validator."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.conftest import claims, run_cli, signed
from tests.helpers.sessions import write_config

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
GRAPH_ID = "00000003-0000-0000-c000-000000000000"


def diagnose(tmp_path, stack, url: str, token: str) -> dict:
    write_config(tmp_path / "config.toml", stack.issuer, stack.api_url)
    result = run_cli(tmp_path, "diagnose", url, "--token", token, "--json")
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stdout
    return json.loads(result.stdout)


# How Entra ID stamps its tokens: v1.0 from the STS host (public cloud, China cloud),
# with or without the ver claim a copy may have lost; v2.0 from the login host.
ENTRA = {
    "v1": ({"iss": f"https://sts.windows.net/{TENANT}/", "ver": "1.0"}, "1.0"),
    "v1-no-ver": ({"iss": f"https://sts.windows.net/{TENANT}/"}, "1.0"),
    "v1-china": ({"iss": f"https://sts.chinacloudapi.cn/{TENANT}/", "ver": "1.0"}, "1.0"),
    "v1-app-id-uri": (
        {"iss": f"https://sts.windows.net/{TENANT}/", "ver": "1.0", "aud": "api://worldmappers"},
        "1.0",
    ),
    "v2": ({"iss": f"https://login.microsoftonline.com/{TENANT}/v2.0", "ver": "2.0"}, "2.0"),
}


@pytest.mark.parametrize("api", ["bundled", "express"])
@pytest.mark.parametrize("case", list(ENTRA))
def test_an_entra_token_at_an_api_expecting_another_issuer_names_its_version(
    tmp_path, apis, api, case
):
    stack, urls = apis
    extra, version = ENTRA[case]
    token = signed(stack, claims(stack, **extra))
    url = urls[api].rstrip("/") + "/api/directions?destination=Paris"
    assert httpx.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 401
    report = diagnose(tmp_path, stack, url, token)
    check = next(c for c in report["checks"] if c["name"] == "iss")
    assert check["ok"] is False and check["cause"] == "entra_token_version", check
    assert f"Entra ID v{version} token" in check["detail"]
    assert stack.issuer in check["detail"] and "no Entra ID issuer" in check["detail"]
    assert "accessTokenAcceptedVersion" in check["fix"]
    if version == "1.0":  # how to get v2.0, and the issuer it will carry
        assert "accessTokenAcceptedVersion to 2" in check["fix"]
        assert f"https://login.microsoftonline.com/{TENANT}/v2.0" in check["fix"]
    assert report["causes"][0] == "entra_token_version"
    assert report["agreement"] == "agree", report["agreement_text"]


# Graph's tokens as Entra ID issues them: for Graph by URL or by its application id,
# with the header nonce Graph's user tokens carry, or without (an app-only token).
GRAPH = {
    "url-no-nonce": ({"aud": "https://graph.microsoft.com"}, {}),
    "id-no-nonce": ({"aud": GRAPH_ID}, {}),
    "url-slash-no-nonce": ({"aud": "https://graph.microsoft.com/"}, {}),
    "id-nonce": ({"aud": GRAPH_ID}, {"nonce": "AQABAAAAAABnfiG-mA6NTae7CdWW7Qfd"}),
}


@pytest.mark.parametrize("api", ["bundled", "express"])
@pytest.mark.parametrize("case", list(GRAPH))
def test_a_graph_token_is_described_by_what_it_shows(tmp_path, apis, api, case):
    stack, urls = apis
    payload, header = GRAPH[case]
    issuer = {"iss": f"https://sts.windows.net/{TENANT}/", "scope": None, "scp": "User.Read"}
    # At the API's own issuer (only aud is Graph's), and as Entra issues it.
    for extra in ({}, issuer):
        token = signed(stack, claims(stack, **payload, **extra), **header)
        url = urls[api].rstrip("/") + "/api/directions?destination=Paris"
        report = diagnose(tmp_path, stack, url, token)
        said = [c for c in report["checks"] if c["cause"] == "graph_token"]
        assert said and "graph_token" in report["causes"], report["checks"]
        for check in said:
            assert "Microsoft Graph token" in check["detail"]
            # The nonce is named when the header has one, and never invented.
            assert ("nonce" in check["detail"]) == ("nonce" in header), check["detail"]
            assert check["fix"]
