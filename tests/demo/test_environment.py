"""The demo's own tenant keeps off the ports a user's bundled servers take."""

from __future__ import annotations

from m2m_tui.bundled_servers import listening
from m2m_tui.demo.environment import start_demo_tenant


def test_the_demo_tenant_binds_none_of_the_shipped_ports_the_routes_api_included():
    tenant = start_demo_tenant(frozenset())  # the bundled servers alone
    try:
        server = tenant.config.server
        ports = {server.authority_port, server.api_port, server.routes_port}
        assert len(ports) == 3 and not ports & {7000, 7001, 7002}
        assert all(listening("127.0.0.1", port) for port in ports)
        assert ":7002" not in (tenant.folder / "config.toml").read_text()
    finally:
        tenant.close()
