"""The tenant survives crashes, refuses a second writer, and backs up without secrets."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from tests.conftest import ADMIN, GIFT, WORLDMAPPERS, admin_client, start_stack
from tests.helpers.processes import Child, spawn
from tests.helpers.waiting import wait_until

CLI = [sys.executable, "-m", "m2m_tui"]
PASS_ENV = {"BACKUP_PASS": "correct horse battery staple"}


def serve(state: Path, *args: str, env: dict | None = None, timeout: float = 60):
    """`m2m-tui serve --state-dir STATE ARGS` to completion (for --export/--import)."""
    return subprocess.run(
        [*CLI, "serve", "--state-dir", str(state), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def export_both(state: Path, folder: Path):
    """`serve --export` twice: plain.json without a passphrase, sealed.json under one."""
    plain = serve(state, "--export", str(folder / "plain.json"))
    sealed = serve(
        state,
        "--export",
        str(folder / "sealed.json"),
        "--passphrase-env",
        "BACKUP_PASS",
        env=PASS_ENV,
    )
    return plain, sealed


def start_authority(state: Path) -> tuple[Child, str]:
    proc = spawn(
        [*CLI, "serve", "--state-dir", str(state), "--only", "authority", "--authority-port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    issuer = None
    for line in proc.stdout:
        if m := re.match(r"Authorization server: (\S+)", line):
            issuer = m.group(1)
        if line.startswith("State:"):
            return proc, issuer
    proc.kill()
    raise AssertionError(f"serve did not start: {proc.stdout.read()}")


def gift_grant(admin: httpx.Client) -> dict:
    return admin.get("/client-grants", params={"client_id": GIFT[0]}).json()[0]


def test_sigkill_during_grant_edits_keeps_the_last_acknowledged_one(tmp_path):
    state = tmp_path / "state"
    proc, issuer = start_authority(state)
    admin = admin_client(issuer)
    grant_id = gift_grant(admin)["id"]
    subsets = [
        ["directions"],
        ["directions", "geocode:location"],
        ["geocode:location", "reverse-geocode:location"],
        ["reverse-geocode:location"],
    ]
    acknowledged: list[list[str]] = []
    in_flight: list[list[str]] = []

    def edit() -> None:
        n = 0
        while True:
            scope = subsets[n % len(subsets)]
            in_flight.append(scope)
            try:
                answer = admin.patch(f"/client-grants/{grant_id}", json={"scope": scope})
            except httpx.HTTPError:
                return  # the server died under this edit
            if answer.status_code == 200:
                acknowledged.append(scope)
            n += 1

    editor = threading.Thread(target=edit)
    editor.start()
    wait_until(lambda: len(acknowledged) > 20, "a stream of acknowledged edits")
    proc.send_signal(signal.SIGKILL)  # cut it in the middle
    proc.wait(timeout=10)
    editor.join(timeout=10)

    db = sqlite3.connect(state / "tenant.db")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
    proc, issuer = start_authority(state)  # and it opens cleanly
    try:
        after = gift_grant(admin_client(issuer))["scope"]
        # The last acknowledged edit, or the one that was in flight when it died.
        assert after in (acknowledged[-1], in_flight[-1])
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_after_a_clean_stop_the_db_file_alone_holds_the_tenant(tmp_path, stop):
    import shutil

    state = tmp_path / "state"
    proc, issuer = start_authority(state)
    try:
        created = admin_client(issuer).post(
            "/clients", json={"name": "Backed Up", "app_type": "non_interactive"}
        )
        assert created.status_code == 201
    finally:
        proc.send_signal(stop)
        assert proc.wait(timeout=15) == 0
    # A backup made by copying tenant.db, and nothing else: the whole tenant.
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copy(state / "tenant.db", copy / "tenant.db")
    db = sqlite3.connect(copy / "tenant.db")
    names = [row[0] for row in db.execute("SELECT name FROM clients")]
    db.close()
    assert "Backed Up" in names and "Gift Deliveries" in names
    wal = state / "tenant.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0


def test_a_second_server_on_the_same_state_is_refused(tmp_path):
    proc, _ = start_authority(tmp_path / "state")
    try:
        second = serve(tmp_path / "state", "--only", "authority", "--authority-port", "0")
        assert second.returncode == 1
        assert f"pid {proc.pid}" in second.stderr and "--state-dir" in second.stderr
        assert "Traceback" not in second.stderr
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_a_database_locked_by_another_program_is_named(tmp_path):
    state = tmp_path / "state"
    proc, _ = start_authority(state)
    proc.terminate()
    proc.wait(timeout=10)
    holder = sqlite3.connect(state / "tenant.db", isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT OR REPLACE INTO meta VALUES ('x', 'y')")
    try:
        result = serve(state, "--only", "authority", "--authority-port", "0", timeout=30)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.returncode == 1
    assert "tenant.db is locked by another process" in result.stderr
    assert "Traceback" not in result.stderr


def test_backup_and_restore_keep_everything_but_secrets_in_clear(tmp_path):
    source = start_stack(tmp_path / "a")
    try:
        admin = source.admin()
        created = admin.post("/clients", json={"name": "Route Planner"}).json()
        new_id, new_secret = created["client_id"], created["client_secret"]
        admin.post(
            "/client-grants",
            json={"client_id": new_id, "audience": WORLDMAPPERS, "scope": ["geocode:location"]},
        ).raise_for_status()
        grant = gift_grant(admin)
        admin.patch(f"/client-grants/{grant['id']}", json={"scope": ["reverse-geocode:location"]})
        kids = {k["kid"] for k in httpx.get(source.issuer + ".well-known/jwks.json").json()["keys"]}
        # Taken while the server runs, as an operator would.
        plain, sealed = export_both(source.state_dir, tmp_path)
    finally:
        source.thread.stop()
    assert plain.returncode == 0 and "3 grants" not in plain.stdout  # four now
    assert "4 grants" in plain.stdout and "Signing keys left out" in plain.stdout
    assert "1 token exchange profiles" in plain.stdout
    assert sealed.returncode == 0 and "signing keys" in sealed.stdout
    for name in ("plain.json", "sealed.json"):
        path = tmp_path / name
        text = path.read_text()
        assert (path.stat().st_mode & 0o777) == 0o600
        for secret in (new_secret, GIFT[1], ADMIN[1], "BEGIN PRIVATE KEY", "BEGIN RSA PRIVATE"):
            assert secret not in text
    assert "BEGIN ENCRYPTED PRIVATE KEY" in (tmp_path / "sealed.json").read_text()

    # Restored into a fresh state directory: the same tenant, the same keys.
    restored = serve(
        tmp_path / "b",
        "--import",
        str(tmp_path / "sealed.json"),
        "--passphrase-env",
        "BACKUP_PASS",
        env=PASS_ENV,
    )
    assert restored.returncode == 0, restored.stderr
    target = start_stack(tmp_path / "b")
    try:
        token = target.token_response(client=(new_id, new_secret))
        assert token.status_code == 200 and token.json()["scope"] == "geocode:location"
        assert target.token_response().json()["scope"] == "reverse-geocode:location"
        jwks = httpx.get(target.issuer + ".well-known/jwks.json").json()["keys"]
        assert {k["kid"] for k in jwks} == kids
        # The token exchange policy came back with the tenant.
        profiles = target.admin().get("/token-exchange-profiles").json()["token_exchange_profiles"]
        assert [p["client_ids"] for p in profiles] == [["world-mappers-api"]]
    finally:
        target.thread.stop()


def test_restore_refusals_leave_the_tenant_as_it_was(tmp_path):
    state = tmp_path / "state"
    proc, _ = start_authority(state)
    try:
        sealed = serve(
            state,
            "--export",
            str(tmp_path / "k.json"),
            "--passphrase-env",
            "BACKUP_PASS",
            env=PASS_ENV,
        )
        assert sealed.returncode == 0
        busy = serve(
            state,
            "--import",
            str(tmp_path / "k.json"),
            "--passphrase-env",
            "BACKUP_PASS",
            env=PASS_ENV,
        )
        assert busy.returncode == 1 and "is locked" in busy.stderr
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    db = sqlite3.connect(state / "tenant.db")
    seeded = db.execute("SELECT count(*) FROM clients").fetchone()[0]
    db.close()
    assert seeded >= 2  # the seed's clients, whatever their number
    no_pass = serve(state, "--import", str(tmp_path / "k.json"))
    assert no_pass.returncode == 1 and "--passphrase-env" in no_pass.stderr
    wrong = serve(
        state, "--import", str(tmp_path / "k.json"), "--passphrase-env", "P", env={"P": "nope"}
    )
    assert wrong.returncode == 1 and "wrong passphrase" in wrong.stderr
    document = json.loads((tmp_path / "k.json").read_text())
    document["tables"]["clients"].append({"client_id": "x", "name) --": "y"})
    (tmp_path / "evil.json").write_text(json.dumps(document))
    evil = serve(
        state,
        "--import",
        str(tmp_path / "evil.json"),
        "--passphrase-env",
        "BACKUP_PASS",
        env=PASS_ENV,
    )
    assert evil.returncode == 1 and "unknown column" in evil.stderr
    del document["tables"]["clients"][-1]
    document["tables"]["client_grants"].append({"id": "g"})  # NOT NULL columns missing
    (tmp_path / "broken.json").write_text(json.dumps(document))
    broken = serve(
        state,
        "--import",
        str(tmp_path / "broken.json"),
        "--passphrase-env",
        "BACKUP_PASS",
        env=PASS_ENV,
    )
    assert broken.returncode == 1 and "the tenant is unchanged" in broken.stderr
    (tmp_path / "garbage.json").write_text("<html>")
    garbage = serve(state, "--import", str(tmp_path / "garbage.json"))
    assert garbage.returncode == 1 and "not a tenant backup" in garbage.stderr
    for result in (no_pass, wrong, evil, broken, garbage):
        assert "Traceback" not in result.stderr
    db = sqlite3.connect(state / "tenant.db")
    assert db.execute("SELECT count(*) FROM clients").fetchone()[0] == seeded
    db.close()
    assert not list(state.glob("tenant.db.before-import-*"))  # nothing was replaced


def test_a_client_secret_jwt_secret_travels_only_under_the_passphrase(tmp_path):
    """The authority keeps such a client's secret sealed under its state's key: a backup
    takes it sealed again under the operator's passphrase, and the state it is restored
    into seals it under its own key; without a passphrase it is left out, and said so."""
    import time
    import uuid

    import jwt

    def assertion(client_id: str, secret: str, issuer: str) -> dict:
        now = int(time.time())
        claims = {"iss": client_id, "sub": client_id, "aud": issuer, "iat": now}
        claims |= {"exp": now + 60, "jti": str(uuid.uuid4())}
        return {
            "grant_type": "client_credentials",
            "audience": WORLDMAPPERS,
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": jwt.encode(claims, secret.encode(), algorithm="HS256"),
        }

    source = start_stack(tmp_path / "a")
    try:
        admin = source.admin()
        created = admin.post(
            "/clients", json={"name": "Signer", "token_endpoint_auth_method": "client_secret_jwt"}
        ).json()
        client_id, secret = created["client_id"], created["client_secret"]
        admin.post(
            "/client-grants",
            json={"client_id": client_id, "audience": WORLDMAPPERS, "scope": ["directions"]},
        ).raise_for_status()
        plain, sealed = export_both(source.state_dir, tmp_path)
    finally:
        source.thread.stop()
    assert plain.returncode == 0, plain.stderr
    assert "secrets of 1 client_secret_jwt client(s) left out" in plain.stdout
    assert sealed.returncode == 0 and "1 client_secret_jwt secret(s)" in sealed.stdout
    for name in ("plain.json", "sealed.json"):
        assert secret not in (tmp_path / name).read_text()

    wrong = serve(
        tmp_path / "w", "--import", str(tmp_path / "sealed.json"), "--passphrase-env", "P",
        env={"P": "nope"},
    )  # fmt: skip
    assert wrong.returncode == 1 and "wrong passphrase" in wrong.stderr
    # The secrets alone (no signing keys to fail first): named, with what to do.
    document = json.loads((tmp_path / "sealed.json").read_text())
    del document["tables"]["signing_keys"]
    (tmp_path / "secrets.json").write_text(json.dumps(document))
    for args, env, said in (
        ((), None, "client secrets encrypted with a passphrase: name the variable"),
        (("--passphrase-env", "P"), {"P": "nope"}, f"the secret of client '{client_id}'"),
    ):
        refused = serve(tmp_path / "w", "--import", str(tmp_path / "secrets.json"), *args, env=env)
        assert refused.returncode == 1 and said in refused.stderr, refused.stderr
        assert "Traceback" not in refused.stderr
    restored = serve(
        tmp_path / "b",
        "--import",
        str(tmp_path / "sealed.json"),
        "--passphrase-env",
        "BACKUP_PASS",
        env=PASS_ENV,
    )
    assert restored.returncode == 0, restored.stderr
    assert "came without their secret" not in restored.stdout
    target = start_stack(tmp_path / "b")
    try:
        answer = httpx.post(target.token_url, data=assertion(client_id, secret, target.issuer))
        assert answer.status_code == 200, answer.text
    finally:
        target.thread.stop()

    bare = serve(tmp_path / "c", "--import", str(tmp_path / "plain.json"))
    assert bare.returncode == 0, bare.stderr
    assert "1 client_secret_jwt client(s) came without their secret: rotate it" in bare.stdout
    target = start_stack(tmp_path / "c")
    try:
        refused = httpx.post(target.token_url, data=assertion(client_id, secret, target.issuer))
        assert refused.status_code == 401 and refused.json()["rule"] == "no_registered_key"
        rotated = target.admin().post(f"/clients/{client_id}/rotate-secret").json()
        again = assertion(client_id, rotated["client_secret"], target.issuer)
        assert httpx.post(target.token_url, data=again).status_code == 200
    finally:
        target.thread.stop()
