"""What the browser tests share: a tab (one context, its own login) that records script errors
and CSP violations, and small helpers."""

from __future__ import annotations

import base64
import contextlib
import itertools
import socket
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.system import RunningSystem

PASSWORD = "interview-pass-1"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as pw_expect

    return pw_expect(locator)


class Tab:
    """One browser context (its own sessionStorage: its own login) with one page, recording
    uncaught script errors and Content-Security-Policy violations."""

    def __init__(
        self,
        browser: Any,
        system: RunningSystem,
        viewport: dict[str, int],
        base_url: str | None = None,
    ) -> None:
        self.context = browser.new_context(viewport=viewport, base_url=base_url or system.url)
        self.context.set_default_timeout(20_000)
        self.page = self.context.new_page()
        self._cdp: Any = None
        self.problems: list[str] = []
        self.page.on("pageerror", lambda error: self.problems.append(f"uncaught: {error}"))
        self.page.on("console", self._console)

    def _console(self, message: Any) -> None:
        text = message.text
        if "Content Security Policy" in text or "Refused to" in text:
            self.problems.append(f"CSP: {text}")

    def close(self) -> None:
        self.context.close()

    def limit_upload(self, bytes_per_second: float | None) -> None:
        """Slow the page's uploads down (Chromium's network emulation); None lifts the limit."""
        if self._cdp is None:
            self._cdp = self.context.new_cdp_session(self.page)
            self._cdp.send("Network.enable")
        self._cdp.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": 0,
                "downloadThroughput": -1,
                "uploadThroughput": -1 if bytes_per_second is None else bytes_per_second,
            },
        )

    def sign_up(self, username: str) -> None:
        page = self.page
        page.goto("/")
        expect(page.locator("#auth-title")).to_have_text("Log in")
        page.click("#auth-switch-link")
        expect(page.locator("#auth-title")).to_have_text("Create an account")
        page.fill("#auth-username", username)
        page.fill("#auth-password", PASSWORD)
        page.click("#auth-submit")
        expect(page.locator("#view-home")).to_be_visible()
        expect(page.locator("#whoami")).to_have_text(username)

    def drop_file(self, selector: str, name: str, data: bytes, mime: str) -> None:
        """Drop a file on an element, as a drag and drop from the desktop does."""
        transfer = self.page.evaluate_handle(
            """([b64, name, type]) => {
                const raw = atob(b64);
                const bytes = new Uint8Array(raw.length);
                for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
                const transfer = new DataTransfer();
                transfer.items.add(new File([bytes], name, { type }));
                return transfer;
            }""",
            [base64.b64encode(data).decode(), name, mime],
        )
        self.page.dispatch_event(selector, "drop", {"dataTransfer": transfer})

    def row(self, job_id: str) -> Any:
        return self.page.locator(f'.job[data-job-id="{job_id}"]')

    def newest_job_id(self) -> str:
        job_id = self.page.locator(".job").first.get_attribute("data-job-id")
        assert job_id
        return job_id


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


class CuttableLink:
    """A TCP relay on loopback between the browser and the system: the page's network, which a
    test can cut (every open connection is torn down, new ones are refused) and restore."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self._cut = threading.Event()
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self._cut.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=10)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._sockets.update((client, upstream))
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            self._drop(src, dst)

    def _drop(self, *socks: socket.socket) -> None:
        for sock in socks:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # wakes the other pump's recv()
            sock.close()
            with self._lock:
                self._sockets.discard(sock)

    def cut(self) -> None:
        self._cut.set()
        with self._lock:
            open_now = list(self._sockets)
        self._drop(*open_now)

    def restore(self) -> None:
        self._cut.clear()

    def close(self) -> None:
        self._closed.set()
        self.cut()
        self.listener.close()


@dataclass
class Decoded:
    video_end: float
    audio_end: float
    keyframes: list[float]
    audio_starts: list[float]
    audio_ends: list[float]

    @property
    def seconds(self) -> float:
        return max(self.video_end, self.audio_end)


def decode(path: Path) -> Decoded:
    """Every frame of a video file, decoded with PyAV (the analysis' own decoder)."""
    import av

    video: list[float] = []
    keyframes: list[float] = []
    starts: list[float] = []
    ends: list[float] = []
    with av.open(str(path)) as container:
        assert container.streams.video and container.streams.audio, "video and audio expected"
        for frame in container.decode(*container.streams):
            if frame.pts is None or frame.time_base is None:
                continue
            t = float(frame.pts * frame.time_base)
            if isinstance(frame, av.VideoFrame):
                video.append(t)
                if frame.key_frame:
                    keyframes.append(t)
            elif isinstance(frame, av.AudioFrame):
                starts.append(t)
                ends.append(t + frame.samples / frame.sample_rate)
    assert len(video) > 10 and starts, f"{path.name}: too few frames decoded"
    gaps = sorted(b - a for a, b in itertools.pairwise(video))
    return Decoded(video[-1] + gaps[len(gaps) // 2], ends[-1], keyframes, starts, ends)
