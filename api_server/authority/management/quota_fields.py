"""Auth0's `token_quota` (on clients and organizations) and `default_token_quota` (the
tenant's settings) as the Management API takes them, checked against Auth0's schema:
`client_credentials` holds `enforce` (a boolean, true when left out), `per_hour` and
`per_day` (integers from 1 to 2147483647), and at least one of them; no other property
anywhere; null removes the quota. Refusals are Auth0's 400 `invalid_body`, worded as its
API words them (z-schema's messages, with the property's path)."""

from __future__ import annotations

from ..models import TokenQuota
from .errors import ManagementError, bad_request

MAXIMUM = 2147483647
BUCKETS = ("per_hour", "per_day")
SETTINGS = ("enforce", *BUCKETS)
DEFAULT_KINDS = ("clients", "organizations")


def _refused(problem: str, path: str) -> ManagementError:
    return bad_request(f"'{problem}' on property {path}.")


def _type_of(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return {str: "string", list: "array", dict: "object"}.get(type(value), "unknown")


def _object(value: object, path: str, allowed: tuple[str, ...]) -> dict:
    if not isinstance(value, dict):
        raise _refused(f"Expected type object but found type {_type_of(value)}", path)
    extra = [k for k in value if k not in allowed]
    if extra:
        raise _refused(f"Additional properties not allowed: {', '.join(extra)}", path)
    return value


def client_credentials(value: object, path: str) -> TokenQuota:
    """`{"client_credentials": {...}}` at `path`, checked."""
    outer = _object(value, path, ("client_credentials",))
    if "client_credentials" not in outer:
        raise _refused("Missing required property: client_credentials", path)
    path = f"{path}.client_credentials"
    settings = _object(outer["client_credentials"], path, SETTINGS)
    if not settings:
        raise _refused("Too few properties defined (0), minimum 1", path)
    enforce = settings.get("enforce", True)
    if not isinstance(enforce, bool):
        raise _refused(
            f"Expected type boolean but found type {_type_of(enforce)}", f"{path}.enforce"
        )
    limits: dict[str, int | None] = {}
    for bucket in BUCKETS:
        limits[bucket] = n = settings.get(bucket)
        where = f"{path}.{bucket}"
        if bucket not in settings:
            continue
        if isinstance(n, bool) or not isinstance(n, int):  # null too: leave it out instead
            raise _refused(f"Expected type integer but found type {_type_of(n)}", where)
        if n < 1:
            raise _refused(f"Value {n} is less than minimum 1", where)
        if n > MAXIMUM:
            raise _refused(f"Value {n} is greater than maximum {MAXIMUM}", where)
    return TokenQuota(enforce, limits["per_hour"], limits["per_day"])


def token_quota(data: dict) -> tuple[bool, TokenQuota | None]:
    """A client's or an organization's `token_quota` in a request body: (whether it was
    given, the quota or None to remove it)."""
    if "token_quota" not in data:
        return False, None
    value = data["token_quota"]
    return True, None if value is None else client_credentials(value, "token_quota")


def default_token_quota(value: object) -> dict | None:
    """The tenant's `default_token_quota`: its shape as stored, or None to remove it."""
    if value is None:
        return None
    path = "default_token_quota"
    given = _object(value, path, DEFAULT_KINDS)
    if not given:
        raise _refused("Too few properties defined (0), minimum 1", path)
    return {kind: client_credentials(q, f"{path}.{kind}").to_api() for kind, q in given.items()}
