// The report's timeline (speech vs pauses, filler words, face present, eye contact) as plain DOM
// bands over the video's length, and the pace chart (uPlot). Both follow the video's playhead
// and seek it when clicked.
import { clock, clear, h } from "./util.js";

const COLORS = {
  pace: "#2563eb",
  perMinute: "#b45309",
  goodBand: "rgba(22, 163, 74, 0.10)",
  playhead: "#111827",
};
export const GOOD_PACE = [120, 160]; // words per minute (the analysis' own "good" range)

const LEGEND = {
  speech: "Speaking",
  pause: "Pause",
  filler: "Filler word",
  face: "Face visible",
  noface: "No face",
  eye: "Eye contact",
  lookaway: "Looking away",
};

// ---------------------------------------------------------------- deriving per-time data

const norm = (word) => String(word || "").toLowerCase().replace(/[^\p{L}\p{N}' ]/gu, "").trim();

// Indexes of transcript words that are fillers: the word's own flag, the report's filler events
// (by time), or, lacking both, a single-word filler named in `byWord`.
export function fillerIndexes(report) {
  const words = (report.transcript && report.transcript.words) || [];
  const fillers = (report.metrics && report.metrics.speech && report.metrics.speech.fillerWords) || {};
  const out = new Set();
  words.forEach((w, i) => {
    if (w.filler) out.add(i);
  });
  if (out.size === 0 && Array.isArray(fillers.items)) {
    for (const item of fillers.items) {
      const at = Number(item.start ?? item.atSeconds);
      const i = words.findIndex((w) => Math.abs(w.start - at) < 0.06);
      if (i < 0) continue;
      const length = norm(item.word).split(/\s+/).filter(Boolean).length || 1;
      for (let k = 0; k < length && i + k < words.length; k += 1) out.add(i + k);
    }
  }
  if (out.size === 0 && fillers.byWord && !Array.isArray(fillers.items)) {
    const single = new Set(Object.keys(fillers.byWord).map(norm).filter((w) => !w.includes(" ")));
    words.forEach((w, i) => {
      if (single.has(norm(w.word))) out.add(i);
    });
  }
  return out;
}

function speechSegments(words, joinGap = 0.5) {
  const out = [];
  for (const w of words) {
    const last = out[out.length - 1];
    if (last && w.start - last.end <= joinGap) last.end = Math.max(last.end, w.end);
    else out.push({ start: w.start, end: w.end });
  }
  return out;
}

function spans(list) {
  return (Array.isArray(list) ? list : [])
    .map((s) => ({ start: Number(s.start), end: Number(s.end) }))
    .filter((s) => Number.isFinite(s.start) && Number.isFinite(s.end) && s.end > s.start)
    .sort((a, b) => a.start - b.start);
}

function union(list) {
  const out = [];
  for (const s of spans(list)) {
    const last = out[out.length - 1];
    if (last && s.start <= last.end) last.end = Math.max(last.end, s.end);
    else out.push({ ...s });
  }
  return out;
}

function complement(list, from, to) {
  const out = [];
  let cursor = from;
  for (const s of union(list)) {
    if (s.start > cursor) out.push({ start: cursor, end: Math.min(s.start, to) });
    cursor = Math.max(cursor, s.end);
  }
  if (cursor < to) out.push({ start: cursor, end: to });
  return out.filter((s) => s.end > s.start);
}

const band = (kind, s) => ({ ...s, kind, title: `${LEGEND[kind]} ${clock(s.start)}–${clock(s.end)}` });

// The lanes the report has data for: [{key, label, bands: [{start, end, kind, title}], marks}].
export function timelineLanes(report, duration) {
  const lanes = [];
  const metrics = report.metrics || {};
  const words = (report.transcript && report.transcript.words) || [];
  if (metrics.speech || words.length) {
    const pauses = spans(metrics.speech && metrics.speech.pauses && metrics.speech.pauses.items);
    lanes.push({
      key: "speech",
      label: "Speech",
      bands: [...speechSegments(words).map((s) => band("speech", s)), ...pauses.map((s) => band("pause", s))],
    });
    const fillers = [...fillerIndexes(report)].sort((a, b) => a - b);
    const marks = [];
    for (const i of fillers) {
      // a multi-word filler ("you know") is one mark at its first word
      if (fillers.includes(i - 1) && words[i - 1] && words[i].start - words[i - 1].end < 0.3) continue;
      marks.push({ at: words[i].start, kind: "filler", title: `“${words[i].word.trim()}” at ${clock(words[i].start)}` });
    }
    lanes.push({ key: "fillers", label: "Filler words", bands: [], marks });
  }
  const visual = metrics.visual;
  if (visual && Array.isArray(visual.faceAbsentIntervals)) {
    const absent = union(visual.faceAbsentIntervals);
    lanes.push({
      key: "face",
      label: "Face",
      bands: [...complement(absent, 0, duration).map((s) => band("face", s)), ...absent.map((s) => band("noface", s))],
    });
    if (Array.isArray(visual.lookAwayIntervals)) {
      const away = union(visual.lookAwayIntervals);
      lanes.push({
        key: "eye",
        label: "Eye contact",
        bands: [
          ...complement([...absent, ...away], 0, duration).map((s) => band("eye", s)),
          ...away.map((s) => band("lookaway", s)),
          ...absent.map((s) => band("noface", s)),
        ],
      });
    }
  }
  return lanes;
}

// ---------------------------------------------------------------- the timeline

// At most `maxTicks` labels, at a round step.
const TICK_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600];

function tickStep(duration, maxTicks) {
  for (const step of TICK_STEPS) {
    if (duration / step <= maxTicks) return step;
  }
  return 7200;
}

// Room for one time label ("10:00" at the axis' font size) and a gap: on a phone the axis is a
// third of a desktop's width, and eight labels there ran into each other ("0:000:10").
const TICK_SPACING_PX = 48;
const axisObservers = new WeakMap();

function layoutAxis(axis, duration) {
  clear(axis);
  const width = axis.clientWidth;
  const maxTicks = width > 0 ? Math.max(1, Math.min(8, Math.floor(width / TICK_SPACING_PX))) : 8;
  const step = tickStep(duration, maxTicks);
  for (let t = 0; t <= duration + 1e-6; t += step) {
    const tick = h("span", { class: "tick" }, clock(t));
    tick.style.left = pct(t, duration);
    // A label at the right end is drawn to the left of its time, inside the axis.
    if (duration - t < (step / 2)) tick.classList.add("tick-end");
    axis.append(tick);
  }
}

const pct = (t, duration) => `${Math.max(0, Math.min(100, (t / duration) * 100))}%`;

// Renders into `container`; returns {update(seconds)} to move the playhead.
export function renderTimeline(container, legendEl, lanes, duration, seek) {
  if (axisObservers.has(container)) axisObservers.get(container).disconnect();
  axisObservers.delete(container);
  clear(container);
  clear(legendEl);
  if (!lanes.length || !(duration > 0)) {
    container.append(h("p", { class: "hint" }, "This report has no timed data to show."));
    return { update() {} };
  }
  const heads = [];
  const used = new Set();
  for (const lane of lanes) {
    const track = h("div", { class: "track", dataset: { lane: lane.key } });
    for (const b of lane.bands) {
      used.add(b.kind);
      const el = h("span", { class: `band ${b.kind}`, title: b.title });
      el.style.left = pct(b.start, duration);
      el.style.width = pct(b.end - b.start, duration);
      track.append(el);
    }
    for (const m of lane.marks || []) {
      used.add(m.kind);
      const el = h("span", { class: `mark ${m.kind}`, title: m.title });
      el.style.left = pct(m.at, duration);
      track.append(el);
    }
    if (lane.key === "fillers" && !(lane.marks || []).length) {
      track.append(h("span", { class: "track-note" }, "none"));
    }
    const head = h("span", { class: "playhead", "aria-hidden": "true" });
    heads.push(head);
    track.append(head);
    track.addEventListener("click", (event) => {
      const box = track.getBoundingClientRect();
      seek(((event.clientX - box.left) / box.width) * duration);
    });
    container.append(h("div", { class: "lane" }, h("span", { class: "lane-label" }, lane.label), track));
  }
  const axis = h("div", { class: "track axis", "aria-hidden": "true" });
  container.append(h("div", { class: "lane" }, h("span", { class: "lane-label" }), axis));
  layoutAxis(axis, duration);
  // The labels follow the axis' width (a phone turned, a window resized).
  if (typeof ResizeObserver === "function") {
    let width = axis.clientWidth;
    const observer = new ResizeObserver(() => {
      if (axis.clientWidth === width) return;
      width = axis.clientWidth;
      layoutAxis(axis, duration);
    });
    observer.observe(axis);
    axisObservers.set(container, observer);
  }
  for (const kind of Object.keys(LEGEND)) {
    if (used.has(kind)) legendEl.append(h("li", {}, h("span", { class: `swatch ${kind}` }), LEGEND[kind]));
  }
  const update = (seconds) => {
    for (const head of heads) head.style.left = pct(seconds, duration);
  };
  update(0);
  return { update };
}

// ---------------------------------------------------------------- the pace chart

// Words per minute in a window sliding over the video (the window fits the video's length), and
// the report's own per-minute pace where it has one.
export function paceSeries(report, duration) {
  const words = (report.transcript && report.transcript.words) || [];
  if (words.length < 3 || !(duration > 0)) return null;
  const windowSeconds = Math.min(60, Math.max(10, duration / 4));
  const step = Math.max(1, windowSeconds / 4);
  const points = new Map();
  for (let t = 0; t <= duration + 1e-6; t += step) {
    const lo = Math.max(0, t - windowSeconds / 2);
    const hi = Math.min(duration, t + windowSeconds / 2);
    const span = hi - lo;
    const count = words.filter((w) => w.start >= lo && w.start < hi).length;
    points.set(Number(t.toFixed(3)), [span >= windowSeconds / 2 ? (count / span) * 60 : null, null]);
  }
  const perMinute = (report.metrics && report.metrics.speech && report.metrics.speech.paceByMinute) || [];
  for (const m of perMinute) {
    const mid = Number(((Number(m.start) + Number(m.end)) / 2).toFixed(3));
    if (!Number.isFinite(mid) || !Number.isFinite(m.wordsPerMinute)) continue;
    const entry = points.get(mid) || [null, null];
    entry[1] = m.wordsPerMinute;
    points.set(mid, entry);
  }
  const xs = [...points.keys()].sort((a, b) => a - b);
  return {
    windowSeconds,
    hasPerMinute: perMinute.length > 0,
    data: [xs, xs.map((x) => points.get(x)[0]), xs.map((x) => points.get(x)[1])],
  };
}

// Renders the pace chart; returns {update(seconds), destroy()}.
export function renderPaceChart(container, noteEl, report, duration, seek) {
  clear(container);
  const series = paceSeries(report, duration);
  const uPlot = window.uPlot;
  if (!series || !uPlot) {
    noteEl.textContent = series ? "The chart library did not load." : "Not enough speech to chart the pace.";
    container.hidden = true;
    return { update() {}, destroy() {} };
  }
  container.hidden = false;
  noteEl.textContent =
    `Words per minute over a sliding ${Math.round(series.windowSeconds)}-second window` +
    (series.hasPerMinute ? "; dots: each minute's pace." : ".") +
    ` The shaded band is a comfortable pace (${GOOD_PACE[0]}–${GOOD_PACE[1]} words per minute).`;
  let playhead = 0;
  const maxY = Math.max(200, ...series.data[1].filter(Number.isFinite), ...series.data[2].filter(Number.isFinite));
  const options = {
    width: Math.max(240, container.clientWidth || 600),
    height: 200,
    scales: {
      x: { time: false, range: [0, duration] },
      y: { range: [0, Math.ceil((maxY * 1.1) / 20) * 20] },
    },
    axes: [
      // Whole seconds only: a short video's half-second ticks read "0:01 0:01" once rounded.
      { values: (u, values) => values.map((v) => clock(v)), incrs: TICK_STEPS },
      { label: "words / min", size: 56 },
    ],
    series: [
      { label: "Time", value: (u, v) => (v === null || v === undefined ? "–" : clock(v)) },
      {
        label: "Pace",
        stroke: COLORS.pace,
        width: 2,
        spanGaps: true,
        value: (u, v) => (v === null || v === undefined ? "–" : `${Math.round(v)} wpm`),
      },
      ...(series.hasPerMinute
        ? [
            {
              label: "Minute",
              stroke: COLORS.perMinute,
              paths: () => null,
              points: { show: true, size: 9, fill: COLORS.perMinute },
              value: (u, v) => (v === null || v === undefined ? "–" : `${Math.round(v)} wpm`),
            },
          ]
        : []),
    ],
    cursor: { drag: { x: false, y: false } },
    hooks: {
      drawAxes: [
        (u) => {
          const { ctx } = u;
          const top = u.valToPos(GOOD_PACE[1], "y", true);
          const bottom = u.valToPos(GOOD_PACE[0], "y", true);
          ctx.save();
          ctx.fillStyle = COLORS.goodBand;
          ctx.fillRect(u.bbox.left, top, u.bbox.width, bottom - top);
          ctx.restore();
        },
      ],
      draw: [
        (u) => {
          const { ctx } = u;
          const x = u.valToPos(playhead, "x", true);
          ctx.save();
          ctx.strokeStyle = COLORS.playhead;
          ctx.lineWidth = 2 * (window.devicePixelRatio || 1);
          ctx.beginPath();
          ctx.moveTo(x, u.bbox.top);
          ctx.lineTo(x, u.bbox.top + u.bbox.height);
          ctx.stroke();
          ctx.restore();
        },
      ],
    },
  };
  const data = series.hasPerMinute ? series.data : series.data.slice(0, 2);
  const chart = new uPlot(options, data, container);
  chart.over.addEventListener("click", () => {
    if (chart.cursor.left >= 0) seek(chart.posToVal(chart.cursor.left, "x"));
  });
  const resize = new ResizeObserver(() => {
    const width = Math.max(240, container.clientWidth);
    if (width !== chart.width) chart.setSize({ width, height: 200 });
  });
  resize.observe(container);
  return {
    update(seconds) {
      playhead = seconds;
      chart.redraw(false, false);
    },
    destroy() {
      resize.disconnect();
      chart.destroy();
    },
  };
}
