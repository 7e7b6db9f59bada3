// "New analysis": the drop zone, the file or URL, the analysis type, the interview's questions
// (picked from the bank or typed, each with an optional time), the upload with its progress.
import { apiJSON, newIdempotencyKey, uploadFile } from "./api.js";
import { checkVideoFile, checkVideoUrl } from "./media.js";
import { MAX_QUESTIONS, bankCategories, bankQuestions, parseClock, questionProblem } from "./practice-plan.js";
import { $, bytes, clear, h } from "./util.js";

// The chosen file (and {file, id} once it is uploaded); why the last file chosen was refused (said
// again on Analyse); aborts the upload in flight; the questions added ({text, questionId}); the
// bank once loaded (null: not yet; [] not available).
const form = { file: null, uploaded: null, refused: "", uploadAbort: null, questions: [], bank: null, categories: [] };
let els = {};
let onCreated = async () => {};

function submitError(message) {
  const el = els.submitError;
  el.textContent = message || "";
  el.hidden = !message;
}

async function chooseFile(file) {
  form.file = null;
  form.refused = "";
  submitError("");
  els.fileInfo.textContent = "";
  if (!file) return;
  const problem = await checkVideoFile(file);
  if (problem) {
    els.fileInput.value = "";
    form.refused = problem;
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

// ---------------------------------------------------------------- questions

async function loadBank() {
  if (form.bank !== null) return;
  form.bank = [];
  const note = els.questionBankNote;
  try {
    const body = await apiJSON("/api/questions");
    form.bank = bankQuestions(body);
    form.categories = bankCategories(body);
  } catch (error) {
    note.textContent = `The question bank could not be loaded (${error.message}); you can type questions.`;
    note.hidden = false;
    return;
  }
  if (!form.bank.length) return;
  clear(els.questionCategory);
  for (const c of form.categories) els.questionCategory.append(h("option", { value: c.id }, c.label));
  fillBankSelect();
  els.bankPick.hidden = false;
}

function fillBankSelect() {
  clear(els.questionBank);
  for (const q of form.bank.filter((b) => b.category === els.questionCategory.value)) {
    els.questionBank.append(h("option", { value: q.questionId }, q.text));
  }
}

function addQuestion(question) {
  submitError("");
  if (form.questions.length >= MAX_QUESTIONS) {
    submitError(`At most ${MAX_QUESTIONS} questions fit in one analysis.`);
    return false;
  }
  saveTimes();
  form.questions.push({ ...question, time: "" });
  renderQuestions();
  return true;
}

// Keep what was typed in the time fields before the list is drawn again.
function saveTimes() {
  for (const [i, input] of [...els.questionList.querySelectorAll("input.q-time")].entries()) {
    if (form.questions[i]) form.questions[i].time = input.value;
  }
}

function renderQuestions() {
  clear(els.questionList);
  form.questions.forEach((q, i) => {
    const n = i + 1;
    const timeId = `question-time-${n}`;
    els.questionList.append(
      h(
        "li",
        { dataset: { questionId: q.questionId || "" } },
        h(
          "div",
          { class: "question-row" },
          h("span", { class: "q-text" }, q.text, q.questionId ? h("span", { class: "q-bank" }, `(bank: ${q.questionId})`) : null),
          h("label", { for: timeId, class: "visually-hidden" }, `Time question ${n} was asked`),
          h("input", { id: timeId, class: "q-time", type: "text", inputmode: "decimal", placeholder: "time, e.g. 1:05", value: q.time }),
          h("button", { type: "button", class: "secondary q-remove", dataset: { index: String(i) }, "aria-label": `Remove question ${n}` }, "Remove"),
        ),
      ),
    );
  });
  els.questionCount.textContent = form.questions.length ? `${form.questions.length} of at most ${MAX_QUESTIONS} questions.` : "No questions: the whole video is one answer.";
}

function removeQuestion(event) {
  const button = event.target.closest(".q-remove");
  if (!button) return;
  saveTimes();
  form.questions.splice(Number(button.dataset.index), 1);
  renderQuestions();
  const next = els.questionList.querySelector(".q-remove") || els.questionText;
  next.focus();
}

// The job's `questions` from the list, or {error, focus} for a time that is not one.
function questionsOfForm() {
  const inputs = [...els.questionList.querySelectorAll("input.q-time")];
  const items = [];
  for (const [i, q] of form.questions.entries()) {
    const seconds = parseClock(inputs[i] ? inputs[i].value : "");
    if (Number.isNaN(seconds)) return { error: `Question ${i + 1}'s time “${inputs[i].value.trim()}” is not a time like 1:05 (or seconds).`, focus: inputs[i] };
    const item = q.questionId ? { questionId: q.questionId } : { text: q.text };
    if (seconds !== null) item.startSeconds = seconds;
    items.push(item);
  }
  return { items };
}

function setupQuestions() {
  els.questionsBox.addEventListener("toggle", () => {
    if (els.questionsBox.open) loadBank();
  });
  els.questionCategory.addEventListener("change", fillBankSelect);
  els.questionAddBank.addEventListener("click", () => {
    const q = form.bank.find((b) => b.questionId === els.questionBank.value);
    if (q) addQuestion({ text: q.text, questionId: q.questionId });
  });
  const addTyped = () => {
    const text = els.questionText.value.trim();
    if (!text) {
      submitError("Type the question first.");
      els.questionText.focus();
      return;
    }
    if (addQuestion({ text, questionId: null })) els.questionText.value = "";
  };
  els.questionAddText.addEventListener("click", addTyped);
  els.questionText.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault(); // not the form's submit
      addTyped();
    }
  });
  els.questionList.addEventListener("click", removeQuestion);
  renderQuestions();
}

// ---------------------------------------------------------------- submit

async function submitJob(event) {
  event.preventDefault();
  submitError("");
  const analysisType = els.typeSelect.value;
  const url = els.urlInput.value.trim();
  const body = { analysisType };
  const asked = questionsOfForm();
  if (asked.error) {
    submitError(asked.error);
    asked.focus.focus();
    return;
  }
  if (asked.items.length) body.questions = asked.items;
  if (form.file) {
    // Checked again: the file may have changed on disk since it was chosen.
    const problem = await checkVideoFile(form.file);
    if (problem) {
      submitError(problem);
      return;
    }
    if (form.uploaded && form.uploaded.file === form.file) {
      // Uploaded already by a try the API refused (a question's time, say): not sent twice.
      body.fileId = form.uploaded.id;
    } else {
      form.uploadAbort = new AbortController();
      setUploading(true);
      try {
        const uploaded = await uploadFile(form.file, { onProgress: showUploadProgress, signal: form.uploadAbort.signal });
        body.fileId = uploaded.id;
        form.uploaded = { file: form.file, id: uploaded.id };
      } catch (error) {
        submitError(error.name === "AbortError" ? "The upload was cancelled." : error.message);
        return;
      } finally {
        setUploading(false);
        form.uploadAbort = null;
      }
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
    // The file just refused ("is empty") says more than a general hint.
    submitError(form.refused || "Choose a video file (or drop one on the box), or paste a link to a video.");
    return;
  }
  try {
    const created = await createJob(body);
    els.submitForm.reset();
    form.file = null;
    form.uploaded = null;
    form.questions = [];
    clear(els.questionList);
    renderQuestions();
    form.refused = "";
    els.fileInfo.textContent = "";
    await onCreated(created.jobId);
  } catch (error) {
    submitError(questionProblem(error.message));
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
    ["bank-pick", "dropzone", "file-info", "file-input", "question-add-bank", "question-add-text", "question-bank", "question-bank-note", "question-category", "question-count", "question-list", "question-text", "questions-box", "submit-button", "submit-error", "submit-form", "type-select", "upload-bar", "upload-cancel", "upload-label", "upload-percent", "upload-progress", "url-input"].map((id) => [id.replace(/-(\w)/g, (_, c) => c.toUpperCase()), $(`#${id}`)]),
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
  setupQuestions();
}
