"""Sharing a report in a real Chromium: the owner makes a link with comments allowed; a second
browser context without any login opens it, plays the video and leaves a comment pinned to the
video's moment; the owner sees the comment, deletes it and revokes the link; the link then
tells the coach it is gone. Screenshots go to ``test-artifacts/web/``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.system import RunningSystem, interview_clip, wait_for_status
from tests.web.support import DESKTOP, PHONE, Tab, expect, unique

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_a_coach_opens_a_shared_report_without_an_account_and_comments(
    browser: Any, live_system: RunningSystem, artifacts: Path
) -> None:
    owner = Tab(browser, live_system, DESKTOP)
    coach = Tab(browser, live_system, PHONE)
    try:
        owner.sign_up(unique("shares"))
        token = owner.page.evaluate("sessionStorage.getItem('interviewJobs.token')")
        clip = interview_clip()
        name = f"{unique('private-name')}.mp4"
        with live_system.api(token) as api, clip.open("rb") as fh:
            file = api.post("/api/files", files={"file": (name, fh, "video/mp4")}).json()
            job = api.post("/api/interview/analyze", json={"fileId": file["id"]}).json()
        wait_for_status(live_system, token, job["jobId"], {"COMPLETED"}, timeout=240)

        page = owner.page
        page.goto(f"/#/jobs/{job['jobId']}")
        expect(page.locator("#report-body")).to_be_visible()
        expect(page.locator("#share-section")).to_be_visible()
        page.check("#share-comments")
        page.fill("#share-days", "2")
        page.click("#share-form button[type=submit]")
        expect(page.locator("#share-made")).to_be_visible()
        link = page.locator("#share-url").input_value()
        assert "/s/" in link and link.startswith(live_system.url)
        expect(page.locator("#shares li")).to_have_count(1)
        expect(page.locator("#shares li").first).to_contain_text("With comments")
        page.screenshot(path=str(artifacts / "share-owner.png"), full_page=True)

        # The coach: another context, never logged in.
        cpage = coach.page
        cpage.goto(link)
        expect(cpage.locator("#report-title")).to_have_text("Shared interview report")
        expect(cpage.locator("#report-body")).to_be_visible()
        expect(cpage.locator("#nav")).to_be_hidden()
        expect(cpage.locator("#share-section")).to_be_hidden()
        assert name not in cpage.content()  # nothing of the owner's, not even the file name
        # the video plays through its short-lived signed URL
        cpage.wait_for_function(
            "() => document.querySelector('#report-video').readyState >= 1", timeout=20_000
        )
        cpage.evaluate("document.querySelector('#report-video').currentTime = 4")
        cpage.wait_for_function(
            "() => Math.abs(document.querySelector('#report-video').currentTime - 4) < 0.3"
        )
        cpage.fill("#comment-name", "Coach Kim")
        cpage.fill("#comment-text", "<b>Slow down</b> here, and look at the camera.")
        cpage.click("#comment-form button[type=submit]")
        expect(cpage.locator("#comment-status")).to_have_text("Comment sent.")
        comment = cpage.locator("#comments li").first
        expect(comment).to_contain_text("<b>Slow down</b> here")  # shown as text, not markup
        expect(comment.locator("button.time")).to_have_text("0:04")
        cpage.screenshot(path=str(artifacts / "share-coach-phone.png"), full_page=True)

        # The owner sees it, jumps to its moment, deletes it, and revokes the link.
        page.reload()
        expect(page.locator("#comments li")).to_have_count(1)
        page.locator("#comments li button.time").click()
        page.wait_for_function(
            "() => Math.abs(document.querySelector('#report-video').currentTime - 4) < 0.3"
        )
        page.locator("#comments li").get_by_role("button", name="Delete").click()
        expect(page.locator("#comments li")).to_have_count(0)
        page.locator("#shares li").get_by_role("button", name="Revoke").click()
        expect(page.locator("#shares li").first).to_contain_text("revoked")

        cpage.reload()
        expect(cpage.locator("#report-error")).to_have_text(
            "This share link does not exist, was revoked or has expired."
        )
        expect(cpage.locator("#report-body")).to_be_hidden()
        cpage.screenshot(path=str(artifacts / "share-revoked.png"), full_page=True)
        assert not owner.problems, owner.problems
        assert not coach.problems, coach.problems
    finally:
        owner.close()
        coach.close()
