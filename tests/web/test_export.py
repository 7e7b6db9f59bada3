"""The user's data in a real Chromium: the report downloads as an HTML page that opens from disk
with the network off; the report page prints without its controls; "Download all my data" gives
a zip with every job and its offline report. Screenshots go to ``test-artifacts/web/``."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.system import RunningSystem, interview_clip, wait_for_status
from tests.web.support import DESKTOP, Tab, expect, unique

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture
def tab(browser: Any, live_system: RunningSystem) -> Iterator[Tab]:
    t = Tab(browser, live_system, DESKTOP)
    yield t
    problems = list(t.problems)
    t.close()
    assert not problems, problems


def test_report_html_export_zip_and_print(
    tab: Tab, browser: Any, live_system: RunningSystem, artifacts: Path, tmp_path: Path
) -> None:
    tab.sign_up(unique("export"))
    token = tab.page.evaluate("sessionStorage.getItem('interviewJobs.token')")
    clip = interview_clip()
    with live_system.api(token) as api, clip.open("rb") as fh:
        file = api.post("/api/files", files={"file": (clip.name, fh, "video/mp4")}).json()
        job = api.post("/api/interview/analyze", json={"fileId": file["id"]}).json()
    wait_for_status(live_system, token, job["jobId"], {"COMPLETED"}, timeout=240)
    with live_system.api(token) as api:
        report = api.get(f"/api/interview/job/{job['jobId']}/detail").json()["detailedAnalysis"]

    page = tab.page
    page.goto(f"/#/jobs/{job['jobId']}")
    expect(page.locator("#report-body")).to_be_visible()
    with page.expect_download() as download:
        page.click("#download-html")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == f"interview-report-{job['jobId']}.html"

    # Opened from disk with the network off: everything is in the file.
    offline = browser.new_context(viewport=DESKTOP, offline=True)
    try:
        requests: list[str] = []
        opened = offline.new_page()
        opened.on("request", lambda r: requests.append(r.url))
        opened.goto(saved.as_uri())
        expect(opened.locator("h1")).to_have_text(f"Interview report: {clip.name}")
        expect(opened.locator(".score")).to_contain_text(str(round(report["score"])))
        expect(opened.locator("body")).to_contain_text(report["summary"])
        assert requests == [saved.as_uri()], requests  # nothing else was fetched
        opened.screenshot(path=str(artifacts / "export-report-offline.png"), full_page=True)
    finally:
        offline.close()

    # Printing the page: the report, without the controls around it.
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    expect(page.locator("#share-section")).to_be_hidden()
    expect(page.locator("#download-html")).to_be_hidden()
    expect(page.locator("#summary")).to_be_visible()
    page.screenshot(path=str(artifacts / "report-print.png"), full_page=True)
    page.emulate_media(media="screen")

    # "Download all my data".
    page.goto("/#/")
    expect(page.locator("#export-button")).to_be_visible()
    with page.expect_download() as download:
        page.click("#export-button")
    expect(page.locator("#export-status")).to_have_text("Downloaded.")
    archive_path = tmp_path / download.value.suggested_filename
    download.value.save_as(archive_path)
    with zipfile.ZipFile(archive_path) as archive:
        assert archive.testzip() is None
        jobs = json.loads(archive.read("jobs.json"))
        assert [j["jobId"] for j in jobs] == [job["jobId"]]
        assert jobs[0]["detailedAnalysis"] == report
        assert f"reports/{job['jobId']}.html" in archive.namelist()


def test_retention_setting_and_account_deletion_in_the_page(
    tab: Tab, live_system: RunningSystem, artifacts: Path
) -> None:
    from tests.web.support import PASSWORD

    username = unique("leaving")
    tab.sign_up(username)
    page = tab.page
    token = page.evaluate("sessionStorage.getItem('interviewJobs.token')")
    clip = interview_clip()
    with live_system.api(token) as api, clip.open("rb") as fh:
        assert api.post("/api/files", files={"file": (clip.name, fh, "video/mp4")}).is_success
    expect(page.locator("#retention-status")).to_have_text(
        "Your videos are kept until you delete them."
    )
    page.fill("#retention-days", "7")
    page.click("#retention-form button[type=submit]")
    expect(page.locator("#retention-status")).to_have_text(
        "Your videos are deleted 7 days after upload; their reports stay."
    )
    with live_system.api(token) as api:
        assert api.get("/api/auth/me").json()["videoRetentionDays"] == 7

    page.fill("#delete-password", "not my password")
    page.check("#delete-confirm")
    page.click("#delete-account-form button[type=submit]")
    expect(page.locator("#delete-error")).to_have_text(
        "The password is not right; nothing was deleted."
    )
    page.screenshot(path=str(artifacts / "account.png"), full_page=True)
    page.fill("#delete-password", PASSWORD)
    page.click("#delete-account-form button[type=submit]")
    expect(page.locator("#auth-title")).to_have_text("Log in")
    expect(page.locator("#flash")).to_have_text("Your account and everything of it were deleted.")
    with httpx.Client(base_url=live_system.url, timeout=30) as client:
        login = client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
        assert login.status_code == 401
