"""Speaking to a bundled tenant over mutual TLS: certificate files, a client that trusts
the tenant's local CA (with a client certificate or none), a Management API client."""

from __future__ import annotations

import ssl
from pathlib import Path

import httpx


def files(folder: Path, name: str, pem: tuple[str, str]) -> tuple[Path, Path]:
    cert, key = folder / f"{name}.pem", folder / f"{name}-key.pem"
    cert.write_text(pem[0])
    key.write_text(pem[1])
    return cert, key


def client(stack, cert: tuple[Path, Path] | None = None) -> httpx.Client:
    context = ssl.create_default_context(cafile=str(stack.state_dir / "tls" / "ca.pem"))
    if cert is not None:
        context.load_cert_chain(str(cert[0]), str(cert[1]))
    return httpx.Client(verify=context, timeout=30)


def admin(stack) -> httpx.Client:
    http = client(stack)
    token = http.post(
        stack.issuer + "oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "m2m-admin",
            "client_secret": "m2m-admin-local-secret",
            "audience": stack.issuer + "api/v2/",
        },
    ).json()["access_token"]
    http.headers["Authorization"] = f"Bearer {token}"
    return http
