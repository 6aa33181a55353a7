"""TLS mode: a local CA and a certificate for 127.0.0.1 and localhost, generated once.

Clients that insist on `https://DOMAIN/...` (Auth0's SDKs, the original sample)
work against the bundled server by trusting `<state-dir>/tls/ca.pem`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from oauth_primitives.private_files import ensure_private_dir, write_private_file


@dataclass(frozen=True)
class TlsFiles:
    ca: Path
    cert: Path
    key: Path
    # The CA that issues client certificates for tls_client_auth (RFC 8705 §2.1), which
    # the TLS listeners trust; `m2m-tui certs create --issued` uses its key.
    client_ca: Path | None = None
    client_ca_key: Path | None = None


def ensure_tls_files(state_dir: Path) -> TlsFiles:
    folder = ensure_private_dir(state_dir / "tls")
    files = TlsFiles(
        folder / "ca.pem",
        folder / "server.pem",
        folder / "server-key.pem",
        folder / "client-ca.pem",
        folder / "client-ca-key.pem",
    )
    if not (files.client_ca.exists() and files.client_ca_key.exists()):
        from oauth_primitives.x509 import make_ca

        cert, key = make_ca("m2m-tui local client CA")
        write_private_file(files.client_ca_key, key.encode())
        write_private_file(files.client_ca, cert.encode())
        files.client_ca.chmod(0o644)  # public: clients and APIs may read it
    if not (files.ca.exists() and files.cert.exists() and files.key.exists()):
        import trustme

        ca = trustme.CA(organization_name="m2m-tui local CA")
        leaf = ca.issue_cert("127.0.0.1", "localhost", "::1")
        write_private_file(files.ca, ca.cert_pem.bytes())
        files.ca.chmod(0o644)  # the CA certificate is public; clients read it
        write_private_file(files.cert, b"".join(b.bytes() for b in leaf.cert_chain_pems))
        write_private_file(files.key, leaf.private_key_pem.bytes())
    return files
