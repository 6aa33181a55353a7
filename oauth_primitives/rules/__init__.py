"""The rule book: every rule a resource server applies to an access token (RFC 7515,
RFC 7519, RFC 9068, RFC 6750) and to a DPoP proof (RFC 9449), written once.

Each rule returns a `Finding` (a code from a closed set, and the values involved) or
nothing. The bundled API turns the first finding into its RFC 6750 answer; the
diagnosis runs them all and explains each. Neither decides anything on a sentence."""

from .findings import Code, Finding

__all__ = ["Code", "Finding"]
