"""Client certificates for mutual TLS (RFC 8705): the certificate thumbprint a bound
token names (`cnf.x5t#S256`, §3.1), the names `tls_client_auth` matches (§2.1.2), and
self-signed or locally issued certificates to try it with. Shared by the client and the
bundled servers, so both compute a thumbprint the same way."""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from . import base64url


def load_certificate(pem: str | bytes) -> x509.Certificate:
    """The first certificate of a PEM; ValueError when there is none."""
    data = pem.encode() if isinstance(pem, str) else pem
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError:
        raise ValueError("not a PEM-encoded X.509 certificate") from None


def der_of(pem: str | bytes) -> bytes:
    return load_certificate(pem).public_bytes(serialization.Encoding.DER)


def pem_of(der: bytes) -> str:
    return x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM).decode()


def thumbprint(der: bytes) -> str:
    """RFC 8705 §3.1: base64url of the SHA-256 of the certificate's DER, `x5t#S256`."""
    return base64url.encode(hashlib.sha256(der).digest())


@dataclass(frozen=True)
class Names:
    """What RFC 8705 §2.1.2 lets a client be registered by: its subject DN (RFC 4514),
    or one subjectAltName of each kind."""

    subject_dn: str
    san_dns: tuple[str, ...] = ()
    san_uri: tuple[str, ...] = ()
    san_ip: tuple[str, ...] = ()
    san_email: tuple[str, ...] = ()


def names_of(cert: x509.Certificate) -> Names:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        # No subjectAltName: the subject DN alone. (cryptography 51 refuses to build an
        # empty SubjectAlternativeName, which this once stood in for.)
        return Names(cert.subject.rfc4514_string())
    return Names(
        cert.subject.rfc4514_string(),
        tuple(san.get_values_for_type(x509.DNSName)),
        tuple(san.get_values_for_type(x509.UniformResourceIdentifier)),
        tuple(str(ip) for ip in san.get_values_for_type(x509.IPAddress)),
        tuple(san.get_values_for_type(x509.RFC822Name)),
    )


def same_dn(a: str, b: str) -> bool:
    """Two RFC 4514 subject DNs, compared as names: their attributes and order, not
    their spelling (spaces after commas, escaping)."""
    try:
        return x509.Name.from_rfc4514_string(a) == x509.Name.from_rfc4514_string(b)
    except ValueError:  # not RFC 4514: only the same text is the same name
        return a.strip() == b.strip()


def is_self_signed(cert: x509.Certificate) -> bool:
    if cert.issuer != cert.subject:
        return False
    try:
        cert.verify_directly_issued_by(cert)
    except Exception:  # InvalidSignature, or a key type it cannot verify with
        return False
    return True


def make_certificate(
    common_name: str,
    days: int = 365,
    issuer: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None = None,
    dns: tuple[str, ...] = (),
) -> tuple[str, str]:
    """(certificate PEM, private key PEM) of a new P-256 client certificate for
    `common_name`: self-signed, or issued by `issuer` (a CA certificate and its key)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer[0].subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    )
    if dns:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(d) for d in dns]), critical=False
        )
    cert = builder.sign(issuer[1] if issuer else key, hashes.SHA256())
    return _pems(cert, key)


def _pems(cert: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> tuple[str, str]:
    """(certificate PEM, unencrypted PKCS#8 private key PEM)."""
    return (
        cert.public_bytes(serialization.Encoding.PEM).decode(),
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode(),
    )


def load_issuer(folder: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """The local client CA `serve --tls` writes into `folder` (client-ca.pem and its key),
    as `make_certificate` takes an issuer."""
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    return (
        load_certificate((folder / "client-ca.pem").read_bytes()),
        load_pem_private_key((folder / "client-ca-key.pem").read_bytes(), None),
    )


def make_ca(common_name: str) -> tuple[str, str]:
    """(certificate PEM, private key PEM) of a CA that issues client certificates."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return _pems(cert, key)
