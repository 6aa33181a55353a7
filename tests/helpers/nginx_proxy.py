"""nginx from Debian as a reverse proxy in front of a server, two ways:
- configured the way people get it wrong: `proxy_set_header Authorization ""` drops
  the token before the API sees it;
- as a TLS edge for mutual TLS (RFC 8705), the way Auth0's custom domains take client
  certificates: `ssl_verify_client optional_no_ca`, the certificate forwarded URL-encoded
  in `client-certificate`, and `client-certificate-ca-verified`.
Loopback only, on a free port; stopped by the test that started it."""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.conftest import free_port
from tests.helpers.processes import Child, spawn

TEMP_PATHS = """
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
"""
EDGE = """
worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 64; }}
http {{
  access_log off;
  {temp}
  server {{
    listen 127.0.0.1:{port} ssl;
    ssl_certificate {cert};
    ssl_certificate_key {key};
    # Any client certificate is taken (a self-signed one too); whether the client CA
    # issued it is said in client-certificate-ca-verified.
    ssl_verify_client optional_no_ca;
    ssl_client_certificate {client_ca};
    location / {{
      proxy_pass {upstream};
      proxy_set_header client-certificate $ssl_client_escaped_cert;
      proxy_set_header client-certificate-ca-verified $ssl_client_verify;
    }}
  }}
}}
"""
CONFIG = """
worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 64; }}
http {{
  access_log off;
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass {upstream};
      # The mistake under test: the token never reaches the API.
      proxy_set_header Authorization "";
    }}
  }}
}}
"""


def nginx_binary() -> str:
    found = shutil.which("nginx", path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")
    assert found, "nginx is needed (Debian's nginx package; .ci/run installs it)"
    return found


@dataclass
class Proxy:
    url: str
    proc: Child
    folder: Path

    def stop(self) -> None:
        self.proc.stop()  # the master and its worker: one process group


def start_dropping_proxy(upstream: str, folder: Path) -> Proxy:
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    text = CONFIG.format(dir=folder, port=port, upstream=upstream.rstrip("/"))
    return _start(folder, text, f"http://127.0.0.1:{port}", verify=True)


def start_tls_edge(upstream: str, folder: Path, tls) -> Proxy:
    """nginx terminating TLS for `upstream`, with `tls` (api_server.tls.TlsFiles): its
    server certificate, and the client CA whose certificates it calls verified."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    text = EDGE.format(
        dir=folder,
        port=port,
        temp=TEMP_PATHS.format(dir=folder),
        cert=tls.cert,
        key=tls.key,
        client_ca=tls.client_ca,
        upstream=upstream.rstrip("/"),
    )
    return _start(
        folder, text, f"https://127.0.0.1:{port}", ssl.create_default_context(cafile=str(tls.ca))
    )


def _start(folder: Path, text: str, url: str, verify) -> Proxy:
    conf = folder / "nginx.conf"
    conf.write_text(text)
    proc = spawn(
        [nginx_binary(), "-c", str(conf), "-p", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    with proc.stopped_on_error():
        while True:
            assert proc.poll() is None, (folder / "error.log").read_text()
            try:
                httpx.get(url + "/", timeout=2, verify=verify)
                return Proxy(url, proc, folder)
            except httpx.TransportError:
                assert time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.1)
