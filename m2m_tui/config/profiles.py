"""The active profile: the config's entry, overridden by the original sample's variables,
with the issuer normalised and the secret resolved at the moment it is needed."""

from __future__ import annotations

import os
from dataclasses import replace
from urllib.parse import urlsplit

from m2m_tui.config.file import Config, ConfigError
from m2m_tui.config.profile import TLS_METHODS, Profile
from oauth_primitives.issuer import normalise_issuer

SAMPLE_ENV = ("AUTH0_DOMAIN", "AUTH0_CLIENT_ID", "AUTH0_CLIENT_SECRET", "RESOURCE_SERVER")


class SecretUnavailable(Exception):
    """The profile's secret cannot be had (an unset variable, or a prompt with no answer)."""


def select_profile(config: Config, name: str | None = None) -> Profile:
    """`name`, else `default_profile`, else the first; with the sample's variables applied."""
    if not config.profiles:
        raise ConfigError(f"{config.path}: no [profiles.*] defined")
    chosen = name or config.default_profile or next(iter(config.profiles))
    if chosen not in config.profiles:
        known = ", ".join(config.profiles)
        raise ConfigError(f"{config.path}: no profile named {chosen!r} (known: {known})")
    return apply_sample_env(config.profiles[chosen])


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
    if profile.auth_method in ("private_key_jwt", *TLS_METHODS):
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
            raise SecretUnavailable(f"profile {profile.name} asks for its secret at run time")
        return prompted
    if profile.client_secret:
        return profile.client_secret
    raise SecretUnavailable(
        f"profile {profile.name} has no secret: set client_secret_env or client_secret_prompt"
    )


def is_local(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host in ("127.0.0.1", "localhost", "::1")
