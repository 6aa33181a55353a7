"""A config and a session on a profile that points at a stack running in the test."""

from __future__ import annotations

from pathlib import Path

from m2m_tui.config.file import load_config
from m2m_tui.session.session import Session


def write_config(path: Path, issuer: str, api_url: str | None, **extra: str) -> Path:
    lines = [
        'default_profile = "gift"',
        "",
        "[profiles.gift]",
        f'issuer = "{issuer}"',
        'client_id = "giftdeliveries"',
        'client_secret = "giftdeliveries-local-secret"',
        'audience = "urn:worldmappers"',
    ]
    if api_url:
        lines.append(f'api_base_url = "{api_url}"')
    lines += [
        "",
        "[profiles.admin]",
        f'issuer = "{issuer}"',
        'client_id = "m2m-admin"',
        'client_secret = "m2m-admin-local-secret"',
        f'audience = "{issuer}api/v2/"',
    ]
    for name, body in extra.items():
        lines += ["", f"[profiles.{name}]", body]
    path.write_text("\n".join(lines) + "\n")
    return path


def make_session(tmp_path: Path, issuer: str, api_url: str | None, **extra: str) -> Session:
    config = load_config(write_config(tmp_path / "config.toml", issuer, api_url, **extra))
    return Session.open(config, tmp_path / "client-state")


def write_org_config(tmp_path, stack, organization: str | None = "acme") -> None:
    """`write_config` for `stack`, its profile naming `organization` (none: left out)."""
    write_config(tmp_path / "config.toml", stack.issuer, stack.api_url)
    if organization:
        text = (tmp_path / "config.toml").read_text()
        text = text.replace(
            'audience = "urn:worldmappers"\n',
            f'audience = "urn:worldmappers"\norganization = "{organization}"\n',
            1,
        )
        (tmp_path / "config.toml").write_text(text)


def local_config(tmp_path: Path):
    """The shipped config with the bundled server moved, as a user moves it: the two
    ports in [server], nothing else (the local profiles follow it)."""
    from tests.conftest import REPO_CONFIG, free_port

    authority, api = free_port(), free_port()
    text = REPO_CONFIG.read_text()
    text = text.replace("authority_port = 7000", f"authority_port = {authority}")
    text = text.replace("api_port = 7001", f"api_port = {api}")
    text = text.replace("routes_port = 7002", f"routes_port = {free_port()}")
    assert ":7000" not in text.split("[server]")[0]  # no profile names the port itself
    path = tmp_path / "config.toml"
    path.write_text(text)
    return load_config(path), authority, api
