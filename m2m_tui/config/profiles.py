"""The active profile: the config's entry, overridden by the original sample's variables,
with the issuer normalised and the secret resolved at the moment it is needed."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

from m2m_tui.config.file import Config, ConfigError
from m2m_tui.config.profile import TLS_METHODS, Profile
from oauth_primitives.issuer import normalise_issuer
from oauth_primitives.rules.closed_sets import AuthMethod

SAMPLE_ENV = ("AUTH0_DOMAIN", "AUTH0_CLIENT_ID", "AUTH0_CLIENT_SECRET", "RESOURCE_SERVER")


class SecretUnavailable(Exception):
    """The profile's secret cannot be had (an unset variable, or a prompt with no answer)."""


class SecretNotTyped(SecretUnavailable):
    """The profile asks for its secret at run time, and it has not been typed yet."""


def select_profile(config: Config, name: str | None = None) -> Profile:
    """`name`, else `default_profile`, else the first; with the sample's variables applied."""
    if not config.profiles:
        raise ConfigError(f"{config.path}: no [profiles.*] defined")
    chosen = name or config.default_profile or next(iter(config.profiles))
    if chosen not in config.profiles:
        known = ", ".join(config.profiles)
        raise ConfigError(f"{config.path}: no profile named {chosen!r} (known: {known})")
    return apply_sample_env(config.profiles[chosen])


def with_bundled_ca(profile: Profile, state_dir: Path) -> Profile:
    """A `bundled = "https"` profile that names no ca_file trusts the bundled server's
    local CA: the one `m2m-tui serve --tls` makes in the state folder."""
    if profile.bundled == "https" and not profile.ca_file:
        return replace(profile, ca_file=str(bundled_ca(state_dir)))
    return profile


def bundled_ca(state_dir: Path) -> Path:
    return state_dir / "tls" / "ca.pem"


def apply_sample_env(profile: Profile, env: dict[str, str] | None = None) -> Profile:
    env = os.environ if env is None else env
    changes: dict[str, object] = {}
    if env.get("AUTH0_DOMAIN"):
        changes["issuer"] = env["AUTH0_DOMAIN"]
    if env.get("AUTH0_CLIENT_ID"):
        changes["client_id"] = env["AUTH0_CLIENT_ID"]
    if env.get("AUTH0_CLIENT_SECRET"):
        # By reference: the secret itself stays in the environment, never in the profile.
        changes.update(
            client_secret=None, client_secret_env="AUTH0_CLIENT_SECRET", client_secret_prompt=False
        )
    if env.get("RESOURCE_SERVER"):
        changes["audience"] = env["RESOURCE_SERVER"]
    profile = replace(profile, **changes)
    return replace(profile, issuer=normalise_issuer(profile.issuer))


def profiles_at(config: Config, issuer: str) -> list[Profile]:
    """The config's profiles for this issuer, issuers normalised (environment not applied:
    these are other clients than the active one)."""
    found = []
    for profile in config.profiles.values():
        normalised = replace(profile, issuer=normalise_issuer(profile.issuer))
        if normalised.issuer == issuer:
            found.append(normalised)
    return found


def overridden_by_env(env: dict[str, str] | None = None) -> list[str]:
    env = os.environ if env is None else env
    return [name for name in SAMPLE_ENV if env.get(name)]


def resolve_secret(profile: Profile, prompted: str | None = None) -> str | None:
    """The client secret, or None for private_key_jwt and mutual TLS. Raises
    SecretUnavailable."""
    if AuthMethod(profile.auth_method).by_credential:
        return None
    if profile.client_secret_env:
        value = os.environ.get(profile.client_secret_env)
        if not value:
            raise SecretUnavailable(
                f"the environment variable {profile.client_secret_env} is not set "
                f"(profile {profile.name} reads its secret from it)"
            )
        return value
    if profile.client_secret_prompt:
        if not prompted:
            raise SecretNotTyped(f"profile {profile.name} asks for its secret at run time")
        return prompted
    if profile.client_secret:
        return profile.client_secret
    raise SecretUnavailable(
        f"profile {profile.name} has no secret: set client_secret_env or client_secret_prompt"
    )


def missing_credential(profile: Profile, prompted: str | None = None) -> str | None:
    """Why the client's credential cannot be had at all, or None: an unset variable, a
    private key or client certificate file that is not there. Asked before the token
    cache: a cached token must not answer for a credential that is gone, as if the
    command had worked. A secret still to be typed is not missing (the app asks for it)."""
    files: list[tuple[str | None, str]] = []
    if profile.auth_method == AuthMethod.PRIVATE_KEY_JWT:
        if not profile.private_key_file:
            return f"profile {profile.name} uses private_key_jwt but has no private_key_file"
        files.append((profile.private_key_file, "private_key_file"))
    if profile.client_certificate or profile.auth_method in TLS_METHODS:
        files += [(profile.client_certificate, "client_certificate")]
        files += [(profile.client_key, "client_key")]
    for name, what in files:
        path = Path(name or "").expanduser()
        if not name or not path.is_file():
            return f"profile {profile.name}: {what} {name or '(none)'} does not exist"
        if not os.access(path, os.R_OK):
            return f"profile {profile.name}: {what} {name} cannot be read"
    try:
        resolve_secret(profile, prompted)
    except SecretNotTyped:
        return None
    except SecretUnavailable as exc:
        return str(exc)
    return None


def credential_hint(profile: Profile) -> str:
    """What to do about a missing credential, for the hint line."""
    if AuthMethod(profile.auth_method).by_secret:
        if profile.client_secret_env:
            return f"export {profile.client_secret_env}=… (the secret), or fix the profile."
    if profile.client_certificate or profile.auth_method in TLS_METHODS:
        return "`m2m-tui certs create NAME` makes a certificate and its key; or fix the profile."
    return "Fix the profile in the config file."


def is_local(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host in ("127.0.0.1", "localhost", "::1")
