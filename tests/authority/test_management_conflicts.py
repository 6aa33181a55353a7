"""What the tenant keeps unique, through the Management API: a duplicate answers 409 in
Auth0's shape, naming what clashed; a database that cannot take a change answers 503.
The stores say so in their own terms, so no HTTP handler knows SQLite."""

from __future__ import annotations

import ast
import sqlite3
from pathlib import Path

import httpx

from tests.conftest import GIFT, WORLDMAPPERS

API_SERVER = Path(__file__).resolve().parents[2] / "api_server"
CODE = "exports.onExecuteCredentialsExchange = async (event, api) => {};"
ACTION = {"supported_triggers": [{"id": "credentials-exchange"}], "code": CODE}


def conflict(response: httpx.Response) -> str:
    """The message of Auth0's 409 body, after checking the body is Auth0's."""
    assert response.status_code == 409, response.text
    body = response.json()
    assert body == {
        "statusCode": 409,
        "error": "Conflict",
        "message": body["message"],
        "errorCode": "conflict",
    }
    return body["message"]


def test_a_duplicate_answers_409_in_auth0s_shape_naming_what_clashed(stack):
    admin = stack.admin()
    grant = {"client_id": GIFT[0], "audience": WORLDMAPPERS, "scope": []}
    assert conflict(admin.post("/client-grants", json=grant)) == (
        f"A client grant for {GIFT[0]} on {WORLDMAPPERS} already exists"
    )

    assert admin.post("/organizations", json={"name": "acme"}).status_code == 201
    other = admin.post("/organizations", json={"name": "globex"}).json()
    assert conflict(admin.post("/organizations", json={"name": "acme"})) == (
        "An organization named acme already exists"
    )
    renamed = admin.patch(f"/organizations/{other['id']}", json={"name": "acme"})
    assert conflict(renamed) == "An organization named acme already exists"
    assert admin.get(f"/organizations/{other['id']}").json()["name"] == "globex"

    assert admin.post("/actions/actions", json={**ACTION, "name": "tier"}).status_code == 201
    second = admin.post("/actions/actions", json={**ACTION, "name": "other"}).json()
    assert conflict(admin.post("/actions/actions", json={**ACTION, "name": "tier"})) == (
        "An action named tier already exists"
    )
    renamed = admin.patch(f"/actions/actions/{second['id']}", json={"name": "tier"})
    assert conflict(renamed) == "An action named tier already exists"

    client = admin.post("/clients", json={"name": "Twin", "client_id": GIFT[0]})
    assert conflict(client) == f"A client with client_id {GIFT[0]} already exists"
    api = admin.post("/resource-servers", json={"identifier": WORLDMAPPERS})
    assert conflict(api) == "A resource server with the same identifier already exists"


def test_a_change_the_database_cannot_take_answers_503_and_changes_nothing(stack):
    admin = stack.admin()
    # Another writer holds the database past the tenant's busy timeout.
    other = sqlite3.connect(stack.state_dir / "tenant.db", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        busy = admin.post("/organizations", json={"name": "acme"})
        other.execute("ROLLBACK")
    finally:
        other.close()
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "1"
    assert busy.json()["errorCode"] == "database_busy"
    assert admin.get("/organizations").json() == []
    assert admin.post("/organizations", json={"name": "acme"}).status_code == 201


def test_only_the_stores_know_sqlite():
    """SQLite is the stores' business (and the schema's, and the backup's file copy):
    the handlers see the stores' own errors (AlreadyExists, Unavailable)."""
    allowed = {"authority/tables.py", "authority/backup.py"}
    importing = []
    for path in sorted(API_SERVER.rglob("*.py")):
        name = str(path.relative_to(API_SERVER))
        if name.startswith("authority/store/") or name in allowed:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            if any(n.split(".")[0] == "sqlite3" for n in names):
                importing.append(name)
    assert importing == []
