"""What a bound credentials-exchange Action costs the token endpoint (issue 37).

    python bench/actions_cost.py [--seconds 5] [--rounds 2]

Our token endpoint (`serve --only authority`, one process) under `wrk -t1 -c32` with
the same client_credentials request, in each round first with no Action bound, then
with one trivial Action bound (it sets one claim). Prints tokens/s and the ratio.
Everything runs on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import signal
import statistics
import subprocess
import sys
import tempfile

import httpx
from common import free_port
from token_endpoint import wait_for, wrk

ACTION = """exports.onExecuteCredentialsExchange = async (event, api) => {
  api.accessToken.setCustomClaim("https://example.com/tier", "gold");
};"""


def bind_action(issuer: str) -> None:
    form = {"grant_type": "client_credentials", "client_id": "m2m-admin"}
    form |= {"client_secret": "m2m-admin-local-secret", "audience": issuer + "api/v2/"}
    token = httpx.post(issuer + "oauth/token", data=form).json()["access_token"]
    admin = httpx.Client(base_url=issuer + "api/v2", headers={"Authorization": f"Bearer {token}"})
    trigger = [{"id": "credentials-exchange", "version": "v2"}]
    made = admin.post(
        "/actions/actions", json={"name": "tier", "code": ACTION, "supported_triggers": trigger}
    ).json()
    admin.post(f"/actions/actions/{made['id']}/deploy").raise_for_status()
    refs = [{"ref": {"type": "action_id", "value": made["id"]}}]
    admin.patch(
        "/actions/triggers/credentials-exchange/bindings", json={"bindings": refs}
    ).raise_for_status()


def one_round(seconds: int) -> tuple[float, float]:
    port = free_port()
    issuer = f"http://127.0.0.1:{port}/"
    with tempfile.TemporaryDirectory() as tmp:
        ours = subprocess.Popen(
            [sys.executable, "-m", "m2m_tui", "serve", "--only", "authority"]
            + ["--authority-port", str(port), "--state-dir", tmp],
            stdout=subprocess.DEVNULL,
        )
        try:
            wait_for(issuer + "health")
            without = wrk(issuer + "oauth/token", seconds)
            bind_action(issuer)
            bound = wrk(issuer + "oauth/token", seconds)
            return without, bound
        finally:
            ours.send_signal(signal.SIGTERM)
            ours.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    rounds = [one_round(args.seconds) for _ in range(args.rounds)]
    print("| round | no Action, tokens/s | one Action bound, tokens/s | bound ÷ none |")
    print("|---|---|---|---|")
    for i, (without, bound) in enumerate(rounds, 1):
        print(f"| {i} | {without:,.0f} | {bound:,.0f} | {bound / without:.3f}× |")
    ratio = statistics.median(bound / without for without, bound in rounds)
    print(f"\nmedian bound ÷ none: {ratio:.3f}×")


if __name__ == "__main__":
    main()
