// What a job is doing, in words: its phase (from the API: queued, downloading, analysing,
// scoring), its progress, and the time left from its estimatedCompletionTime; and whether the
// upload it analysed was deleted. Pure functions (no DOM): the list, the report and the Node unit
// tests use them alike.

const PHASE_TEXT = {
  queued: "Queued",
  downloading: "Downloading the video",
  analysing: "Analysing",
  scoring: "Scoring",
};

export function timeLeft(job, now = Date.now()) {
  if (!job || !job.estimatedCompletionTime) return null;
  if (job.status !== "PENDING" && job.status !== "PROCESSING") return null;
  const eta = Date.parse(job.estimatedCompletionTime);
  if (!Number.isFinite(eta)) return null;
  const seconds = (eta - now) / 1000;
  if (seconds < 60) return "less than a minute left";
  if (seconds < 3600) return `about ${Math.round(seconds / 60)} min left`;
  return `about ${(seconds / 3600).toFixed(1)} h left`;
}

export function activityText(job, now = Date.now()) {
  const phase = job.phase || (job.status === "PENDING" ? "queued" : "analysing");
  let text = PHASE_TEXT[phase] || phase;
  if (job.status === "PROCESSING" && Number.isFinite(job.progress) && job.progress > 0) {
    text += ` ${job.progress} %`;
  } else {
    text += "…";
  }
  const left = timeLeft(job, now);
  return left ? `${text} · ${left}` : text;
}

// A job keeps its upload's content URL after the file was deleted (its fileId is then null).
export function uploadDeleted(job) {
  return !job.fileId && /\/api\/files\/\d+\/content$/.test(job.videoUrl || "");
}
