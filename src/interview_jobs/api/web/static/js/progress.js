// "My progress": the user's completed interviews over time (GET /api/interview/progress), the
// latest attempt against the average with personal bests, charts (uPlot), and two attempts at the
// same question side by side (scores, measurements, feedback, both videos).
import { apiJSON } from "./api.js";
import { $, clear, clock, h, percent, when } from "./util.js";

// key in the API's answer, label, format, which way is better (+1 higher, -1 lower, 0 a range)
const MEASURES = [
  ["score", "Overall score", "score", 1],
  ["contentScore", "Content score", "score", 1],
  ["deliveryScore", "Delivery score", "score", 1],
  ["wordsPerMinute", "Pace (words per minute)", "int", 0],
  ["fillersPerMinute", "Filler words per minute", "one", -1],
  ["eyeContactRatio", "Eye contact", "pct", 1],
  ["pausesPerMinute", "Pauses per minute", "one", 0],
  ["answerSeconds", "Answer length", "clock", 0],
  ["starCompleteness", "STAR completeness", "pct", 1],
];
const SCORE_COLORS = { score: "#1d4ed8", contentScore: "#0d9488", deliveryScore: "#b45309" };
const STAR = ["situation", "task", "action", "result"];

let state = null;

function shown(value, kind, signed = false) {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  const sign = signed && value > 0 ? "+" : "";
  if (kind === "pct") return signed ? `${sign}${Math.round(value * 100)} points` : percent(value);
  if (kind === "clock") return signed ? `${sign}${Math.round(value)} s` : clock(value);
  if (kind === "one") return `${sign}${value.toFixed(1)}`;
  return `${sign}${Math.round(value)}`;
}

function error(message) {
  const el = $("#progress-error");
  el.textContent = message || "";
  el.hidden = !message;
}

function query(extra = {}) {
  const params = new URLSearchParams();
  const category = $("#progress-category").value;
  if (category) params.set("category", category);
  for (const [k, v] of Object.entries(extra)) params.set(k, v);
  const text = params.toString();
  return `/api/interview/progress${text ? `?${text}` : ""}`;
}

async function load() {
  const s = state;
  const run = (s.loadRun = (s.loadRun || 0) + 1);
  error("");
  $("#progress-status").textContent = "Loading…";
  let body;
  try {
    body = await apiJSON(query(), { signal: s.abort.signal });
  } catch (e) {
    if (e.name === "AbortError" || state !== s || s.loadRun !== run) return;
    $("#progress-status").textContent = "";
    error(e.message);
    return;
  }
  if (state !== s || s.loadRun !== run) return;
  s.body = body;
  fillCategories(body);
  if (!body.attempts) {
    $("#progress-body").hidden = true;
    $("#progress-status").textContent = body.category
      ? "No completed interviews with answers in this category yet."
      : "No completed interviews yet. Practise or upload a recording; your progress shows here once it is analysed.";
    return;
  }
  $("#progress-status").textContent =
    `${body.attempts} completed interview${body.attempts === 1 ? "" : "s"}` +
    (body.category ? ` with ${body.category.replace(/_/g, " ")} questions` : "") + ".";
  $("#progress-body").hidden = false;
  renderTable(body);
  renderCharts(body);
  renderQuestions(body);
}

function fillCategories(body) {
  const select = $("#progress-category");
  const chosen = select.value;
  const known = new Set([...select.options].map((o) => o.value));
  for (const category of body.categories || []) {
    if (!known.has(category)) select.append(h("option", { value: category }, category.replace(/_/g, " ")));
  }
  select.value = chosen;
}

// ---- latest vs average, personal bests ----
function renderTable(body) {
  const latest = body.latest || {};
  $("#latest-meta").textContent = `Latest: ${when(latest.createdAt)}${latest.fileName ? ` · ${latest.fileName}` : ""}. ` +
    "The average is over every attempt shown.";
  const tbody = $("#progress-table tbody");
  clear(tbody);
  for (const [key, label, kind, better] of MEASURES) {
    const values = body.series[key] || [];
    if (!values.some((v) => v !== null)) continue; // never measured (e.g. content of older reports)
    const delta = body.latestVsAverage[key];
    let cls = "";
    if (better && Number.isFinite(delta) && Math.abs(delta) > 1e-9) cls = delta * better > 0 ? "up" : "down";
    const best = body.bests[key];
    tbody.append(
      h("tr", { dataset: { measure: key } },
        h("th", { scope: "row" }, label),
        h("td", { "data-label": "Latest" }, shown(latest[key], kind)),
        h("td", { "data-label": "Average" }, shown(body.average[key], kind)),
        h("td", { class: `delta ${cls}`.trim(), "data-label": "vs average" }, shown(delta, kind, true)),
        h("td", { "data-label": "Best" }, best
          ? h("a", { href: `#/jobs/${encodeURIComponent(best.jobId)}`, title: `Open the report of ${when(best.createdAt)}` },
            shown(best.value, kind))
          : better ? "–" : "(a range)")));
  }
}

// ---- charts ----
function destroyCharts() {
  for (const chart of state?.charts || []) chart.destroy();
  if (state) state.charts = [];
  if (state?.resize) state.resize.disconnect();
}

// x is the attempt's number (1 = the oldest shown): attempts are evenly spaced however far apart
// in time they were; the legend names the hovered attempt's date.
function chartFor(container, dates, lines, yLabel, format) {
  const uPlot = window.uPlot;
  const xs = dates.map((_, i) => i + 1);
  const options = {
    width: Math.max(240, container.clientWidth || 600),
    height: 220,
    scales: { x: { time: false, range: [0.5, Math.max(1.5, xs.length + 0.5)] } },
    axes: [
      { label: "attempt", values: (u, ticks) => ticks.map((t) => (Number.isInteger(t) ? `#${t}` : "")), incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500] },
      { label: yLabel, size: 56 },
    ],
    series: [
      { label: "Attempt", value: (u, v) => (v === null || v === undefined ? "–" : `#${v} · ${when(dates[v - 1])}`) },
      ...lines.map((line) => ({
        label: line.label,
        stroke: line.color,
        width: 2,
        spanGaps: true,
        points: { show: true, size: 7 },
        value: (u, v) => (v === null || v === undefined ? "–" : format(v)),
      })),
    ],
    cursor: { drag: { x: false, y: false } },
  };
  return new uPlot(options, [xs, ...lines.map((l) => l.values)], container);
}

function renderCharts(body) {
  destroyCharts();
  const scores = $("#scores-chart");
  const measure = $("#measure-chart");
  clear(scores);
  clear(measure);
  if (!window.uPlot) {
    $("#chart-note").textContent = "The chart library did not load.";
    return;
  }
  const xs = body.series.createdAt;
  const lines = ["score", "contentScore", "deliveryScore"]
    .filter((key) => body.series[key].some((v) => v !== null))
    .map((key) => ({ label: MEASURES.find((m) => m[0] === key)[1], color: SCORE_COLORS[key], values: body.series[key] }));
  state.charts.push(chartFor(scores, xs, lines, "score", (v) => String(Math.round(v))));
  const select = $("#measure-select");
  const chosen = select.value || "wordsPerMinute";
  clear(select);
  for (const [key, label] of MEASURES.slice(3)) {
    if (body.series[key].some((v) => v !== null)) select.append(h("option", { value: key }, label));
  }
  select.value = [...select.options].some((o) => o.value === chosen) ? chosen : select.options[0]?.value || "";
  const entry = MEASURES.find((m) => m[0] === select.value);
  if (entry) {
    const [key, label, kind] = entry;
    const factor = kind === "pct" ? 100 : 1;
    const values = body.series[key].map((v) => (v === null ? null : v * factor));
    state.charts.push(chartFor(measure, xs, [{ label, color: "#7c3aed", values }],
      kind === "pct" ? "%" : kind === "clock" ? "seconds" : "", (v) => shown(v / factor, kind)));
  }
  $("#chart-note").textContent = xs.length < 2 ? "One attempt so far: the lines start with your next one." : "";
  state.resize = new ResizeObserver(() => {
    for (const chart of state?.charts || []) {
      const width = Math.max(240, chart.root.parentElement.clientWidth);
      if (width !== chart.width) chart.setSize({ width, height: 220 });
    }
  });
  state.resize.observe(scores);
}

// ---- two attempts at the same question ----
function renderQuestions(body) {
  const repeated = (body.questions || []).filter((q) => q.attempts >= 2);
  $("#compare-none").hidden = repeated.length > 0;
  $("#compare-pickers").hidden = repeated.length === 0;
  const select = $("#compare-question");
  const chosen = select.value;
  clear(select);
  for (const q of repeated) {
    select.append(h("option", { value: q.key }, `${q.text || q.questionId} (${q.attempts} attempts)`));
  }
  if (!repeated.length) {
    clear($("#compare"));
    return;
  }
  select.value = repeated.some((q) => q.key === chosen) ? chosen : repeated[0].key;
  loadAttempts();
}

async function loadAttempts() {
  const s = state;
  const key = $("#compare-question").value;
  const run = (s.attemptsRun = (s.attemptsRun || 0) + 1);
  $("#compare-status").textContent = "Loading the attempts…";
  let body;
  try {
    body = await apiJSON(query({ question: key }), { signal: s.abort.signal });
  } catch (e) {
    if (e.name === "AbortError" || state !== s || s.attemptsRun !== run) return;
    $("#compare-status").textContent = e.message;
    return;
  }
  if (state !== s || s.attemptsRun !== run) return;
  s.attempts = body.questionAttempts || [];
  for (const id of ["#compare-a", "#compare-b"]) {
    const select = $(id);
    clear(select);
    s.attempts.forEach((a, i) => {
      const score = Number.isFinite(a.score) ? ` · ${Math.round(a.score)}/100` : "";
      select.append(h("option", { value: String(i) }, `${when(a.createdAt)}${score}`));
    });
  }
  // Newest against the one before it, shown oldest on the left.
  $("#compare-a").value = String(Math.min(1, s.attempts.length - 1));
  $("#compare-b").value = "0";
  compare();
}

async function compare() {
  const s = state;
  // Only the newest comparison is shown: an older one still loading is dropped when it returns.
  const run = (s.compareRun = (s.compareRun || 0) + 1);
  const current = () => state === s && s.compareRun === run;
  const picked = [$("#compare-a").value, $("#compare-b").value].map((i) => s.attempts[Number(i)]).filter(Boolean);
  const box = $("#compare");
  clear(box);
  if (picked.length < 2) return;
  $("#compare-status").textContent = "Loading both reports…";
  let details;
  try {
    details = await Promise.all(
      picked.map((a) => apiJSON(`/api/interview/job/${encodeURIComponent(a.jobId)}/detail`, { signal: s.abort.signal })),
    );
  } catch (e) {
    if (e.name === "AbortError" || !current()) return;
    $("#compare-status").textContent = e.message;
    return;
  }
  if (!current()) return;
  const answers = picked.map((a, i) => (details[i].detailedAnalysis?.answers || []).find((x) => x.index === a.answerIndex) || null);
  const question = answers.find((a) => a?.question)?.question;
  $("#compare-status").textContent = question ? `“${question.text}”` : "";
  const sides = picked.map((attempt, i) => side(attempt, details[i], answers[i], answers[1 - i]));
  box.append(...sides);
  for (const [i, el] of sides.entries()) attachVideo(el, details[i], answers[i]);
}

function better(mine, theirs, direction) {
  if (!direction || !Number.isFinite(mine) || !Number.isFinite(theirs) || mine === theirs) return "";
  return (mine - theirs) * direction > 0 ? "better" : "";
}

function pauses(delivery) {
  const p = delivery?.pauses;
  return typeof p === "number" ? p : Number.isFinite(p?.count) ? p.count : null;
}

function side(attempt, detail, answer, other) {
  const d = answer?.delivery || {};
  const od = other?.delivery || {};
  const length = answer && Number.isFinite(answer.end - answer.start) ? answer.end - answer.start : null;
  const rows = [
    ["Score", shown(answer?.score, "score"), better(answer?.score, other?.score, 1)],
    ["Content", shown(answer?.contentScore, "score"), better(answer?.contentScore, other?.contentScore, 1)],
    ["Delivery", shown(answer?.deliveryScore, "score"), better(answer?.deliveryScore, other?.deliveryScore, 1)],
    ["Pace", `${shown(d.wordsPerMinute, "int")} words/min`, ""],
    ["Filler words", `${shown(d.fillerWords?.perMinute, "one")} per minute`,
      better(d.fillerWords?.perMinute, od.fillerWords?.perMinute, -1)],
    ["Pauses", shown(pauses(d), "int"), ""],
    ["Eye contact", shown(d.eyeContactRatio, "pct"), better(d.eyeContactRatio, od.eyeContactRatio, 1)],
    ["Length", shown(length, "clock"), ""],
  ];
  const star = answer?.content?.star;
  const feedback = answer?.feedback || [];
  return h("article", { class: "attempt", dataset: { jobId: attempt.jobId } },
    h("h3", {}, `Attempt of ${when(attempt.createdAt)}`),
    h("p", { class: "hint" }, h("a", { href: `#/jobs/${encodeURIComponent(attempt.jobId)}` }, "Open the whole report")),
    h("div", { class: "video-box" }, h("video", { controls: true, playsinline: true, preload: "metadata", "aria-label": `Video of the attempt of ${when(attempt.createdAt)}` }),
      h("p", { class: "hint video-note", "aria-live": "polite" })),
    answer
      ? h("dl", { class: "attempt-figures" }, rows.flatMap(([label, value, cls]) => [h("dt", {}, label), h("dd", { class: cls }, value)]))
      : h("p", { class: "hint" }, "This report has no per-answer figures."),
    star
      ? h("p", { class: "star-strip", "aria-label": "STAR parts present" },
        STAR.map((part) => h("span", { class: star[part]?.present ? "star on" : "star off", title: part },
          `${part[0].toUpperCase()}${star[part]?.present ? " ✓" : " ✗"}`)))
      : null,
    h("h4", {}, "Feedback"),
    feedback.length
      ? h("ul", { class: "attempt-feedback" }, feedback.map((f) => h("li", { class: f.severity }, f.message)))
      : h("p", { class: "hint" }, "No feedback on this answer."));
}

async function attachVideo(el, detail, answer) {
  const v = el.querySelector("video");
  const note = el.querySelector(".video-note");
  const span = answer && Number.isFinite(answer.start) ? `#t=${answer.start}${Number.isFinite(answer.end) ? `,${answer.end}` : ""}` : "";
  try {
    if (detail.fileId) {
      const link = await apiJSON(`/api/files/${detail.fileId}/link`, { signal: state.abort.signal });
      v.src = link.url + span;
    } else if (/^https?:\/\//i.test(detail.videoUrl || "")) {
      v.src = detail.videoUrl + span;
    } else {
      note.textContent = "The video is not available.";
    }
  } catch (e) {
    if (e.name === "AbortError") return;
    note.textContent = e.status === 404 ? "The video was deleted." : e.message;
  }
  if (span) note.textContent = `Plays this answer: ${clock(answer.start)}–${clock(answer.end)}.`;
}

export function setupProgress() {
  $("#progress-category").addEventListener("change", () => state && load());
  $("#measure-select").addEventListener("change", () => state?.body && renderCharts(state.body));
  $("#compare-question").addEventListener("change", () => state && loadAttempts());
  $("#compare-a").addEventListener("change", () => state && compare());
  $("#compare-b").addEventListener("change", () => state && compare());
}

export function enterProgress() {
  leaveProgress();
  state = { abort: new AbortController(), charts: [], body: null, attempts: [], resize: null };
  document.title = "My progress · Interview Job System";
  $("#progress-title").focus();
  load();
}

export function leaveProgress() {
  if (!state) return;
  state.abort.abort();
  destroyCharts();
  for (const v of document.querySelectorAll("#compare video")) {
    v.pause();
    v.removeAttribute("src");
  }
  clear($("#compare"));
  state = null;
}
