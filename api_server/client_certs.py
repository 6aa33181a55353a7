"""The client certificate of a request (RFC 8705): from our own TLS listener, or from a
trusted edge that terminated TLS and forwarded it, as Auth0's custom domains take it.

Uvicorn does not yet hand the client certificate to the application: the ASGI TLS
extension (`scope["extensions"]["tls"]`) is not in a release. `ClientCertProtocol`
fills its `client_cert_chain` from the connection's SSL object, per connection, and is
the only code here that knows uvicorn's protocol class. Delete it, and use the scope as
it comes, once uvicorn ships the extension."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from urllib.parse import unquote

from uvicorn.protocols.http.h11_impl import H11Protocol

from oauth_primitives import x509

# Auth0's custom-domain edge headers: the certificate as URL-encoded PEM, and whether
# the edge's CA verified it ("SUCCESS", else why not).
EDGE_CERT = "client-certificate"
EDGE_VERIFIED = "client-certificate-ca-verified"


class ClientCertProtocol(H11Protocol):
    """uvicorn's h11 protocol, with the ASGI TLS extension's client certificate."""

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        ssl_object = transport.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
        if not der:
            return
        chain = [x509.pem_of(der)]
        inner = self.app

        async def with_certificate(scope, receive, send):
            if scope["type"] in ("http", "websocket"):
                extensions = dict(scope.get("extensions") or {})
                extensions["tls"] = {"client_cert_chain": chain, "client_cert_error": None}
                scope = {**scope, "extensions": extensions}
            await inner(scope, receive, send)

        self.app = with_certificate


@dataclass(frozen=True)
class Presented:
    """A client certificate as the request presented it, and who vouched for it."""

    der: bytes
    ca_verified: bool  # a CA the listener (or the edge) trusts issued it
    via_edge: bool = False

    @property
    def thumbprint(self) -> str:
        return x509.thumbprint(self.der)


def presented(scope: dict, trusted_edges: frozenset[str] = frozenset()) -> Presented | None:
    """The request's client certificate: from the TLS extension of our own listener
    (whose handshake verified it against the trust store), or from the edge headers when
    the peer is a trusted edge; None when there is none. Edge headers from anyone else
    are ignored: a client could otherwise claim any certificate."""
    extensions = scope.get("extensions")  # most requests carry none: nothing built then
    tls = extensions.get("tls") if extensions else None
    chain = tls.get("client_cert_chain") if tls else None
    if chain:
        return Presented(x509.der_of(chain[0]), ca_verified=True)
    client = scope.get("client")
    if not trusted_edges or not client or client[0] not in trusted_edges:
        return None
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    pem = headers.get(EDGE_CERT)
    if not pem:
        return None
    try:
        der = x509.der_of(unquote(pem))
    except ValueError:
        return None
    return Presented(der, headers.get(EDGE_VERIFIED) == "SUCCESS", via_edge=True)


class ClientTrust:
    """What our TLS listeners accept a client certificate from: the local client CA,
    and each certificate registered for `self_signed_tls_client_auth` (a self-signed
    certificate is its own trust anchor). Python's ssl cannot take a certificate it does
    not verify, as nginx's optional_no_ca does; so a registered one is added to the live
    contexts as it is registered."""

    def __init__(self) -> None:
        self.contexts: list[ssl.SSLContext] = []
        self.anchors: list[str] = []

    def attach(self, context: ssl.SSLContext) -> None:
        context.verify_mode = ssl.CERT_OPTIONAL  # asked for, never required: Bearer too
        for pem in self.anchors:
            context.load_verify_locations(cadata=pem)
        self.contexts.append(context)

    def add(self, pem: str) -> None:
        if pem in self.anchors:
            return
        self.anchors.append(pem)
        for context in self.contexts:
            context.load_verify_locations(cadata=pem)
