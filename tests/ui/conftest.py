"""Fixtures of the app tests: one real Streamlit server and one headless Chromium per session."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from planner.cli import streamlit_flags

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "tests" / "screenshots"
SERVER_START_S = 90.0
#: Playwright's wait for a check, as for an action (its default for a check is 5 s).
ACTION_TIMEOUT_MS = 30_000
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    # deck.gl needs WebGL: software rendering, or the map canvas stays blank.
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
]
# Loopback requests must not go through a proxy taken from the environment.
_LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with _LOCAL.open(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright (skips when it is not installed)."""
    if not CHROMIUM.is_file():
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install -y chromium)")
    from playwright.sync_api import expect, sync_playwright

    # the page shares two cores with the other test process: give a check as long as an action
    expect.set_options(timeout=ACTION_TIMEOUT_MS)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def streamlit_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``streamlit run ui/app.py`` with the CLI's flags on a free port; yields its base URL."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "ui/app.py", *streamlit_flags(port)],
            cwd=ROOT,
            env=os.environ | {"PYTHONWARNINGS": "ignore"},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + SERVER_START_S
        while not _healthy(url):
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"Streamlit did not start on {url}:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@dataclass
class AppPage:
    """A browser tab on the app, with every URL it requested."""

    page: Any
    url: str
    requests: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    sent: int = 0
    """Messages the page sent its server (each rerun a widget asks for is one)."""


def _record_failure(app: AppPage, request: Any) -> None:
    """Keep a request that failed to load; skip one the page cancelled itself.

    Chromium reports ``net::ERR_ABORTED`` when the page drops a request it no longer needs (a
    map re-mounted by a rerun while its style file loaded); that is no failure to load, and
    the tests check separately that the maps draw.
    """
    if request.failure != "net::ERR_ABORTED":
        app.failed.append(f"{request.url}: {request.failure}")


def _watch_socket(app: AppPage, socket_: Any) -> None:
    """Record the page's websocket and count the messages it sends."""
    app.requests.append(socket_.url)

    def count(_payload: object) -> None:
        app.sent += 1

    socket_.on("framesent", count)


@pytest.fixture
def app_page(chromium: Any, streamlit_server: str) -> Iterator[AppPage]:
    """A fresh browser context (a new Streamlit session) recording its requests."""
    context = chromium.new_context(viewport={"width": 1400, "height": 1100}, accept_downloads=True)
    page = context.new_page()
    app = AppPage(page, streamlit_server)
    page.on("request", lambda request: app.requests.append(request.url))
    page.on("websocket", lambda socket_: _watch_socket(app, socket_))
    page.on("requestfailed", lambda request: _record_failure(app, request))
    try:
        yield app
    finally:
        context.close()
