"""nginx from Debian as a reverse proxy in front of an API, configured the way people get
it wrong: `proxy_set_header Authorization ""` drops the token before the API sees it.
Loopback only, on a free port; stopped by the test that started it."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.conftest import free_port

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
    proc: subprocess.Popen
    folder: Path

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


def start_dropping_proxy(upstream: str, folder: Path) -> Proxy:
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    conf = folder / "nginx.conf"
    conf.write_text(CONFIG.format(dir=folder, port=port, upstream=upstream.rstrip("/")))
    proc = subprocess.Popen(
        [nginx_binary(), "-c", str(conf), "-p", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        assert proc.poll() is None, (folder / "error.log").read_text()
        try:
            httpx.get(url + "/", timeout=2)
            return Proxy(url, proc, folder)
        except httpx.TransportError:
            assert time.monotonic() < deadline, "nginx did not start"
            time.sleep(0.1)
