from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import require
from tests.support.system import RunningSystem, running_system

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def live_system(request: pytest.FixtureRequest) -> RunningSystem:
    return running_system(request.config)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def playwright() -> Iterator[Any]:
    """One Playwright driver for the session (its sync API cannot run twice at once)."""
    require(
        shutil.which("chromium") is not None, "Chromium is not installed (apt-get install chromium)"
    )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require(False, "playwright is not installed (pip install -e '.[dev]')")
        raise
    with sync_playwright() as driver:
        yield driver


def _chromium(playwright: Any, extra_args: list[str]) -> Iterator[Any]:
    """The system's Chromium driven by Playwright (never a downloaded browser)."""
    browser = playwright.chromium.launch(
        executable_path=shutil.which("chromium") or CHROMIUM, args=CHROMIUM_ARGS + extra_args
    )
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture(scope="module")
def browser(playwright: Any) -> Iterator[Any]:
    yield from _chromium(playwright, [])


@pytest.fixture(scope="session")
def fake_capture(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The camera and microphone Chromium fakes: the generator's face and a Piper voice."""
    from tests.media.capture import make_fake_capture

    return make_fake_capture(tmp_path_factory.mktemp("capture"))


def _fake_devices(fake_capture: tuple[Path, Path]) -> list[str]:
    video, audio = fake_capture
    return [
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
        f"--use-file-for-fake-audio-capture={audio}",
    ]


@pytest.fixture(scope="module")
def camera_browser(playwright: Any, fake_capture: tuple[Path, Path]) -> Iterator[Any]:
    """Chromium with the fake camera and microphone, whose use the (fake) user always allows."""
    yield from _chromium(
        playwright, ["--use-fake-ui-for-media-stream", *_fake_devices(fake_capture)]
    )


@pytest.fixture(scope="module")
def refusing_browser(playwright: Any, fake_capture: tuple[Path, Path]) -> Iterator[Any]:
    """Chromium with the same devices but no fake consent: headless, every request to use the
    camera is refused, as when a user answers "Block"."""
    yield from _chromium(playwright, _fake_devices(fake_capture))
