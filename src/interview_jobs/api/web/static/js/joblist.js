// "My interviews": the job list, kept live over SSE (a few streams, the rest refreshed now and
// then); cancel, delete, retry; pagination through the Link header.
import { activityText, uploadDeleted } from "./activity.js";
import { TERMINAL, api, apiJSON, followJobEvents, nextLink } from "./api.js";
import { questionsOfJob } from "./practice-plan.js";
import { createJob } from "./submit.js";
import { $, clear, h, when } from "./util.js";

const PAGE_SIZE = 20;
// Browsers allow ~6 HTTP/1.1 connections per host: keep live streams well below that so the page's
// other requests never queue behind them. Jobs beyond this are polled instead.
const MAX_STREAMS = 3;
const POLL_MS = 5000;

const STATUS_TEXT = {
  PENDING: "Waiting",
  PROCESSING: "Analysing",
  COMPLETED: "Completed",
  FAILED: "Failed",
  CANCELLED: "Cancelled",
};
const TYPE_TEXT = { comprehensive: "Comprehensive", speech: "Speech", visual: "Visual" };

// The list's state: its rows (jobId -> {job, el, parts}), its live streams (jobId ->
// AbortController), the next page, the refresh timer, and a generation that makes answers to a
// list that was replaced meanwhile go unused.
const list = { active: false, rows: new Map(), streams: new Map(), nextUrl: null, pollTimer: null, generation: 0 };
let els = {};

function jobTitle(job) {
  if (job.fileName) return job.fileName;
  if (job.fileId) return `Uploaded file #${job.fileId}`;
  try {
    const url = new URL(job.videoUrl);
    const name = url.pathname.split("/").filter(Boolean).pop();
    return name ? `${decodeURIComponent(name)} (${url.host})` : url.host;
  } catch {
    return job.videoUrl || job.jobId;
  }
}

function rowMessage(parts, message, isError = true) {
  parts.message.textContent = message || "";
  parts.message.hidden = !message;
  parts.message.classList.toggle("error", isError);
}

function buildRow(job) {
  const parts = {};
  parts.title = h("a", { class: "job-title", href: `#/jobs/${encodeURIComponent(job.jobId)}` });
  parts.status = h("span", { class: "badge" });
  parts.meta = h("p", { class: "job-meta hint" });
  parts.progress = h("progress", { max: "100", "aria-label": "Progress" });
  parts.progressText = h("span", { class: "hint" });
  parts.progressBox = h("div", { class: "job-progress" }, parts.progress, parts.progressText);
  parts.error = h("p", { class: "job-error" });
  parts.message = h("p", { class: "row-message", role: "alert", hidden: true });
  parts.open = h("a", { class: "button secondary", href: `#/jobs/${encodeURIComponent(job.jobId)}` });
  parts.cancel = h("button", { type: "button", class: "secondary", "data-action": "cancel" }, "Cancel");
  parts.retry = h("button", { type: "button", class: "secondary", "data-action": "retry" }, "Retry");
  parts.delete = h("button", { type: "button", class: "danger", "data-action": "delete" }, "Delete");
  parts.confirm = h(
    "span",
    { class: "confirm", hidden: true },
    h("span", {}, "Delete this interview and its report? "),
    h("button", { type: "button", class: "danger", "data-action": "confirm-delete" }, "Yes, delete"),
    h("button", { type: "button", class: "secondary", "data-action": "keep" }, "Keep"),
  );
  const el = h(
    "li",
    { class: "job", dataset: { jobId: job.jobId } },
    h("div", { class: "job-head" }, parts.title, parts.status),
    parts.meta,
    parts.progressBox,
    parts.error,
    h("div", { class: "job-actions" }, parts.open, parts.cancel, parts.retry, parts.delete, parts.confirm),
    parts.message,
  );
  el.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (button) onAction(job.jobId, button.dataset.action, button);
  });
  return { el, parts };
}

function updateRow(row, job) {
  const before = row.job.status;
  row.job = { ...row.job, ...job };
  if (before && before !== row.job.status && TERMINAL.has(row.job.status) && !TERMINAL.has(before)) {
    // Said once, in the list's live region, when a job the user is watching ends.
    const verb = { COMPLETED: "is analysed: its report is ready", FAILED: "failed", CANCELLED: "was cancelled" };
    els.jobsMessage.textContent = `“${jobTitle(row.job)}” ${verb[row.job.status]}.`;
  }
  const j = row.job;
  const p = row.parts;
  row.el.dataset.status = j.status;
  p.title.textContent = jobTitle(j);
  p.status.textContent = STATUS_TEXT[j.status] || j.status;
  p.status.className = `badge status-${String(j.status).toLowerCase()}`;
  p.meta.textContent = `${TYPE_TEXT[j.analysisType] || j.analysisType} analysis · ${when(j.createdAt)}`;
  const working = !TERMINAL.has(j.status);
  p.progressBox.hidden = !working;
  if (working) {
    const pct = j.status === "PROCESSING" && Number.isFinite(j.progress) ? j.progress : null;
    if (pct === null) p.progress.removeAttribute("value");
    else p.progress.value = pct;
    p.progressText.textContent = activityText(j);
  }
  p.error.textContent = j.status === "FAILED" ? j.errorMessage || "The analysis failed." : "";
  p.error.hidden = j.status !== "FAILED";
  p.open.textContent = j.status === "COMPLETED" ? "Open report" : "Details";
  p.cancel.hidden = !working;
  // A job whose upload was deleted has nothing left to analyse again.
  p.retry.hidden = !(j.status === "FAILED" || j.status === "CANCELLED") || uploadDeleted(j);
}

function emptyMessage() {
  if (list.rows.size === 0) {
    const filter = els.statusFilter.value;
    els.jobsMessage.textContent = filter
      ? "No interviews with this status."
      : "No interviews yet. Upload a video above to get your first report.";
  }
}

function addRows(jobs, { prepend = false } = {}) {
  for (const job of jobs) {
    if (list.rows.has(job.jobId)) {
      updateRow(list.rows.get(job.jobId), job);
      continue;
    }
    const row = buildRow(job);
    row.job = job;
    list.rows.set(job.jobId, row);
    updateRow(row, job);
    if (prepend) els.jobList.prepend(row.el);
    else els.jobList.append(row.el);
  }
  startStreams();
}

async function loadJobs({ more = false } = {}) {
  const generation = list.generation;
  const status = els.statusFilter.value;
  let url = list.nextUrl;
  if (!more) {
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (status) query.set("status", status);
    url = `/api/interview/jobs?${query}`;
  }
  const button = els.loadMore;
  button.disabled = true;
  try {
    const response = await api(url);
    const jobs = await response.json();
    if (generation !== list.generation || !list.active) return;
    list.nextUrl = nextLink(response);
    button.hidden = !list.nextUrl;
    if (!more) els.jobsMessage.textContent = "";
    addRows(jobs);
    emptyMessage();
  } catch (error) {
    if (generation === list.generation) els.jobsMessage.textContent = error.message;
  } finally {
    button.disabled = false;
  }
}

function resetList() {
  list.generation += 1;
  stopStreams();
  list.rows = new Map();
  list.nextUrl = null;
  clear(els.jobList);
  els.loadMore.hidden = true;
}

export async function addNewJob(jobId) {
  try {
    const job = await apiJSON(`/api/interview/job/${encodeURIComponent(jobId)}`);
    const filter = els.statusFilter.value;
    if (filter && filter !== job.status) {
      els.statusFilter.value = "";
      resetList();
      await loadJobs();
    } else {
      addRows([job], { prepend: true });
    }
    els.jobsMessage.textContent = "Job created: it is being analysed in the background.";
    const row = list.rows.get(jobId);
    if (row) row.parts.title.focus();
  } catch (error) {
    els.jobsMessage.textContent = error.message;
  }
}

// ---------------------------------------------------------------- live status

function startStreams() {
  if (!list.active) return;
  for (const [jobId, row] of list.rows) {
    if (list.streams.size >= MAX_STREAMS) break;
    if (list.streams.has(jobId) || TERMINAL.has(row.job.status)) continue;
    const controller = new AbortController();
    list.streams.set(jobId, controller);
    followJobEvents(jobId, {
      signal: controller.signal,
      onStatus: (state) => {
        const current = list.rows.get(jobId);
        if (current) updateRow(current, state);
      },
      onDeleted: () => removeRow(jobId),
    })
      .catch((error) => {
        const current = list.rows.get(jobId);
        if (!current) return;
        if (error.status === 404) removeRow(jobId);
        else rowMessage(current.parts, `Live updates stopped: ${error.message}`);
      })
      .finally(() => {
        if (list.streams.get(jobId) === controller) list.streams.delete(jobId);
        startStreams();
      });
  }
  schedulePoll();
}

// Jobs that did not get a stream are refreshed by polling until a stream frees up.
function schedulePoll() {
  if (list.pollTimer !== null || !list.active) return;
  const waiting = [...list.rows.values()].some((row) => !TERMINAL.has(row.job.status) && !list.streams.has(row.job.jobId));
  if (!waiting) return;
  list.pollTimer = setTimeout(async () => {
    list.pollTimer = null;
    for (const row of [...list.rows.values()]) {
      if (!list.active) return;
      if (TERMINAL.has(row.job.status) || list.streams.has(row.job.jobId)) continue;
      try {
        updateRow(row, await apiJSON(`/api/interview/job/${encodeURIComponent(row.job.jobId)}`));
      } catch (error) {
        if (error.status === 404) removeRow(row.job.jobId);
      }
    }
    startStreams();
  }, POLL_MS);
}

function stopStreams() {
  for (const controller of list.streams.values()) controller.abort();
  list.streams = new Map();
  if (list.pollTimer !== null) clearTimeout(list.pollTimer);
  list.pollTimer = null;
}

function removeRow(jobId) {
  const row = list.rows.get(jobId);
  if (!row) return;
  const controller = list.streams.get(jobId);
  if (controller) controller.abort();
  list.streams.delete(jobId);
  row.el.remove();
  list.rows.delete(jobId);
  emptyMessage();
}

// ---------------------------------------------------------------- actions

async function onAction(jobId, action, button) {
  const row = list.rows.get(jobId);
  if (!row) return;
  const p = row.parts;
  rowMessage(p, "");
  if (action === "delete") {
    p.delete.hidden = true;
    p.confirm.hidden = false;
    p.confirm.querySelector('[data-action="keep"]').focus();
    return;
  }
  if (action === "keep") {
    p.confirm.hidden = true;
    p.delete.hidden = false;
    p.delete.focus();
    return;
  }
  button.disabled = true;
  try {
    if (action === "cancel") {
      updateRow(row, await apiJSON(`/api/interview/job/${encodeURIComponent(jobId)}/cancel`, { method: "POST" }));
      rowMessage(p, "The job was cancelled.", false);
    } else if (action === "confirm-delete") {
      await api(`/api/interview/job/${encodeURIComponent(jobId)}`, { method: "DELETE" });
      const next = row.el.nextElementSibling || row.el.previousElementSibling;
      removeRow(jobId);
      els.jobsMessage.textContent = "The interview was deleted.";
      const focusTarget = next ? next.querySelector(".job-title") : els.jobsTitle;
      if (focusTarget) focusTarget.focus();
    } else if (action === "retry") {
      const j = row.job;
      const body = { analysisType: j.analysisType };
      if (j.fileId) body.fileId = j.fileId;
      else body.videoUrl = j.videoUrl;
      const questions = questionsOfJob(j);
      if (questions) body.questions = questions;
      const created = await createJob(body);
      await addNewJob(created.jobId);
    }
  } catch (error) {
    rowMessage(p, error.message);
    if (action === "confirm-delete") {
      p.confirm.hidden = true;
      p.delete.hidden = false;
    }
  } finally {
    button.disabled = false;
  }
}

export function setupList() {
  els = Object.fromEntries(
    ["job-list", "jobs-message", "jobs-title", "load-more", "refresh", "status-filter"].map((id) => [id.replace(/-(\w)/g, (_, c) => c.toUpperCase()), $(`#${id}`)]),
  );
  els.statusFilter.addEventListener("change", () => {
    resetList();
    loadJobs();
  });
  els.refresh.addEventListener("click", () => {
    resetList();
    loadJobs();
  });
  els.loadMore.addEventListener("click", () => loadJobs({ more: true }));
}

export function enterList() {
  list.active = true;
  resetList();
  els.jobsMessage.textContent = "Loading…";
  loadJobs();
}

export function leaveList() {
  list.active = false;
  list.generation += 1;
  stopStreams();
}
