// One job's report: score and sub-scores, summary, feedback that seeks the video, the video (streamed
// from a signed link of the upload, or from the job's own URL), the timeline and pace chart, the
// answers (each question's time range plays it; content and delivery figures; the STAR strip),
// the transcript (fillers highlighted, hesitations as markers, STAR sentences underlined, words
// seek), and the measurements. A job still running is
// followed live.
import { activityText, uploadDeleted } from "./activity.js";
import { TERMINAL, apiJSON, downloadFile, followJobEvents } from "./api.js";
import { hideSharing, showSharing } from "./share.js";
import { fillerIndexes, renderPaceChart, renderTimeline, timelineLanes } from "./timeline.js";
import { $, clear, clock, h, humanize, percent, saveBlob, when } from "./util.js";

const CATEGORY = {
  pace: "Pace",
  fillers: "Filler words",
  pauses: "Pauses",
  voice: "Voice",
  eye_contact: "Eye contact",
  framing: "Framing",
  lighting: "Lighting",
  face: "Face",
  content: "Content",
  media: "Video",
};
const SEVERITY = { info: "Note", suggestion: "Suggestion", warning: "Warning" };
const STATUS_TEXT = {
  PENDING: "Waiting to be analysed…",
  PROCESSING: "Analysing…",
  COMPLETED: "Completed",
  FAILED: "The analysis failed.",
  CANCELLED: "This job was cancelled.",
};

let state = null;

function video() {
  return $("#report-video");
}

function reportError(message) {
  const el = $("#report-error");
  el.textContent = message || "";
  el.hidden = !message;
}

// ---------------------------------------------------------------- seeking

function seek(seconds) {
  if (!state || !Number.isFinite(seconds)) return;
  const t = Math.max(0, seconds);
  const v = video();
  if (v.readyState >= 1) v.currentTime = t;
  else state.pendingSeek = t;
  onTime(t);
  const box = v.getBoundingClientRect();
  if (box.bottom < 0 || box.top > window.innerHeight) v.scrollIntoView({ block: "nearest" });
}

function onTime(t) {
  if (!state) return;
  if (state.timeline) state.timeline.update(t);
  if (state.chart) state.chart.update(t);
  highlightWord(t);
}

function highlightWord(t) {
  const words = state.words;
  if (!words.length) return;
  let lo = 0;
  let hi = words.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (words[mid].start <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (found >= 0 && t > words[found].end + 0.5) found = -1;
  if (found === state.currentWord) return;
  if (state.currentWord >= 0 && state.wordEls[state.currentWord]) state.wordEls[state.currentWord].classList.remove("current");
  if (found >= 0 && state.wordEls[found]) state.wordEls[found].classList.add("current");
  state.currentWord = found;
  // Tabbing into the transcript lands on the word being played, unless a word has the focus.
  if (found >= 0 && !$("#transcript").contains(document.activeElement)) rovingWord(found, false);
}

// ---------------------------------------------------------------- the transcript by keyboard
// The words are one tab stop (a roving tabindex): hundreds of them would each be a Tab press.
// Arrow keys move between words, Home/End to the first/last, Enter or Space plays from the word.

function rovingWord(index, focus) {
  const els = state.wordEls;
  if (!els[index]) return;
  if (state.rovingWord !== index && els[state.rovingWord]) els[state.rovingWord].tabIndex = -1;
  state.rovingWord = index;
  els[index].tabIndex = 0;
  if (focus) els[index].focus();
}

function onTranscriptKey(event) {
  if (!state) return;
  const word = event.target.closest(".w");
  if (!word) return;
  const index = state.wordEls.indexOf(word);
  const last = state.wordEls.length - 1;
  const moves = { ArrowRight: index + 1, ArrowDown: index + 1, ArrowLeft: index - 1, ArrowUp: index - 1, Home: 0, End: last };
  if (event.key in moves) {
    event.preventDefault();
    rovingWord(Math.max(0, Math.min(last, moves[event.key])), true);
  } else if (event.key === "Enter" || event.key === " ") {
    event.preventDefault();
    seek(Number(word.dataset.seconds));
  }
}

// ---------------------------------------------------------------- loading

async function load() {
  const s = state;
  reportError("");
  let detail;
  try {
    detail = s.token
      ? await apiJSON(`/api/shared/${encodeURIComponent(s.token)}`, { signal: s.abort.signal, auth: false })
      : await apiJSON(`/api/interview/job/${encodeURIComponent(s.jobId)}/detail`, { signal: s.abort.signal });
  } catch (error) {
    if (error.name === "AbortError" || s !== state) return;
    $("#report-status").textContent = "";
    const gone = s.token ? "This share link does not exist, was revoked or has expired." : "This interview does not exist (or was deleted).";
    reportError(error.status === 404 ? gone : error.message);
    return;
  }
  if (s !== state) return;
  s.detail = detail;
  await describe(detail);
  if (s !== state) return;
  if (detail.status === "COMPLETED" && detail.detailedAnalysis) {
    showStatus(null);
    renderReport(detail);
    return;
  }
  showStatus(detail);
  if (!TERMINAL.has(detail.status)) follow();
}

async function describe(detail) {
  if (state.token) {
    state.name = "Shared interview report";
    $("#report-title").textContent = state.name;
    document.title = `${state.name} · Interview Job System`;
    $("#report-meta").textContent = `${humanize(detail.analysisType || "")} analysis · recorded ${when(detail.createdAt)} · this link works until ${when(detail.expiresAt)}`;
    return;
  }
  const name =
    detail.fileName || (detail.fileId ? `Uploaded file #${detail.fileId}` : uploadDeleted(detail) ? "A deleted upload" : detail.videoUrl);
  state.name = name;
  $("#report-title").textContent = `Report: ${name}`;
  document.title = `${name} · Interview Job System`;
  const type = humanize(detail.analysisType || "");
  $("#report-meta").textContent = `${type} analysis · uploaded ${when(detail.createdAt)}`;
}

function showStatus(job) {
  const box = $("#report-status");
  clear(box);
  if (!job) return;
  const working = !TERMINAL.has(job.status);
  const text = STATUS_TEXT[job.status] || job.status;
  box.append(h("p", { class: `badge status-${String(job.status).toLowerCase()}` }, working ? activityText(job) : text));
  if (working) {
    const bar = h("progress", { max: "100", "aria-label": "Progress" });
    if (job.status === "PROCESSING" && Number.isFinite(job.progress)) bar.value = job.progress;
    box.append(bar, h("p", { class: "hint" }, "This page updates by itself when the analysis is done."));
  }
  if (job.status === "FAILED") reportError(job.errorMessage || "The analysis failed.");
}

function follow() {
  const s = state;
  followJobEvents(s.jobId, {
    signal: s.abort.signal,
    onStatus: (update) => {
      if (s !== state) return;
      if (update.status === "COMPLETED") load();
      else showStatus({ ...s.detail, ...update });
    },
    onDeleted: () => {
      if (s === state) reportError("This interview was deleted.");
    },
  }).catch((error) => {
    if (s === state) reportError(error.message);
  });
}

async function loadVideo(detail) {
  const s = state;
  const v = video();
  const status = $("#video-status");
  if (s.token) {
    // A share link's report carries a short-lived signed URL of the video (or none).
    v.src = detail.videoUrl || "";
    status.textContent = detail.videoUrl ? "" : "The video is not part of this shared report.";
    if (!detail.videoUrl) v.removeAttribute("src");
  } else if (detail.videoDeletedAt) {
    status.textContent = `The video was deleted on ${when(detail.videoDeletedAt)} (video retention); the report is kept.`;
  } else if (detail.fileId) {
    // A <video> cannot send the token: ask for a signed link, which it streams and seeks
    // (Range) without holding the whole file in memory.
    status.textContent = "Loading the video…";
    try {
      const link = await apiJSON(`/api/files/${detail.fileId}/link`, { signal: s.abort.signal });
      if (s !== state) return;
      v.src = link.url;
      status.textContent = "";
    } catch (error) {
      if (error.name === "AbortError" || s !== state) return;
      status.textContent =
        error.status === 404 ? "The video file is no longer stored, so it cannot be played." : `The video could not be loaded: ${error.message}`;
    }
  } else if (uploadDeleted(detail)) {
    v.removeAttribute("src");
    status.textContent = "The video was deleted, so it cannot be played; the report below is complete all the same.";
  } else if (/^https?:\/\//i.test(detail.videoUrl || "")) {
    status.textContent = "Playing from the video's link.";
    v.src = detail.videoUrl;
  } else {
    status.textContent = "No video to play.";
  }
}

// ---------------------------------------------------------------- rendering

function renderReport(detail) {
  const report = detail.detailedAnalysis;
  $("#report-body").hidden = false;
  $("#score-value").textContent = Number.isFinite(report.score) ? Math.round(report.score) : "–";
  $("#score-value").className = scoreClass(report.score);
  renderSubScores(report.subScores);
  $("#summary").textContent = report.summary || "";
  renderFeedback(report.feedback || []);
  renderTranscript(report);
  renderAnswers(report);
  renderMetrics(report);
  loadVideo(detail);
  const duration = durationOf(detail);
  drawTimeline(report, duration);
  const s = state;
  showSharing(s.token ? { token: s.token, shared: detail } : { jobId: s.jobId }, {
    seek,
    time: () => video().currentTime || 0,
    signal: s.abort.signal,
  });
}

function durationOf(detail) {
  const report = detail.detailedAnalysis || {};
  const d = (report.metrics && report.metrics.durationSeconds) || detail.durationSeconds;
  if (d > 0) return d;
  const v = video();
  return Number.isFinite(v.duration) ? v.duration : 0;
}

function drawTimeline(report, duration) {
  if (state.chart) state.chart.destroy();
  state.timeline = renderTimeline($("#timeline"), $("#timeline-legend"), timelineLanes(report, duration), duration, seek);
  state.chart = renderPaceChart($("#pace-chart"), $("#pace-note"), report, duration, seek);
  state.timelineDuration = duration;
}

function scoreClass(score) {
  if (!Number.isFinite(score)) return "";
  return score >= 75 ? "score-good" : score >= 50 ? "score-fair" : "score-low";
}

function renderSubScores(subScores) {
  const list = $("#sub-scores");
  clear(list);
  let entries = [];
  if (Array.isArray(subScores)) entries = subScores.map((s) => [s.name || s.category, s.score ?? s.value]);
  else if (subScores && typeof subScores === "object") entries = Object.entries(subScores);
  for (const [name, value] of entries) {
    if (!Number.isFinite(value)) continue;
    const id = `sub-${String(name).replace(/[^a-z0-9_-]/gi, "")}`;
    list.append(
      h(
        "li",
        {},
        h("label", { for: id }, CATEGORY[name] || humanize(name)),
        h("meter", { id, min: "0", max: "100", low: "50", high: "75", optimum: "100", value: String(value) }),
        h("span", { class: "sub-value" }, String(Math.round(value))),
      ),
    );
  }
}

function renderFeedback(items, list = $("#feedback")) {
  clear(list);
  if (!items.length) {
    list.append(h("li", { class: "hint" }, "No feedback items."));
    return;
  }
  for (const item of items) {
    const severity = SEVERITY[item.severity] ? item.severity : "info";
    const label = h("span", { class: `severity ${severity}` }, SEVERITY[severity]);
    const category = h("span", { class: "category" }, CATEGORY[item.category] || humanize(item.category || ""));
    const message = h("span", { class: "message" }, item.message || "");
    const timed = Number.isFinite(item.atSeconds);
    const body = timed
      ? h(
          "button",
          { type: "button", class: "feedback-item", dataset: { seconds: String(item.atSeconds) }, title: `Play from ${clock(item.atSeconds)}` },
          h("span", { class: "time" }, clock(item.atSeconds)),
          label,
          category,
          message,
        )
      : h("div", { class: "feedback-item" }, label, category, message);
    list.append(h("li", { class: `sev-${severity}` }, body));
  }
}

function phrasesOf(words) {
  const out = [];
  let current = [];
  words.forEach((w, i) => {
    const prev = words[i - 1];
    const gap = prev ? w.start - prev.end : 0;
    const sentenceEnd = prev && /[.?!]$/.test(prev.word.trim()) && current.length >= 6;
    if (current.length && (gap > 1.2 || sentenceEnd || current.length >= 30)) {
      out.push(current);
      current = [];
    }
    current.push(i);
  });
  if (current.length) out.push(current);
  return out;
}

function renderTranscript(report) {
  const box = $("#transcript");
  clear(box);
  const words = (report.transcript && report.transcript.words) || [];
  state.words = words;
  state.wordEls = [];
  state.currentWord = -1;
  if (!words.length) {
    box.append(h("p", { class: "hint" }, report.transcript ? "No speech was recognised." : "This analysis has no transcript."));
    return;
  }
  const fillers = fillerIndexes(report);
  for (const phrase of phrasesOf(words)) {
    const first = words[phrase[0]];
    const p = h(
      "p",
      { class: "phrase" },
      h("button", { type: "button", class: "ts", dataset: { seconds: String(first.start) }, "aria-label": `Play from ${clock(first.start)}` }, clock(first.start)),
      " ",
    );
    for (const i of phrase) {
      const w = words[i];
      if (w.kind === "hesitation") {
        // Heard in the sound, not a word Whisper wrote: a marker in the flow of the words.
        const marker = h(
          "span",
          { class: "w hesitation", role: "button", tabindex: "-1", title: "a hesitation (heard, no word)", "aria-label": `hesitation at ${clock(w.start)}`, dataset: { seconds: String(w.start) } },
          "…",
        );
        state.wordEls[i] = marker;
        p.append(marker, " ");
        continue;
      }
      const el = h(
        fillers.has(i) ? "mark" : "span",
        { class: fillers.has(i) ? "w filler" : "w", role: "button", tabindex: "-1", dataset: { seconds: String(w.start) } },
        w.word.trim(),
      );
      if (fillers.has(i)) {
        el.title = "filler word";
        el.setAttribute("aria-label", `${w.word.trim()} (filler word)`);
      }
      state.wordEls[i] = el;
      p.append(el, " ");
    }
    box.append(p);
  }
  state.rovingWord = -1;
  rovingWord(0, false);
}

// ---------------------------------------------------------------- answers

const STAR_PARTS = [
  ["situation", "Situation"],
  ["task", "Task"],
  ["action", "Action"],
  ["result", "Result"],
];
const SPLIT_METHOD = {
  speakers: "by the two voices (the interviewer's turns are the questions)",
  "question times": "at the questions' times",
  "aligned to the transcript": "by finding the questions in the transcript",
  "whole recording": "as one answer (the whole recording)",
};

const questionText = (a) => (a.question && a.question.text ? a.question.text : "Question not known");
const short = (text, n = 60) => (text.length > n ? `${text.slice(0, n - 1)}…` : text);

// The strongest and weakest of the scored answers (none when fewer than two differ).
function extremes(answers) {
  const scored = answers.filter((a) => Number.isFinite(a.score));
  if (scored.length < 2) return { best: null, worst: null };
  const best = scored.reduce((x, y) => (y.score > x.score ? y : x));
  const worst = scored.reduce((x, y) => (y.score < x.score ? y : x));
  return best.score === worst.score ? { best: null, worst: null } : { best, worst };
}

function renderAnswers(report) {
  const section = $("#answers-section");
  const list = $("#answers");
  clear(list);
  const answers = Array.isArray(report.answers) ? report.answers : [];
  section.hidden = !answers.length;
  if (!answers.length) return;
  const { best, worst } = extremes(answers);
  const summary = $("#answers-summary");
  if (best) {
    summary.textContent =
      `Strongest answer: Q${best.index + 1} “${short(questionText(best))}” (${Math.round(best.score)}); ` +
      `weakest: Q${worst.index + 1} “${short(questionText(worst))}” (${Math.round(worst.score)}).`;
  } else {
    const n = answers.length;
    summary.textContent = n === 1 ? "One answer." : `${n} answers.`;
  }
  const split = report.answersSplit;
  const how = split && (SPLIT_METHOD[split.method] || split.method);
  $("#answers-split").textContent = how
    ? `The recording was split ${how}.${split.confident === false ? ` Not confident: ${split.note || "check the times below"}.` : split.note ? ` ${split.note}` : ""}`
    : "";
  for (const answer of answers) list.append(answerItem(answer, answer === best ? "strongest" : answer === worst ? "weakest" : ""));
  markStarSentences(answers);
}

function answerItem(a, rank) {
  const n = a.index + 1;
  const head = h(
    "div",
    { class: "answer-head" },
    h("h3", {}, h("span", { class: "q-number" }, `Q${n}`), questionText(a)),
    rank ? h("span", { class: `answer-tag ${rank}` }, rank === "strongest" ? "strongest" : "weakest") : null,
    h(
      "button",
      { type: "button", class: "secondary answer-time", dataset: { seconds: String(a.start) }, "aria-label": `Play answer ${n}, ${clock(a.start)} to ${clock(a.end)}` },
      `${clock(a.start)}–${clock(a.end)}`,
    ),
  );
  const scores = h(
    "ul",
    { class: "answer-scores" },
    scoreItem("Score", a.score),
    scoreItem("Content", a.contentScore),
    scoreItem("Delivery", a.deliveryScore),
  );
  const content = a.content || {};
  const feedback = h("ol", { class: "feedback" });
  const item = h(
    "li",
    { class: `answer ${rank}`.trim(), dataset: { index: String(a.index) } },
    head,
    scores,
    starStrip(content.star, n),
    h("div", { class: "answer-figures" }, contentFigures(content, Boolean(a.question)), deliveryFigures(a.delivery || {})),
    feedback,
  );
  renderFeedback(a.feedback || [], feedback);
  return item;
}

function scoreItem(label, value) {
  return h("li", {}, `${label} `, h("strong", { class: scoreClass(value) }, Number.isFinite(value) ? String(Math.round(value)) : "–"));
}

function starStrip(star, n) {
  if (!star) return h("p", { class: "hint" }, "Structure (STAR) not assessed for this answer.");
  const strip = h("div", { class: "star-strip", role: "group", "aria-label": `Answer ${n}: STAR structure` });
  for (const [key, label] of STAR_PARTS) {
    const part = star[key] || { present: false, sentences: [] };
    const sentences = Array.isArray(part.sentences) ? part.sentences : [];
    if (part.present && sentences.length) {
      strip.append(
        h(
          "button",
          { type: "button", class: `star-part present ${key}`, dataset: { seconds: String(sentences[0].start) }, title: sentences[0].text || "", "aria-label": `${label}: ${sentences.length} sentence${sentences.length > 1 ? "s" : ""}; play from ${clock(sentences[0].start)}` },
          `${label} ✓`,
        ),
      );
    } else {
      strip.append(h("span", { class: `star-part ${key}`, "aria-label": `${label}: missing` }, `${label} —`));
    }
  }
  return strip;
}

function figures(title, rows) {
  return h("section", {}, h("h4", {}, title), h("dl", {}, rows));
}

function contentFigures(c, asked) {
  const spec = c.specificity || {};
  const own = c.ownership || {};
  const len = c.length || {};
  const rep = c.repetition || {};
  const closing = c.closing || {};
  const target = Array.isArray(len.targetSeconds) ? ` (aim ${clock(len.targetSeconds[0])}–${clock(len.targetSeconds[1])})` : "";
  const phrases = Array.isArray(rep.phrases) ? rep.phrases : [];
  return figures("Content", [
    ...row("Relevance", Number.isFinite(c.relevance) ? percent(c.relevance) : asked ? "not measured" : "no question to compare with"),
    ...row(
      "Specific details",
      Number.isFinite(spec.numbers) ? `${spec.numbers} numbers, ${spec.names ?? 0} names, ${spec.timeMarkers ?? 0} time markers${Number.isFinite(spec.per100Words) ? ` (${round(spec.per100Words, 1)} per 100 words)` : ""}` : null,
    ),
    ...row("Ownership", Number.isFinite(own.i) ? `“I” × ${own.i}, “we” × ${own.we ?? 0}${Number.isFinite(own.iShare) ? ` (${percent(own.iShare)} “I”)` : ""}` : null),
    ...row("Length", Number.isFinite(len.seconds) ? `${clock(len.seconds)}, ${len.words ?? "?"} words${target}${len.verdict ? ` · ${humanize(len.verdict)}` : ""}` : null),
    ...row("Repetition", phrases.length ? phrases.slice(0, 3).map((p) => `“${p.phrase}” × ${p.count}`).join(", ") : "none"),
    ...row("Ends with", closing.endsWith ? humanize(closing.endsWith) : null),
  ]);
}

function deliveryFigures(d) {
  const fillers = d.fillerWords || {};
  const pauses = d.pauses || {};
  return figures("Delivery", [
    ...row("Pace", Number.isFinite(d.wordsPerMinute) ? `${round(d.wordsPerMinute)} words per minute` : "not enough speech"),
    ...row("Filler words", Number.isFinite(fillers.total) ? `${fillers.total} (${round(fillers.perMinute, 1)} per minute)` : null),
    ...row("Pauses", Number.isFinite(pauses.count) ? `${pauses.count}${Number.isFinite(pauses.longestSeconds) ? `, longest ${round(pauses.longestSeconds, 1)} s` : ""}` : null),
    ...row("Eye contact", d.eyeContactRatio === null || d.eyeContactRatio === undefined ? null : percent(d.eyeContactRatio)),
  ]);
}

// Underline, in the transcript, the words of each STAR sentence in its part's colour.
function markStarSentences(answers) {
  const words = state.words;
  if (!words.length) return;
  for (const answer of answers) {
    const star = answer.content && answer.content.star;
    if (!star) continue;
    for (const [key, label] of STAR_PARTS) {
      for (const sentence of (star[key] && star[key].sentences) || []) {
        words.forEach((w, i) => {
          const el = state.wordEls[i];
          if (!el || w.start < sentence.start - 0.05 || w.end > sentence.end + 0.05) return;
          el.classList.add(`star-${key}`);
          el.dataset.star = key;
          if (!el.title) el.title = `${label} (Q${answer.index + 1})`;
        });
      }
    }
  }
}

function row(label, value) {
  if (value === null || value === undefined || value === "" || (typeof value === "number" && !Number.isFinite(value))) return [];
  return [h("dt", {}, label), h("dd", {}, String(value))];
}

const round = (n, digits = 0) => (Number.isFinite(n) ? Number(n.toFixed(digits)) : null);
const verdict = (x) => (x && typeof x === "object" ? x.verdict && humanize(x.verdict) : x);

function renderMetrics(report) {
  const box = $("#metrics");
  clear(box);
  const m = report.metrics || {};
  const groups = [];
  groups.push(["Video", [...row("Length", clock(m.durationSeconds))]]);
  const s = m.speech;
  if (s) {
    const fillers = s.fillerWords || {};
    const byWord = Object.entries(fillers.byWord || {})
      .map(([w, n]) => `“${w}” × ${n}`)
      .join(", ");
    const pauses = s.pauses || {};
    groups.push([
      "Speech",
      [
        ...row("Pace", s.wordsPerMinute != null ? `${round(s.wordsPerMinute)} words per minute` : "not enough speech"),
        ...row("Speaking time", percent(s.speakingRatio)),
        ...row("Filler words", fillers.total != null ? `${fillers.total} (${round(fillers.perMinute, 1)} per minute)` : null),
        ...row("Fillers used", byWord || null),
        ...row("Pauses", pauses.count != null ? `${pauses.count}, ${round(pauses.totalSeconds, 1)} s in all, longest ${round(pauses.longestSeconds, 1)} s` : null),
        ...row("Pitch", s.pitch && s.pitch.meanHz != null ? `${round(s.pitch.meanHz)} Hz (varies ± ${round(s.pitch.stdHz)} Hz)` : null),
        ...row("Loudness", s.loudness && s.loudness.meanDb != null ? `${round(s.loudness.meanDb, 1)} dB (varies ± ${round(s.loudness.stdDb, 1)} dB)` : null),
      ],
    ]);
  }
  const v = m.visual;
  if (v) {
    groups.push([
      "Visual",
      [
        ...row("Face visible", percent(v.facePresenceRatio)),
        ...row("Eye contact", percent(v.eyeContactRatio)),
        ...row("More than one face", percent(v.multipleFacesRatio)),
        ...row("Framing", verdict(v.framing)),
        ...row("Lighting", verdict(v.lighting)),
      ],
    ]);
  }
  for (const [title, rows] of groups) {
    if (!rows.length) continue;
    box.append(h("section", {}, h("h3", {}, title), h("dl", {}, rows)));
  }
}

function downloadJson() {
  if (!state || !state.detail || !state.detail.detailedAnalysis) return;
  const blob = new Blob([JSON.stringify(state.detail.detailedAnalysis, null, 2)], { type: "application/json" });
  saveBlob(blob, `interview-report-${state.jobId}.json`);
}

async function downloadHtml() {
  if (!state || !state.jobId) return;
  reportError("");
  try {
    await downloadFile(`/api/interview/job/${encodeURIComponent(state.jobId)}/report.html`, `interview-report-${state.jobId}.html`);
  } catch (error) {
    reportError(`The report could not be downloaded: ${error.message}`);
  }
}

// ---------------------------------------------------------------- view lifecycle

export function setupReport() {
  const v = video();
  v.addEventListener("timeupdate", () => onTime(v.currentTime));
  v.addEventListener("seeked", () => onTime(v.currentTime));
  v.addEventListener("loadedmetadata", () => {
    if (!state) return;
    if (state.pendingSeek !== null) {
      v.currentTime = state.pendingSeek;
      state.pendingSeek = null;
    }
    // A report without a duration gets its timeline once the video tells its length.
    if (!(state.timelineDuration > 0) && state.detail && state.detail.detailedAnalysis && v.duration > 0) {
      drawTimeline(state.detail.detailedAnalysis, v.duration);
    }
  });
  v.addEventListener("error", () => {
    if (state && v.getAttribute("src")) {
      $("#video-status").textContent = "This browser cannot play this video; the report below is complete all the same.";
    }
  });
  const seekFrom = (event) => {
    const target = event.target.closest("[data-seconds]");
    if (target) seek(Number(target.dataset.seconds));
  };
  $("#feedback").addEventListener("click", seekFrom);
  $("#transcript").addEventListener("click", seekFrom);
  $("#answers").addEventListener("click", seekFrom);
  $("#transcript").addEventListener("keydown", onTranscriptKey);
  $("#download-json").addEventListener("click", downloadJson);
  $("#download-html").addEventListener("click", downloadHtml);
  $("#print-report").addEventListener("click", () => window.print());
}

// `jobId` of the user's own job, or `{ token }` of a share link (no login).
export function enterReport(jobId, { token = null } = {}) {
  leaveReport();
  state = {
    jobId,
    token,
    abort: new AbortController(),
    detail: null,
    pendingSeek: null,
    timeline: null,
    chart: null,
    timelineDuration: 0,
    words: [],
    wordEls: [],
    currentWord: -1,
    rovingWord: -1,
  };
  $("#report-title").textContent = "Report";
  $("#report-meta").textContent = "";
  $("#report-body").hidden = true;
  hideSharing();
  $("#video-status").textContent = "";
  showStatus(null);
  $("#report-status").textContent = "Loading…";
  document.title = "Report · Interview Job System";
  // "Open report" was a link on another view: a keyboard or screen reader user starts here.
  $("#report-title").focus();
  load();
}

export function leaveReport() {
  if (!state) return;
  state.abort.abort();
  if (state.chart) state.chart.destroy();
  const v = video();
  v.pause();
  v.removeAttribute("src");
  v.load();
  state = null;
}
