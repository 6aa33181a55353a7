"""The World Mappers API on several processes behind one port, with uvicorn's own worker
support (its Multiprocess supervisor): `serve --only api --workers N`.

Each worker is a fresh process that builds its app from `create_app`, reading what the
serve command decided from the environment, so every worker has its own JWKS cache and
follows key rotations and revocations on its own, within the JWKS max-age.
"""

from __future__ import annotations

import json
import os
import ssl
from dataclasses import replace

SPEC = "M2M_TUI_API_WORKER"  # the environment variable the workers read


def create_app():
    """uvicorn's app factory, run once in each worker process."""
    from .access_log import AccessLog
    from .resource.app import create_api_app
    from .serve import configure_logging, trusted_hosts, tune_gc
    from .settings import server_settings

    spec = json.loads(os.environ[SPEC])
    configure_logging(spec["debug"])
    api = server_settings(spec["table"], spec["source"]).api
    api = replace(api, **{k: v for k, v in spec["api"].items() if v is not None})
    verify: ssl.SSLContext | bool = True
    if spec["ca"]:
        verify = ssl.create_default_context(cafile=spec["ca"])
    app = create_api_app(api, spec["issuer"], spec["base"], verify)
    guarded = trusted_hosts(app, spec["host"], spec["allowed_hosts"])
    tune_gc()
    # The pid in each access line: which worker answered.
    return AccessLog(guarded, f"api_server.api[{os.getpid()}]")


def serve_workers(
    table: dict,
    source: str,
    host: str,
    port: int,
    issuer: str,
    workers: int,
    audience: str | None = None,
    jwks_uri: str | None = None,
    ca: str | None = None,
    debug: bool = False,
    announce=print,
    allowed_hosts: tuple[str, ...] = (),
) -> None:
    """Bind the port once, then let uvicorn start `workers` processes on it."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from .serve import _url_host, bind, exposure_warning

    sock = bind(host, port)
    base = f"http://{_url_host(host)}:{sock.getsockname()[1]}"
    os.environ[SPEC] = json.dumps(
        {
            "table": table,
            "source": source,
            "issuer": issuer,
            "base": base,
            "ca": ca,
            "debug": debug,
            "host": host,
            "allowed_hosts": list(allowed_hosts),
            "api": {"audience": audience, "jwks_uri": jwks_uri},
        }
    )
    config = uvicorn.Config(
        "api_server.workers:create_app",
        factory=True,
        workers=workers,
        log_config=None,
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=3,
    )
    config.host, config.port = sock.getsockname()[:2]
    warning = exposure_warning(host)
    if warning:
        announce(warning)
    announce(
        f"World Mappers API:    {base}/  (issuer {issuer}; {workers} worker processes, "
        "each with its own JWKS cache)"
    )
    announce("Ctrl-C stops every worker")
    Multiprocess(config, sockets=[sock]).run()
