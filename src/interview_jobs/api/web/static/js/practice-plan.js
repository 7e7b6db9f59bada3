// The practice session's rules that need no page: the question set, answer lengths, and the
// `questions` sent with the job. Kept apart from practice.js so that Node can test them.

export const MAX_QUESTIONS = 20; // what POST /api/interview/analyze takes in one job
// A question without a suggested length from the bank: the usual one-to-two minutes of an answer.
export const DEFAULT_LENGTH = { minSeconds: 60, maxSeconds: 120 };
export const DEFAULT_THINK_SECONDS = 5;

// The user's own questions: one per line, blank lines and surrounding spaces dropped.
export function parseQuestions(text) {
  return String(text || "")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => ({ text: line, ...DEFAULT_LENGTH }));
}

// The bank's suggested length, as {minSeconds, maxSeconds}, in whichever of the shapes the bank
// may give it ({suggestedSeconds: {min, max}} or [min, max], {minSeconds, maxSeconds},
// {suggestedLength: {minSeconds, maxSeconds}}); the default when it gives none that makes sense.
export function lengthRange(question) {
  const q = question || {};
  const candidates = [
    q.suggestedSeconds,
    q.suggestedLength,
    q.suggestedLengthSeconds,
    { minSeconds: q.minSeconds, maxSeconds: q.maxSeconds },
  ];
  for (const c of candidates) {
    if (!c) continue;
    const min = Number(Array.isArray(c) ? c[0] : c.minSeconds ?? c.min);
    const max = Number(Array.isArray(c) ? c[1] : c.maxSeconds ?? c.max);
    if (Number.isFinite(min) && Number.isFinite(max) && min > 0 && max >= min) {
      return { minSeconds: min, maxSeconds: max };
    }
  }
  return { ...DEFAULT_LENGTH };
}

// GET /api/questions's answer (an array, or {questions | items: [...]}) as the session's questions.
export function bankQuestions(body) {
  const list = Array.isArray(body) ? body : (body && (body.questions || body.items)) || [];
  return list
    .filter((q) => q && typeof q.text === "string" && q.text.trim() && q.id !== undefined && q.id !== null)
    .map((q) => ({ text: q.text.trim(), questionId: String(q.id), category: q.category || "", ...lengthRange(q) }));
}

export function categoriesOf(questions) {
  return [...new Set(questions.map((q) => q.category).filter(Boolean))].sort();
}

// `count` questions drawn at random (without repeats) from `questions` of `category` ("" = any).
export function pickQuestions(questions, category, count, random = Math.random) {
  const pool = questions.filter((q) => !category || q.category === category);
  for (let i = pool.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, Math.max(0, count));
}

// The job's `questions`: each question once, with the time at which its answer starts in the
// joined video (the lengths of the takes before it). A bank question goes by its id.
export function questionsPayload(questions, startSeconds) {
  return questions.map((q, i) => {
    const item = q.questionId ? { questionId: q.questionId } : { text: q.text };
    if (startSeconds) item.startSeconds = Math.round(startSeconds[i] * 1000) / 1000;
    return item;
  });
}

// How the length of the answer so far compares with the question's suggested length.
export function lengthVerdict(seconds, range) {
  if (seconds < range.minSeconds) return "short";
  if (seconds > range.maxSeconds) return "long";
  return "good";
}
