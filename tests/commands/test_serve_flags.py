"""`m2m-tui serve --only api` against an issuer it did not start, with the README's flags:
`--issuer`, `--jwks-uri` (keys fetched there, not by discovery), `--audience` and
`--debug` (each caller's sub and scope logged, never the token)."""

from __future__ import annotations

import httpx

from tests.conftest import mint
from tests.helpers.serve_process import start, stop

NOWHERE = "http://127.0.0.1:9/"  # an issuer with no discovery: keys must come from --jwks-uri


def test_an_api_for_another_issuer_with_its_own_jwks_uri_audience_and_debug_log(
    tmp_path, fake_issuer
):
    proc, found = start(
        tmp_path,
        "--only",
        "api",
        "--issuer",
        NOWHERE,
        "--jwks-uri",
        fake_issuer.issuer + "jwks",
        "--audience",
        "urn:custom",
        "--debug",
    )
    try:
        url = found["api"].rstrip("/") + "/api/directions"
        claims = {**fake_issuer.claims(audience="urn:custom"), "iss": NOWHERE}
        good = fake_issuer.sign(claims)
        answer = httpx.get(url, headers={"Authorization": f"Bearer {good}"})
        assert answer.status_code == 200, answer.text
        assert fake_issuer.jwks_fetches >= 1  # the keys came from --jwks-uri
        wrong_audience = fake_issuer.sign({**claims, "aud": "urn:worldmappers"})
        refused = httpx.get(url, headers={"Authorization": f"Bearer {wrong_audience}"})
        assert refused.status_code == 401
        assert "aud" in refused.headers["www-authenticate"]
    finally:
        out = stop(proc)
    assert "caller sub=robot@clients scope=directions" in out
    assert good not in out and good.split(".")[2] not in out  # never the token


def test_directions_by_local_answers_in_one_hop_and_by_default_through_the_routes_api(
    tmp_path,
):
    """`--directions-by local`: World Mappers computes the route itself (one hop, no Link
    to a downstream hop); without it, both served here, it asks the Routes API by
    exchange and links the hop."""
    for flags, linked in (((), True), (("--directions-by", "local"), False)):
        proc, found = start(tmp_path / ("local" if flags else "routes"), *flags)
        try:
            token = mint(found["issuer"])
            answer = httpx.get(
                found["api"].rstrip("/") + "/api/directions",
                headers={"Authorization": f"Bearer {token}"},
            )
            assert answer.status_code == 200, answer.text
            assert isinstance(answer.json(), list)  # the original sample's array, either way
            assert ("link" in answer.headers) is linked, flags
        finally:
            stop(proc)
