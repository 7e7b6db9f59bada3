// "Practise": the page shows interview questions one at a time, gives a think time, records the
// answer with the camera and microphone, lets the user play it back and retake it, and sends the
// session for analysis.
//
// One session is ONE video and ONE job. Each take is recorded by its own MediaRecorder (so a
// retake simply replaces that take), and the accepted takes are joined in the page into one WebM
// without re-encoding (webm.js). Question k starts at the sum of the lengths of takes 0..k-1,
// measured from the takes' own timestamps, and is sent as questions[k].startSeconds: the analysis
// splits the answers exactly where they were recorded, and the user gets one report with an answer
// per question instead of N unrelated jobs. Two cases cannot be joined and are sent as one job
// per answer instead: a browser that records MP4 only (Safari), and takes whose codec settings
// differ (the camera changed in between) — the user is told and chooses.
//
// Nothing recorded is lost: every take is stored in IndexedDB as soon as it stops, and the
// session is removed from there only when its upload and its job creation have both succeeded.
// An unsent session is offered again after a reload ("send / discard").
import { apiJSON, createAnalysis, newIdempotencyKey, session, uploadFile } from "./api.js";
import { checkVideoFile } from "./media.js";
import {
  DEFAULT_THINK_SECONDS,
  MAX_QUESTIONS,
  bankCategories,
  bankQuestions,
  lengthVerdict,
  parseQuestions,
  pickQuestions,
  questionsPayload,
} from "./practice-plan.js";
import { CameraError, TakeRecorder, closeCamera, isWebM, openCamera, pickMimeType, recordingProblem } from "./recorder.js";
import { removeSession, saveSession, unsentSessions } from "./uploads-store/idb.js";
import { JoinError, joinTakeBlobs, takeSeconds } from "./webm.js";
import { $, bytes, clear, clock, h } from "./util.js";

const MIN_TAKE_SECONDS = 1;
const VERDICT_TEXT = {
  short: "shorter than suggested so far",
  good: "within the suggested length",
  long: "longer than suggested",
};

let flash = () => {};
let go = () => {};
let active = false;
let bank = null; // the bank's questions once loaded; [] when it is not available
let bankLabels = []; // its categories, {id, label}
let run = null; // the session being recorded
let current = null; // the session shown on the "send" card (an IDB record)
let upload = null; // {abort} while a send is in flight
let storageOk = true;

// ---------------------------------------------------------------- small helpers

function show(el, on) {
  (typeof el === "string" ? $(el) : el).hidden = !on;
}

function message(selector, text) {
  const el = $(selector);
  el.textContent = text || "";
  el.hidden = !text;
}

// Screen readers hear recording start/stop from this live region; emptied first so that the same
// sentence twice is announced twice.
function announce(text) {
  const el = $("#practice-live");
  el.textContent = "";
  setTimeout(() => {
    el.textContent = text;
  }, 50);
}

const rangeText = (q) => `${clock(q.minSeconds)}–${clock(q.maxSeconds)}`;

async function store(record) {
  try {
    await saveSession(record);
    storageOk = true;
  } catch {
    // Private windows and full disks refuse; the recording still lives in this page.
    storageOk = false;
  }
  show("#practice-storage", !storageOk);
}

function fileStem(record) {
  const d = new Date(record.createdAt);
  const pad = (n) => String(n).padStart(2, "0");
  const day = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  return `practice-${day}-${pad(d.getHours())}${pad(d.getMinutes())}`;
}

const extension = (mimeType) => (isWebM(mimeType) ? "webm" : "mp4");

function unload(event) {
  // Only while something would be cut short: a take being recorded, an upload under way.
  if ((run && run.phase === "recording") || upload) {
    event.preventDefault();
    event.returnValue = "";
  }
}

// ---------------------------------------------------------------- the question set

async function loadBank() {
  if (bank !== null) return;
  const note = $("#bank-note");
  try {
    const body = await apiJSON("/api/questions");
    bank = bankQuestions(body);
    bankLabels = bankCategories(body);
    if (!bank.length) throw new Error("it has no questions yet");
  } catch (error) {
    bank = [];
    note.textContent =
      error.status === 404
        ? "The question bank is not available on this server yet: type your own questions."
        : `The question bank could not be loaded (${error.message}): type your own questions.`;
    show(note, true);
    show("#source-bank-choice", false);
    show("#bank-fields", false);
    $("#source-own").checked = true;
    syncSource();
    return;
  }
  const select = $("#bank-category");
  clear(select);
  select.append(h("option", { value: "" }, "any category"));
  for (const category of bankLabels) select.append(h("option", { value: category.id }, category.label));
  show(note, false);
  show("#source-bank-choice", true);
}

function syncSource() {
  const fromBank = $("#source-bank").checked && bank && bank.length;
  show("#own-field", !fromBank);
  show("#bank-fields", Boolean(fromBank));
}

function chosenQuestions() {
  if ($("#source-bank").checked && bank && bank.length) {
    const count = Number($("#bank-count").value);
    if (!Number.isInteger(count) || count < 1 || count > MAX_QUESTIONS) {
      return { error: `Choose between 1 and ${MAX_QUESTIONS} questions.`, focus: "#bank-count" };
    }
    const picked = pickQuestions(bank, $("#bank-category").value, count);
    if (!picked.length) return { error: "The bank has no question in this category.", focus: "#bank-category" };
    return { questions: picked };
  }
  const questions = parseQuestions($("#own-questions").value);
  if (!questions.length) return { error: "Type at least one question (one per line).", focus: "#own-questions" };
  if (questions.length > MAX_QUESTIONS) {
    return { error: `At most ${MAX_QUESTIONS} questions fit in one session; you typed ${questions.length}.`, focus: "#own-questions" };
  }
  return { questions };
}

// ---------------------------------------------------------------- recording

async function startSession(event) {
  event.preventDefault();
  message("#setup-error", "");
  const chosen = chosenQuestions();
  if (chosen.error) {
    message("#setup-error", chosen.error);
    $(chosen.focus).focus();
    return;
  }
  const think = Number($("#think-seconds").value);
  if (!Number.isInteger(think) || think < 0 || think > 120) {
    message("#setup-error", "The think time must be a whole number of seconds, from 0 to 120.");
    $("#think-seconds").focus();
    return;
  }
  const button = $("#practice-start");
  button.disabled = true;
  let stream;
  try {
    stream = await openCamera();
  } catch (error) {
    message("#setup-error", error instanceof CameraError ? error.message : String(error));
    button.disabled = false;
    return;
  }
  button.disabled = false;
  if (!active) {
    closeCamera(stream);
    return;
  }
  const record = {
    id: newIdempotencyKey(),
    username: session.username,
    createdAt: new Date().toISOString(),
    thinkSeconds: think,
    mimeType: pickMimeType(),
    questions: chosen.questions,
    takes: chosen.questions.map(() => null),
    sent: { idempotencyKey: newIdempotencyKey() },
    perTake: null,
  };
  await store(record);
  run = { record, index: 0, stream, recorder: null, phase: null, timer: null, startedAt: 0 };
  show("#practice-setup", false);
  show("#practice-send", false);
  show("#practice-stage", true);
  const camera = $("#camera-view");
  camera.srcObject = stream;
  camera.play().catch(() => {});
  startThink();
}

function stageFor(phase) {
  run.phase = phase;
  const el = $("#practice-stage");
  el.dataset.phase = phase;
  show("#stage-think", phase === "think");
  show("#stage-recording", phase === "recording");
  show("#stage-review", phase === "review");
  show("#camera-view", phase !== "review");
  show("#take-view", phase === "review");
  const anyTake = run.record.takes.some(Boolean);
  show("#stage-end", phase !== "recording" && anyTake);
}

function showQuestion() {
  const { record, index } = run;
  const q = record.questions[index];
  $("#stage-count").textContent = `Question ${index + 1} of ${record.questions.length}`;
  $("#stage-question").textContent = q.text;
  $("#stage-length").textContent = `Suggested length: ${rangeText(q)}.`;
  $("#rec-bar").max = q.maxSeconds;
}

function clearTimer() {
  if (run && run.timer !== null) clearInterval(run.timer);
  if (run) run.timer = null;
}

function startThink() {
  clearTimer();
  showQuestion();
  const take = $("#take-view");
  take.pause();
  stageFor("think");
  const seconds = run.record.thinkSeconds;
  const { index, record } = run;
  const retake = Boolean(record.takes[index]);
  announce(
    `Question ${index + 1} of ${record.questions.length}: ${record.questions[index].text}. ` +
      (seconds ? `Recording starts in ${seconds} seconds.` : "Recording starts now."),
  );
  $("#think-what").textContent = retake ? "Think again about your answer" : "Think about your answer";
  if (!seconds) {
    startRecording();
    return;
  }
  let left = seconds;
  $("#think-left").textContent = String(left);
  $("#think-skip").focus();
  const think = run;
  run.timer = setInterval(() => {
    if (run !== think || run.phase !== "think") return;
    left -= 1;
    $("#think-left").textContent = String(Math.max(0, left));
    if (left <= 0) startRecording();
  }, 1000);
}

function startRecording() {
  if (!run || run.phase === "recording") return;
  clearTimer();
  const q = run.record.questions[run.index];
  let recorder;
  try {
    recorder = new TakeRecorder(run.stream, run.record.mimeType);
    recorder.start();
  } catch (error) {
    stageFor("think");
    message("#practice-error", `The recording could not start: ${error.message}`);
    return;
  }
  message("#practice-error", "");
  run.recorder = recorder;
  recorder.onEnded = () => {
    message("#practice-error", "The camera or microphone stopped: the take ends here.");
    stopRecording();
  };
  run.startedAt = performance.now();
  stageFor("recording");
  $("#rec-target").textContent = `(aim for ${rangeText(q)})`;
  tick();
  run.timer = setInterval(tick, 250);
  $("#rec-stop").focus();
  announce("Recording started. Press Stop when you have answered.");
}

function tick() {
  if (!run || run.phase !== "recording") return;
  const q = run.record.questions[run.index];
  const seconds = (performance.now() - run.startedAt) / 1000;
  $("#rec-time").textContent = clock(Math.floor(seconds));
  $("#rec-bar").value = Math.min(seconds, q.maxSeconds);
  const verdict = lengthVerdict(seconds, q);
  const el = $("#rec-verdict");
  el.textContent = VERDICT_TEXT[verdict];
  el.className = `rec-verdict ${verdict}`;
}

async function stopRecording() {
  if (!run || run.phase !== "recording" || !run.recorder) return;
  const here = run;
  clearTimer();
  const recorder = run.recorder;
  run.recorder = null;
  run.phase = "stopping";
  $("#rec-stop").disabled = true;
  let blob;
  try {
    blob = await recorder.stop();
  } catch (error) {
    $("#rec-stop").disabled = false;
    if (run === here) stageFor("think");
    message("#practice-error", `The recording failed: ${error.message}. Record this answer again.`);
    return;
  }
  $("#rec-stop").disabled = false;
  const wall = (performance.now() - here.startedAt) / 1000;
  // The take's own timestamps give its length in the joined video; MP4 takes are not joined.
  const seconds = isWebM(blob.type || here.record.mimeType) ? await takeSeconds(blob) : wall;
  if (seconds === null || blob.size === 0) {
    if (run === here) reviewWithout("The recording could not be read. Record this answer again.");
    return;
  }
  if (seconds < MIN_TAKE_SECONDS) {
    if (run === here) reviewWithout("That take is shorter than a second. Record this answer again.");
    return;
  }
  here.record.takes[here.index] = { blob, mimeType: blob.type || here.record.mimeType, seconds };
  await store(here.record);
  if (run !== here) return; // the view was left while the take was being saved
  review(seconds);
}

// A take that could not be kept: say why; an earlier take of the same answer stays.
function reviewWithout(text) {
  const hasTake = Boolean(run.record.takes[run.index]);
  stageFor("review");
  show("#take-view", hasTake);
  show("#camera-view", !hasTake);
  show("#review-next", hasTake);
  message("#practice-error", text);
  $("#review-info").textContent = hasTake ? "Your earlier take of this answer is kept." : "";
  $("#review-retake").focus();
  announce(`Recording stopped. ${text}`);
}

function review(seconds) {
  const { record, index } = run;
  const q = record.questions[index];
  stageFor("review");
  show("#review-next", true);
  const take = record.takes[index];
  const player = $("#take-view");
  if (player.dataset.url) URL.revokeObjectURL(player.dataset.url);
  player.dataset.url = URL.createObjectURL(take.blob);
  player.src = player.dataset.url;
  const last = index === record.questions.length - 1;
  $("#review-next").textContent = last ? "Finish" : "Next question";
  const verdict = VERDICT_TEXT[lengthVerdict(seconds, q)];
  $("#review-info").textContent = `Recorded ${clock(seconds)} (${verdict}; suggested ${rangeText(q)}). Play it back, or record it again.`;
  $("#review-next").focus();
  announce(`Recording stopped: ${clock(seconds)} recorded. ${last ? "Finish" : "Go to the next question"}, or retake it.`);
}

function next() {
  if (!run) return;
  message("#practice-error", "");
  if (run.index < run.record.questions.length - 1) {
    run.index += 1;
    startThink();
  } else {
    finish();
  }
}

function retake() {
  if (!run) return;
  message("#practice-error", "");
  startThink();
}

// Ends recording: the questions answered so far make the session (the others are dropped).
async function finish() {
  if (!run) return;
  const { record } = run;
  stopRun();
  const kept = record.questions.map((q, i) => [q, record.takes[i]]).filter(([, take]) => take);
  record.questions = kept.map(([q]) => q);
  record.takes = kept.map(([, take]) => take);
  show("#practice-stage", false);
  if (!record.takes.length) {
    await removeSession(record.id).catch(() => {});
    show("#practice-setup", true);
    announce("The session ended without a recorded answer.");
    $("#practice-start").focus();
    return;
  }
  await store(record);
  showSend(record, { unsent: false });
}

// Closes the camera and the timers; a take being recorded is kept (stored when it stops).
function stopRun() {
  if (!run) return;
  clearTimer();
  const ending = run;
  if (ending.recorder) {
    const recorder = ending.recorder;
    ending.recorder = null;
    recorder
      .stop()
      .then(async (blob) => {
        const seconds = isWebM(blob.type) ? await takeSeconds(blob) : null;
        if (seconds !== null && seconds >= MIN_TAKE_SECONDS) {
          ending.record.takes[ending.index] = { blob, mimeType: blob.type, seconds };
          await store(ending.record);
        }
      })
      .catch(() => {});
  }
  closeCamera(ending.stream);
  $("#camera-view").srcObject = null;
  const player = $("#take-view");
  player.pause();
  if (player.dataset.url) URL.revokeObjectURL(player.dataset.url);
  delete player.dataset.url;
  player.removeAttribute("src");
  run = null;
}

// ---------------------------------------------------------------- sending

function canJoin(record) {
  return record.takes.every((t) => isWebM(t.mimeType));
}

function showSend(record, { unsent }) {
  current = record;
  show("#practice-send", true);
  show("#practice-setup", true);
  $("#send-title").textContent = unsent ? "An unsent practice session is waiting" : "Your answers";
  const when = new Date(record.createdAt).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
  $("#send-meta").textContent = `Recorded ${when}: ${record.takes.length} ${record.takes.length === 1 ? "answer" : "answers"}, ${clock(
    record.takes.reduce((n, t) => n + t.seconds, 0),
  )} in all.`;
  const list = $("#send-takes");
  clear(list);
  record.questions.forEach((q, i) => {
    list.append(h("li", {}, h("span", { class: "send-question" }, q.text), " ", h("span", { class: "hint" }, `(${clock(record.takes[i].seconds)})`)));
  });
  message("#send-error", "");
  message("#send-note", canJoin(record) ? "" : "This browser records MP4, which the page cannot join: each answer is sent as its own analysis.");
  $("#send-button").textContent = "Send for analysis";
  show("#send-per-take", Boolean(record.perTake));
  show("#send-confirm", false);
  show("#send-discard", true);
  $("#send-title").focus();
}

function setSending(on) {
  $("#send-button").disabled = on;
  $("#send-per-take").disabled = on;
  $("#send-discard").disabled = on;
  $("#practice-start").disabled = on;
  show("#send-progress", on);
  if (on) showProgress(0, 1, "Preparing the video…");
}

function showProgress(loaded, total, label = null) {
  const pct = total > 0 ? Math.min(100, Math.floor((loaded / total) * 100)) : 0;
  $("#send-bar").value = pct;
  $("#send-percent").textContent = `${pct} %`;
  $("#send-label").textContent = label || `Uploading… ${bytes(loaded)} of ${bytes(total)}`;
}

async function uploadChecked(file, signal) {
  const problem = await checkVideoFile(file);
  if (problem) throw new Error(problem);
  return uploadFile(file, { onProgress: (loaded, total) => showProgress(loaded, total), signal });
}

// One job for the whole session: the joined video and each question's start in it.
async function sendJoined(record, signal) {
  if (!record.sent.fileId) {
    const joined = await joinTakeBlobs(record.takes.map((t) => t.blob));
    record.sent.startSeconds = joined.startSeconds;
    const file = new File([joined.blob], `${fileStem(record)}.webm`, { type: "video/webm" });
    const uploaded = await uploadChecked(file, signal);
    record.sent.fileId = uploaded.id;
    await store(record);
  }
  showProgress(1, 1, "Creating the analysis…");
  const created = await createAnalysis(
    { fileId: record.sent.fileId, analysisType: "comprehensive", questions: questionsPayload(record.questions, record.sent.startSeconds) },
    record.sent.idempotencyKey,
  );
  return [created.jobId];
}

// One job per answer (MP4 takes, or takes that cannot be joined): each its own upload and job.
async function sendPerTake(record, signal) {
  if (!record.perTake) record.perTake = record.takes.map(() => ({ idempotencyKey: newIdempotencyKey() }));
  const jobIds = [];
  for (const [i, take] of record.takes.entries()) {
    const sent = record.perTake[i];
    if (!sent.fileId) {
      const file = new File([take.blob], `${fileStem(record)}-answer-${i + 1}.${extension(take.mimeType)}`, { type: take.blob.type || take.mimeType });
      const uploaded = await uploadChecked(file, signal);
      sent.fileId = uploaded.id;
      await store(record);
    }
    if (!sent.jobId) {
      showProgress(1, 1, `Creating the analysis of answer ${i + 1}…`);
      const created = await createAnalysis(
        { fileId: sent.fileId, analysisType: "comprehensive", questions: questionsPayload([record.questions[i]], [0]) },
        sent.idempotencyKey,
      );
      sent.jobId = created.jobId;
      await store(record);
    }
    jobIds.push(sent.jobId);
  }
  return jobIds;
}

async function send({ perTake = false } = {}) {
  const record = current;
  if (!record || upload) return;
  message("#send-error", "");
  const controller = new AbortController();
  upload = controller;
  setSending(true);
  let jobIds;
  try {
    jobIds = perTake || record.perTake || !canJoin(record) ? await sendPerTake(record, controller.signal) : await sendJoined(record, controller.signal);
  } catch (error) {
    setSending(false);
    upload = null;
    if (error instanceof JoinError && error.kind === "mismatch") {
      message("#send-error", `${error.message} You can send each answer as its own analysis instead.`);
      show("#send-per-take", true);
      $("#send-per-take").focus();
      return;
    }
    const text = error.name === "AbortError" ? "The upload was cancelled." : error.message;
    const kept = storageOk ? "Your recording is kept in this browser: send it again when you are ready." : "Keep this page open and send it again.";
    message("#send-error", `${text} ${kept}`);
    $("#send-button").textContent = "Try again";
    return;
  }
  upload = null;
  setSending(false);
  await removeSession(record.id).catch(() => {});
  current = null;
  show("#practice-send", false);
  const what = jobIds.length === 1 ? "Your practice session was sent" : `Your ${jobIds.length} answers were sent`;
  flash(`${what}: it is being analysed now. Its report opens from “My interviews” when it is ready.`);
  go("#/");
}

function askDiscard() {
  show("#send-discard", false);
  show("#send-confirm", true);
  $("#send-keep").focus();
}

async function discard() {
  const record = current;
  if (!record) return;
  await removeSession(record.id).catch(() => {});
  current = null;
  show("#practice-send", false);
  announce("The recordings were discarded.");
  await offerUnsent();
  if ($("#practice-send").hidden) $("#practice-title").focus();
}

function keep() {
  show("#send-confirm", false);
  show("#send-discard", true);
  $("#send-discard").focus();
}

// The newest unsent session of this user, on the send card.
async function offerUnsent() {
  let waiting = [];
  try {
    waiting = await unsentSessions(session.username);
  } catch {
    return;
  }
  if (!active || run || upload) return;
  const usable = waiting.filter((r) => r.takes && r.takes.some(Boolean));
  if (!usable.length) return;
  const record = usable[0];
  // A session cut short (the page was closed while recording) keeps the answers it has.
  const kept = record.questions.map((q, i) => [q, record.takes[i]]).filter(([, take]) => take);
  record.questions = kept.map(([q]) => q);
  record.takes = kept.map(([, take]) => take);
  showSend(record, { unsent: true });
  if (usable.length > 1) $("#send-meta").textContent += ` ${usable.length - 1} more waiting.`;
}

// ---------------------------------------------------------------- view lifecycle

// On "My interviews": a note when an unsent session waits, with the way to it.
export async function noteUnsent() {
  const el = $("#unsent-home");
  let waiting = [];
  try {
    waiting = (await unsentSessions(session.username)).filter((r) => r.takes && r.takes.some(Boolean));
  } catch {
    waiting = [];
  }
  show(el, waiting.length > 0);
}

export function setupPractice(options) {
  flash = options.flash;
  go = options.go;
  $("#practice-form").addEventListener("submit", startSession);
  $("#source-own").addEventListener("change", syncSource);
  $("#source-bank").addEventListener("change", syncSource);
  $("#think-skip").addEventListener("click", startRecording);
  $("#rec-stop").addEventListener("click", stopRecording);
  $("#review-next").addEventListener("click", next);
  $("#review-retake").addEventListener("click", retake);
  $("#stage-end").addEventListener("click", finish);
  $("#send-button").addEventListener("click", () => send());
  $("#send-per-take").addEventListener("click", () => send({ perTake: true }));
  $("#send-cancel").addEventListener("click", () => upload && upload.abort());
  $("#send-discard").addEventListener("click", askDiscard);
  $("#send-confirm-yes").addEventListener("click", discard);
  $("#send-keep").addEventListener("click", keep);
  $("#think-seconds").value = String(DEFAULT_THINK_SECONDS);
  window.addEventListener("beforeunload", unload);
}

export function enterPractice() {
  active = true;
  document.title = "Practise · Interview Job System";
  const problem = recordingProblem();
  message("#practice-support", problem);
  $("#practice-start").disabled = Boolean(problem);
  message("#practice-error", "");
  message("#setup-error", "");
  if (!run) {
    show("#practice-stage", false);
    show("#practice-setup", true);
  }
  $("#practice-title").focus();
  loadBank();
  if (!current && !upload) offerUnsent();
}

export function leavePractice() {
  active = false;
  stopRun();
  show("#practice-stage", false);
  if (upload) upload.abort();
}
