"""A real varnishd, with deploy/varnish/default.vcl, in front of a test's live server.

The VCL is used as shipped; only its backend port is pointed at the live server's. Tests that
need it skip when Varnish is not installed, except in CI (CI=true), where .ci/run installs it.
"""

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

VARNISHD = shutil.which("varnishd") or "/usr/sbin/varnishd"
VCL = Path(settings.BASE_DIR) / "deploy" / "varnish" / "default.vcl"
SECRET = "a-purge-secret-for-tests"  # noqa: S105 - FRONT_CACHE_SECRET of the test's varnishd

needs_varnish = pytest.mark.skipif(
    not Path(VARNISHD).exists() and not os.environ.get("CI"),
    reason="Varnish is not installed (apt-get install -y varnish varnish-modules)",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(backend_port: int, workdir: Path):
    """(process, base URL) of a varnishd whose backend is 127.0.0.1:`backend_port`, which
    takes purges carrying SECRET."""
    vcl = workdir / "default.vcl"
    shipped = VCL.read_text()
    assert '.port = "8000";' in shipped, "the shipped VCL's backend is 127.0.0.1:8000"
    vcl.write_text(shipped.replace('.port = "8000";', f'.port = "{backend_port}";'))
    port = free_port()
    # As root varnishd would switch to its own user, who cannot read a test's private folder.
    jail = ["-j", "none"] if os.geteuid() == 0 else []
    process = subprocess.Popen(  # noqa: S603 - our own arguments
        [VARNISHD, "-F", "-f", str(vcl), "-a", f"127.0.0.1:{port}", "-n", str(workdir / "n"),
         "-s", "malloc,64m", *jail],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        env={**os.environ, "FRONT_CACHE_SECRET": SECRET},
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"varnishd stopped: {process.stdout.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1):  # noqa: S310
                return process, url
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("varnishd did not answer within 20 s")


def stop(process) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
