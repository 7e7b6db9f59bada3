// "New analysis" (drop zone, upload with progress, URL, analysis type) and "My interviews" (the
// job list, kept live over SSE; cancel, delete, retry; pagination through the Link header).
import {
  TERMINAL,
  api,
  apiJSON,
  followJobEvents,
  newIdempotencyKey,
  nextLink,
  uploadFile,
} from "./api.js";
import { checkVideoFile, checkVideoUrl } from "./media.js";
import { $, bytes, clear, h, when } from "./util.js";

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

let flash = () => {};
let active = false;
let rows = new Map(); // jobId -> {job, el, parts}
let fileNames = new Map(); // fileId -> original file name
let streams = new Map(); // jobId -> AbortController
let nextUrl = null;
let pollTimer = null;
let listGeneration = 0;
let selectedFile = null;
let uploadAbort = null;

// ---------------------------------------------------------------- new analysis

function submitError(message) {
  const el = $("#submit-error");
  el.textContent = message || "";
  el.hidden = !message;
}

async function chooseFile(file) {
  selectedFile = null;
  submitError("");
  $("#file-info").textContent = "";
  if (!file) return;
  const problem = await checkVideoFile(file);
  if (problem) {
    $("#file-input").value = "";
    submitError(problem);
    return;
  }
  selectedFile = file;
  $("#url-input").value = "";
  $("#file-info").textContent = `Selected: ${file.name} (${bytes(file.size)})`;
}

function setUploading(on) {
  $("#upload-progress").hidden = !on;
  $("#submit-button").disabled = on;
  $("#file-input").disabled = on;
  $("#url-input").disabled = on;
  if (on) showUploadProgress(0, 1);
}

function showUploadProgress(loaded, total) {
  const pct = total > 0 ? Math.min(100, Math.floor((loaded / total) * 100)) : 0;
  $("#upload-bar").value = pct;
  $("#upload-percent").textContent = `${pct} %`;
  $("#upload-label").textContent = `Uploading… ${bytes(loaded)} of ${bytes(total)}`;
}

async function submitJob(event) {
  event.preventDefault();
  submitError("");
  const analysisType = $("#type-select").value;
  const url = $("#url-input").value.trim();
  const body = { analysisType };
  if (selectedFile) {
    // Checked again: the file may have changed on disk since it was chosen.
    const problem = await checkVideoFile(selectedFile);
    if (problem) {
      submitError(problem);
      return;
    }
    uploadAbort = new AbortController();
    setUploading(true);
    try {
      const uploaded = await uploadFile(selectedFile, { onProgress: showUploadProgress, signal: uploadAbort.signal });
      fileNames.set(uploaded.id, uploaded.originalFileName);
      body.fileId = uploaded.id;
    } catch (error) {
      submitError(error.name === "AbortError" ? "The upload was cancelled." : error.message);
      return;
    } finally {
      setUploading(false);
      uploadAbort = null;
    }
  } else if (url) {
    const problem = checkVideoUrl(url);
    if (problem) {
      submitError(problem);
      $("#url-input").focus();
      return;
    }
    body.videoUrl = url;
  } else {
    submitError("Choose a video file (or drop one on the box), or paste a link to a video.");
    return;
  }
  try {
    const created = await createJob(body);
    $("#submit-form").reset();
    selectedFile = null;
    $("#file-info").textContent = "";
    $("#jobs-message").textContent = `Job created: it is being analysed in the background.`;
    await addNewJob(created.jobId);
  } catch (error) {
    submitError(error.message);
  }
}

function createJob(body) {
  return apiJSON("/api/interview/analyze", {
    method: "POST",
    json: body,
    headers: { "Idempotency-Key": newIdempotencyKey() },
  });
}

function setupDropzone() {
  const zone = $("#dropzone");
  zone.addEventListener("dragenter", (event) => {
    event.preventDefault();
    zone.classList.add("dragging");
  });
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = "copy";
    zone.classList.add("dragging");
  });
  zone.addEventListener("dragleave", (event) => {
    if (!zone.contains(event.relatedTarget)) zone.classList.remove("dragging");
  });
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("dragging");
    const files = event.dataTransfer ? event.dataTransfer.files : null;
    if (!files || files.length === 0) return;
    $("#file-input").value = "";
    chooseFile(files[0]);
    if (files.length > 1) $("#file-info").textContent += " — only the first of the dropped files is used.";
  });
}

// ---------------------------------------------------------------- the list

function jobTitle(job) {
  if (job.fileId && fileNames.has(job.fileId)) return fileNames.get(job.fileId);
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
    $("#jobs-message").textContent = `“${jobTitle(row.job)}” ${verb[row.job.status]}.`;
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
    p.progressText.textContent =
      pct === null ? (j.status === "PENDING" ? "Queued…" : "Starting…") : `${pct} %`;
  }
  p.error.textContent = j.status === "FAILED" ? j.errorMessage || "The analysis failed." : "";
  p.error.hidden = j.status !== "FAILED";
  p.open.textContent = j.status === "COMPLETED" ? "Open report" : "Details";
  p.cancel.hidden = !working;
  p.retry.hidden = !(j.status === "FAILED" || j.status === "CANCELLED");
}

function emptyMessage() {
  if (rows.size === 0) {
    const filter = $("#status-filter").value;
    $("#jobs-message").textContent = filter
      ? "No interviews with this status."
      : "No interviews yet. Upload a video above to get your first report.";
  }
}

function addRows(jobs, { prepend = false } = {}) {
  const list = $("#job-list");
  for (const job of jobs) {
    if (rows.has(job.jobId)) {
      updateRow(rows.get(job.jobId), job);
      continue;
    }
    const row = buildRow(job);
    row.job = job;
    rows.set(job.jobId, row);
    updateRow(row, job);
    if (prepend) list.prepend(row.el);
    else list.append(row.el);
  }
  startStreams();
}

async function loadFileNames() {
  try {
    const files = await apiJSON("/api/files?limit=1000");
    fileNames = new Map(files.map((f) => [f.id, f.originalFileName]));
    for (const row of rows.values()) updateRow(row, {});
  } catch {
    // names are a nicety; the list still works with file numbers
  }
}

async function loadJobs({ more = false } = {}) {
  const generation = listGeneration;
  const status = $("#status-filter").value;
  let url = nextUrl;
  if (!more) {
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (status) query.set("status", status);
    url = `/api/interview/jobs?${query}`;
  }
  const button = $("#load-more");
  button.disabled = true;
  try {
    const response = await api(url);
    const jobs = await response.json();
    if (generation !== listGeneration || !active) return;
    nextUrl = nextLink(response);
    button.hidden = !nextUrl;
    if (!more) $("#jobs-message").textContent = "";
    addRows(jobs);
    emptyMessage();
  } catch (error) {
    if (generation === listGeneration) $("#jobs-message").textContent = error.message;
  } finally {
    button.disabled = false;
  }
}

function resetList() {
  listGeneration += 1;
  stopStreams();
  rows = new Map();
  nextUrl = null;
  clear($("#job-list"));
  $("#load-more").hidden = true;
}

async function addNewJob(jobId) {
  try {
    const job = await apiJSON(`/api/interview/job/${encodeURIComponent(jobId)}`);
    const filter = $("#status-filter").value;
    if (filter && filter !== job.status) {
      $("#status-filter").value = "";
      resetList();
      await loadJobs();
    } else {
      addRows([job], { prepend: true });
    }
    $("#jobs-message").textContent = "Job created: it is being analysed in the background.";
    const row = rows.get(jobId);
    if (row) row.parts.title.focus();
  } catch (error) {
    $("#jobs-message").textContent = error.message;
  }
}

// ---------------------------------------------------------------- live status

function startStreams() {
  if (!active) return;
  for (const [jobId, row] of rows) {
    if (streams.size >= MAX_STREAMS) break;
    if (streams.has(jobId) || TERMINAL.has(row.job.status)) continue;
    const controller = new AbortController();
    streams.set(jobId, controller);
    followJobEvents(jobId, {
      signal: controller.signal,
      onStatus: (state) => {
        const current = rows.get(jobId);
        if (current) updateRow(current, state);
      },
      onDeleted: () => removeRow(jobId),
    })
      .catch((error) => {
        const current = rows.get(jobId);
        if (!current) return;
        if (error.status === 404) removeRow(jobId);
        else rowMessage(current.parts, `Live updates stopped: ${error.message}`);
      })
      .finally(() => {
        if (streams.get(jobId) === controller) streams.delete(jobId);
        startStreams();
      });
  }
  schedulePoll();
}

// Jobs that did not get a stream are refreshed by polling until a stream frees up.
function schedulePoll() {
  if (pollTimer !== null || !active) return;
  const waiting = [...rows.values()].some((row) => !TERMINAL.has(row.job.status) && !streams.has(row.job.jobId));
  if (!waiting) return;
  pollTimer = setTimeout(async () => {
    pollTimer = null;
    for (const row of [...rows.values()]) {
      if (!active) return;
      if (TERMINAL.has(row.job.status) || streams.has(row.job.jobId)) continue;
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
  for (const controller of streams.values()) controller.abort();
  streams = new Map();
  if (pollTimer !== null) clearTimeout(pollTimer);
  pollTimer = null;
}

function removeRow(jobId) {
  const row = rows.get(jobId);
  if (!row) return;
  const controller = streams.get(jobId);
  if (controller) controller.abort();
  streams.delete(jobId);
  row.el.remove();
  rows.delete(jobId);
  emptyMessage();
}

// ---------------------------------------------------------------- actions

async function onAction(jobId, action, button) {
  const row = rows.get(jobId);
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
      $("#jobs-message").textContent = "The interview was deleted.";
      const focusTarget = next ? next.querySelector(".job-title") : $("#jobs-title");
      if (focusTarget) focusTarget.focus();
    } else if (action === "retry") {
      const j = row.job;
      const body = { analysisType: j.analysisType };
      if (j.fileId) body.fileId = j.fileId;
      else body.videoUrl = j.videoUrl;
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

// ---------------------------------------------------------------- view lifecycle

export function setupHome(options) {
  flash = options.flash;
  $("#submit-form").addEventListener("submit", submitJob);
  $("#file-input").addEventListener("change", (event) => chooseFile(event.target.files[0]));
  $("#url-input").addEventListener("input", () => {
    if ($("#url-input").value && selectedFile) {
      selectedFile = null;
      $("#file-input").value = "";
      $("#file-info").textContent = "";
    }
  });
  $("#upload-cancel").addEventListener("click", () => {
    if (uploadAbort) uploadAbort.abort();
  });
  $("#status-filter").addEventListener("change", () => {
    resetList();
    loadJobs();
  });
  $("#refresh").addEventListener("click", () => {
    resetList();
    loadFileNames().then(() => loadJobs());
  });
  $("#load-more").addEventListener("click", () => loadJobs({ more: true }));
  setupDropzone();
}

export function enterHome() {
  active = true;
  resetList();
  $("#jobs-message").textContent = "Loading…";
  loadFileNames().then(() => loadJobs());
}

export function leaveHome() {
  active = false;
  listGeneration += 1;
  stopStreams();
}
