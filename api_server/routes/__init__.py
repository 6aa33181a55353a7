"""The Routes API: World Mappers' downstream, a second resource server standing alone,
serving only calls made on a caller's behalf (RFC 8693 token exchange)."""
