// "New analysis": the drop zone, the file or URL, the analysis type, the upload with its progress.
import { apiJSON, newIdempotencyKey, uploadFile } from "./api.js";
import { checkVideoFile, checkVideoUrl } from "./media.js";
import { $, bytes } from "./util.js";

const form = { file: null, uploadAbort: null }; // the chosen file; aborts the upload in flight
let els = {};
let onCreated = async () => {};

function submitError(message) {
  const el = els.submitError;
  el.textContent = message || "";
  el.hidden = !message;
}

async function chooseFile(file) {
  form.file = null;
  submitError("");
  els.fileInfo.textContent = "";
  if (!file) return;
  const problem = await checkVideoFile(file);
  if (problem) {
    els.fileInput.value = "";
    submitError(problem);
    return;
  }
  form.file = file;
  els.urlInput.value = "";
  els.fileInfo.textContent = `Selected: ${file.name} (${bytes(file.size)})`;
}

function setUploading(on) {
  els.uploadProgress.hidden = !on;
  els.submitButton.disabled = on;
  els.fileInput.disabled = on;
  els.urlInput.disabled = on;
  if (on) showUploadProgress(0, 1);
}

function showUploadProgress(loaded, total) {
  const pct = total > 0 ? Math.min(100, Math.floor((loaded / total) * 100)) : 0;
  els.uploadBar.value = pct;
  els.uploadPercent.textContent = `${pct} %`;
  els.uploadLabel.textContent = `Uploading… ${bytes(loaded)} of ${bytes(total)}`;
}

async function submitJob(event) {
  event.preventDefault();
  submitError("");
  const analysisType = els.typeSelect.value;
  const url = els.urlInput.value.trim();
  const body = { analysisType };
  if (form.file) {
    // Checked again: the file may have changed on disk since it was chosen.
    const problem = await checkVideoFile(form.file);
    if (problem) {
      submitError(problem);
      return;
    }
    form.uploadAbort = new AbortController();
    setUploading(true);
    try {
      const uploaded = await uploadFile(form.file, { onProgress: showUploadProgress, signal: form.uploadAbort.signal });
      body.fileId = uploaded.id;
    } catch (error) {
      submitError(error.name === "AbortError" ? "The upload was cancelled." : error.message);
      return;
    } finally {
      setUploading(false);
      form.uploadAbort = null;
    }
  } else if (url) {
    const problem = checkVideoUrl(url);
    if (problem) {
      submitError(problem);
      els.urlInput.focus();
      return;
    }
    body.videoUrl = url;
  } else {
    submitError("Choose a video file (or drop one on the box), or paste a link to a video.");
    return;
  }
  try {
    const created = await createJob(body);
    els.submitForm.reset();
    form.file = null;
    els.fileInfo.textContent = "";
    await onCreated(created.jobId);
  } catch (error) {
    submitError(error.message);
  }
}

export function createJob(body) {
  return apiJSON("/api/interview/analyze", {
    method: "POST",
    json: body,
    headers: { "Idempotency-Key": newIdempotencyKey() },
  });
}

function setupDropzone() {
  const zone = els.dropzone;
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
    els.fileInput.value = "";
    chooseFile(files[0]);
    if (files.length > 1) els.fileInfo.textContent += " — only the first of the dropped files is used.";
  });
}

// Wires the form; ``created(jobId)`` is called once a job was made from it.
export function setupSubmit(created) {
  onCreated = created;
  els = Object.fromEntries(
    ["dropzone", "file-info", "file-input", "submit-button", "submit-error", "submit-form", "type-select", "upload-bar", "upload-cancel", "upload-label", "upload-percent", "upload-progress", "url-input"].map((id) => [id.replace(/-(\w)/g, (_, c) => c.toUpperCase()), $(`#${id}`)]),
  );
  els.submitForm.addEventListener("submit", submitJob);
  els.fileInput.addEventListener("change", (event) => chooseFile(event.target.files[0]));
  els.urlInput.addEventListener("input", () => {
    if (els.urlInput.value && form.file) {
      form.file = null;
      els.fileInput.value = "";
      els.fileInfo.textContent = "";
    }
  });
  els.uploadCancel.addEventListener("click", () => {
    if (form.uploadAbort) form.uploadAbort.abort();
  });
  setupDropzone();
}
