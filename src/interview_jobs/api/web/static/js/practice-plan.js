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

// A bank question's suggested answer length (GET /api/questions: `lengthSeconds: [low, high]`) as
// {minSeconds, maxSeconds}; the default for a question without one (the user's own).
export function lengthRange(question) {
  const range = question && question.lengthSeconds;
  if (Array.isArray(range) && range.length === 2) {
    const [min, max] = range.map(Number);
    if (Number.isFinite(min) && Number.isFinite(max) && min > 0 && max >= min) {
      return { minSeconds: min, maxSeconds: max };
    }
  }
  return { ...DEFAULT_LENGTH };
}

// GET /api/questions's answer ({categories, questions}) as the questions the page offers: a bank
// question goes by its id, and keeps its category and suggested length.
export function bankQuestions(body) {
  const list = (body && Array.isArray(body.questions) && body.questions) || [];
  return list
    .filter((q) => q && typeof q.text === "string" && q.text.trim() && typeof q.id === "string")
    .map((q) => ({ text: q.text.trim(), questionId: q.id, category: q.category || "", form: q.form || "", ...lengthRange(q) }));
}

// The bank's categories ({id, label}) that hold a question, in the bank's order.
export function bankCategories(body) {
  const list = (body && Array.isArray(body.categories) && body.categories) || [];
  return list.filter((c) => c && c.id && c.count > 0).map((c) => ({ id: String(c.id), label: String(c.label || c.id) }));
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

// A time as the user types it ("1:05", "1:02:03.5", or plain seconds "65") in seconds; null when
// empty; NaN when it is not a time.
export function parseClock(text) {
  const value = String(text ?? "").trim();
  if (!value) return null;
  const match = /^(?:(\d+):)?(?:(\d+):)?(\d+(?:\.\d+)?)$/.exec(value);
  if (!match) return NaN;
  const [, a, b, c] = match;
  const seconds = Number(c);
  if ((a !== undefined || b !== undefined) && seconds >= 60) return NaN;
  if (a !== undefined && b !== undefined) {
    if (Number(b) >= 60) return NaN;
    return Number(a) * 3600 + Number(b) * 60 + seconds;
  }
  return a !== undefined ? Number(a) * 60 + seconds : seconds;
}

// The API's item names in words: "questions[1].startSeconds: …" → "Question 2's time: …".
export function questionProblem(message) {
  return String(message || "")
    .replace(/questions\[(\d+)\]\.startSeconds/g, (_, i) => `Question ${Number(i) + 1}'s time`)
    .replace(/questions\[(\d+)\](\.\w+)?/g, (_, i) => `Question ${Number(i) + 1}`);
}

// A job's stored questions ({text, questionId, startSeconds}) as a new job's `questions` (a retry
// asks the same): a bank question by its id, another by its text; none → undefined.
export function questionsOfJob(job) {
  const stored = (job && Array.isArray(job.questions) && job.questions) || [];
  if (!stored.length) return undefined;
  return stored.map((q) => {
    const item = q.questionId ? { questionId: q.questionId } : { text: q.text };
    if (Number.isFinite(q.startSeconds)) item.startSeconds = q.startSeconds;
    return item;
  });
}
