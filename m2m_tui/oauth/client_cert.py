"""The profile's client certificate for mutual TLS (RFC 8705): read and checked once
(the key private, the pair matching), and the TLS context that presents it, kept per
certificate, since loading the CAs is most of what a context costs."""

from __future__ import annotations

import functools
import ssl
from dataclasses import dataclass
from pathlib import Path

from m2m_tui.config.profile import Profile
from oauth_primitives import x509
from oauth_primitives.private_files import others_can_read


class CertificateProblem(ValueError):
    """The profile's certificate or key cannot be used; the message says why and how."""


@dataclass(frozen=True)
class ClientCertificate:
    cert: Path
    key: Path
    thumbprint: str  # x5t#S256, what a token bound to it carries in cnf
    subject_dn: str
    self_signed: bool

    @classmethod
    def of(cls, profile: Profile) -> ClientCertificate | None:
        """The profile's certificate, or None when it names none. CertificateProblem
        when a file is missing, not PEM, or the key is readable by others."""
        if not profile.client_certificate or not profile.client_key:
            return None
        cert = Path(profile.client_certificate).expanduser()
        key = Path(profile.client_key).expanduser()
        for path, what in ((cert, "client_certificate"), (key, "client_key")):
            if not path.is_file():
                raise CertificateProblem(
                    f"profile {profile.name}: {what} {path} does not exist "
                    "(`m2m-tui certs create NAME` makes a certificate and its key)"
                )
        loose = others_can_read(key)
        if loose:
            raise CertificateProblem(f"profile {profile.name}: the client key {loose}")
        try:
            parsed = x509.load_certificate(cert.read_bytes())
        except ValueError:
            raise CertificateProblem(
                f"profile {profile.name}: {cert} is not a PEM certificate"
            ) from None
        return cls(
            cert,
            key,
            x509.thumbprint(x509.der_of(cert.read_bytes())),
            x509.names_of(parsed).subject_dn,
            x509.is_self_signed(parsed),
        )

    def context(
        self, cert_file: str | None, cert_dir: str | None, ca_file: str | None = None
    ) -> ssl.SSLContext:
        """A client TLS context that trusts what httpx trusts (and `ca_file`), and
        presents this pair."""
        return _context(str(self.cert), str(self.key), cert_file, cert_dir, ca_file)


def trusting(ca_file: str, cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    """What httpx trusts, and the profile's `ca_file` beside it."""
    return _context(None, None, cert_file, cert_dir, ca_file)


@functools.cache
def _context(
    cert: str | None,
    key: str | None,
    cert_file: str | None,
    cert_dir: str | None,
    ca_file: str | None,
) -> ssl.SSLContext:
    import httpx

    context = httpx.create_ssl_context()
    if ca_file:
        try:
            context.load_verify_locations(cafile=str(Path(ca_file).expanduser()))
        except (ssl.SSLError, OSError) as exc:
            raise CertificateProblem(f"ca_file {ca_file} cannot be read as PEM: {exc}") from None
    if cert is None or key is None:
        return context
    try:
        context.load_cert_chain(cert, key)
    except (ssl.SSLError, OSError) as exc:
        raise CertificateProblem(
            f"the client certificate {cert} and key {key} do not go together: {exc}"
        ) from None
    return context


def another_certificate(state_dir: Path, ca_file: str | None = None) -> ClientCertificate:
    """A certificate that is not the profile's, for the tamper lab: issued by the bundled
    server's local client CA when it can be found (beside the profile's `ca_file`, which
    `serve --tls` writes into the same folder, or in this state folder), so that its
    listeners take it and the API judges the binding; else self-signed (an edge takes
    any)."""
    from oauth_primitives.private_files import ensure_private_dir, write_private_file

    issuer = None
    folders = [Path(ca_file).expanduser().parent] if ca_file else []
    found = [f for f in (*folders, state_dir / "tls") if (f / "client-ca-key.pem").exists()]
    if found and (found[0] / "client-ca.pem").exists():
        ca = found[0]
        issuer = x509.load_issuer(ca)
    cert, key = x509.make_certificate("m2m-tui tamper lab", 1, issuer)
    folder = ensure_private_dir(state_dir / "certs" / "lab")
    write_private_file(folder / "other.pem", cert)
    write_private_file(folder / "other-key.pem", key)
    parsed = x509.load_certificate(cert)
    return ClientCertificate(
        folder / "other.pem",
        folder / "other-key.pem",
        x509.thumbprint(x509.der_of(cert)),
        x509.names_of(parsed).subject_dn,
        issuer is None,
    )
