"""`./dev demo` runs the worker beside the web server, and stopping the demo stops both."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request

import pytest

from .test_messaging_delivery import ROOT


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our own server
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.mark.skipif(
    not (ROOT / ".venv" / "bin" / "python").exists(), reason="./dev has not made .venv here"
)
def test_dev_demo_runs_the_worker_beside_the_web_server_and_stops_both(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        ENPLAN_ADDR=f"127.0.0.1:{port}",
        ENPLAN_WORKER_HEARTBEAT_SECONDS="1",
    )
    log = tmp_path / "demo.log"
    with log.open("wb") as out:
        demo = subprocess.Popen(  # noqa: S603 - the project's own script
            [shutil.which("bash") or "/bin/bash", str(ROOT / "dev"), "demo"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 600
            body: dict = {}
            while time.monotonic() < deadline and demo.poll() is None:
                try:
                    status, body = _get(f"http://127.0.0.1:{port}/readyz")
                    if body["checks"].get("worker", {}).get("ok"):
                        break
                except OSError:
                    pass
                time.sleep(0.5)
            assert body.get("checks", {}).get("worker", {}).get("ok"), log.read_text()[-3000:]
            web_pid, worker_pid = map(
                int, re.search(r"web pid (\d+), worker pid (\d+)", log.read_text()).groups()
            )
            assert _alive(web_pid) and _alive(worker_pid)
        finally:
            demo.send_signal(signal.SIGTERM)
            demo.wait(60)
    deadline = time.monotonic() + 30
    while (_alive(web_pid) or _alive(worker_pid)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(web_pid) and not _alive(worker_pid)
