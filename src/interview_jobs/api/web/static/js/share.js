// Sharing a report with a coach. The owner makes, lists and revokes read-only links and reads (and
// deletes) the comments left through them; whoever opens a link sees the report and, when its
// owner allows it, leaves comments pinned to the video's current moment. Comment text is only
// ever put into the page as text.
import { apiJSON } from "./api.js";
import { $, clear, clock, h, when } from "./util.js";

let current = null; // {jobId} for the owner, {token, allowComments} for a link; with seek, time

const STATE_TEXT = { active: "active", expired: "expired", revoked: "revoked" };

export function sharedToken() {
  const match = /^\/s\/([A-Za-z0-9_-]+)$/.exec(location.pathname);
  return match ? match[1] : null;
}

// Shown once the report is on screen. `view` = {jobId} | {token, shared}; `seek(t)`, `time()`.
export function showSharing(view, { seek, time, signal }) {
  current = { ...view, seek, time, signal };
  $("#comments-section").hidden = false;
  $("#share-section").hidden = !view.jobId;
  $("#comment-form").hidden = !(view.shared && view.shared.allowComments);
  $("#share-made").hidden = true;
  setError("#comment-error", "");
  setError("#share-error", "");
  if (view.shared) {
    renderComments(view.shared.comments, false);
    $("#comments-hint").textContent = view.shared.allowComments
      ? "Comments are seen by the person who shared this report."
      : "";
  } else {
    loadOwner();
  }
}

export function hideSharing() {
  current = null;
  $("#comments-section").hidden = true;
  $("#share-section").hidden = true;
}

function setError(selector, message) {
  const el = $(selector);
  el.textContent = message || "";
  el.hidden = !message;
}

async function loadOwner() {
  const s = current;
  const base = `/api/interview/job/${encodeURIComponent(s.jobId)}`;
  try {
    const [shares, comments] = await Promise.all([
      apiJSON(`${base}/shares`, { signal: s.signal }),
      apiJSON(`${base}/comments`, { signal: s.signal }),
    ]);
    if (s !== current) return;
    renderShares(shares);
    renderComments(comments, true);
    $("#comments-hint").textContent = comments.length ? "" : "Comments left through your share links appear here.";
  } catch (error) {
    if (error.name !== "AbortError" && s === current) setError("#share-error", error.message);
  }
}

function renderShares(shares) {
  const list = $("#shares");
  clear(list);
  for (const share of shares) {
    const label = `${share.allowComments ? "With comments" : "Read only"} · made ${when(share.createdAt)} · ${
      share.state === "active" ? `valid until ${when(share.expiresAt)}` : STATE_TEXT[share.state]
    }`;
    const revoke =
      share.state === "active"
        ? h("button", { type: "button", class: "secondary small", onclick: () => revokeShare(share.id) }, "Revoke")
        : null;
    list.append(h("li", { class: `share share-${share.state}` }, h("span", {}, label), revoke));
  }
}

function renderComments(comments, owner) {
  const list = $("#comments");
  clear(list);
  for (const comment of comments) {
    const at = Number.isFinite(comment.atSeconds)
      ? h("button", { type: "button", class: "time link", onclick: () => current && current.seek(comment.atSeconds) }, clock(comment.atSeconds))
      : null;
    const remove = owner
      ? h("button", { type: "button", class: "secondary small", onclick: () => deleteComment(comment.id) }, "Delete")
      : null;
    list.append(
      h(
        "li",
        { class: "comment" },
        h("p", { class: "comment-head" }, h("strong", {}, comment.name), " · ", when(comment.createdAt), " ", at),
        h("p", { class: "comment-text" }, comment.text),
        remove,
      ),
    );
  }
}

async function createShare(event) {
  event.preventDefault();
  const s = current;
  if (!s || !s.jobId) return;
  setError("#share-error", "");
  const days = Number($("#share-days").value);
  try {
    const made = await apiJSON(`/api/interview/job/${encodeURIComponent(s.jobId)}/shares`, {
      method: "POST",
      json: { expiresInDays: days, allowComments: $("#share-comments").checked },
    });
    if (s !== current) return;
    $("#share-url").value = new URL(made.url, location.origin).href;
    $("#share-made").hidden = false;
    $("#share-url").select();
    loadOwner();
  } catch (error) {
    if (s === current) setError("#share-error", error.message);
  }
}

async function revokeShare(id) {
  const s = current;
  try {
    await apiJSON(`/api/interview/job/${encodeURIComponent(s.jobId)}/shares/${id}`, { method: "DELETE" });
    if (s === current) loadOwner();
  } catch (error) {
    if (s === current) setError("#share-error", error.message);
  }
}

async function deleteComment(id) {
  const s = current;
  try {
    await apiJSON(`/api/interview/job/${encodeURIComponent(s.jobId)}/comments/${id}`, { method: "DELETE" });
    if (s === current) loadOwner();
  } catch (error) {
    if (s === current) setError("#share-error", error.message);
  }
}

async function postComment(event) {
  event.preventDefault();
  const s = current;
  if (!s || !s.token) return;
  setError("#comment-error", "");
  const body = { name: $("#comment-name").value, text: $("#comment-text").value };
  if ($("#comment-pin").checked) body.atSeconds = Math.round(s.time() * 10) / 10;
  try {
    const comment = await apiJSON(`/api/shared/${encodeURIComponent(s.token)}/comments`, { method: "POST", json: body, auth: false });
    if (s !== current) return;
    s.shared.comments.push(comment);
    renderComments(s.shared.comments, false);
    $("#comment-text").value = "";
    $("#comment-status").textContent = "Comment sent.";
  } catch (error) {
    if (s === current) setError("#comment-error", error.message);
  }
}

async function copyLink() {
  const input = $("#share-url");
  input.select();
  try {
    await navigator.clipboard.writeText(input.value);
    $("#share-copied").textContent = "Copied.";
  } catch {
    $("#share-copied").textContent = "Select the link and copy it.";
  }
}

export function setupSharing() {
  $("#share-form").addEventListener("submit", createShare);
  $("#comment-form").addEventListener("submit", postComment);
  $("#share-copy").addEventListener("click", copyLink);
}
