"""Text: vocabulary, hedging phrases and self-deprecation in the transcript (and VADER sentiment,
reported but not judged: an answer about a problem solved — "the outage was fixed and complaints
dropped to zero" — reads as negative to VADER, so negative wording is no verdict; putting
yourself down — "I'm bad at", "I'm not good with" — is)."""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

HEDGES = (
    "i think", "i guess", "i feel like", "i'm not sure", "i am not sure", "kind of", "sort of",
    "maybe", "perhaps", "probably", "possibly", "somewhat", "a little bit", "i suppose",
    "i believe", "hopefully", "more or less",
)  # fmt: skip
_HEDGE_RE = re.compile(r"\b(" + "|".join(re.escape(h) for h in HEDGES) + r")\b")
# Putting yourself down: "I'm bad at", "I'm not good with", "I'm terrible at", "I'm hopeless",
# "I'm no expert", "I'm not smart enough", "I suck at", "I'm just a"…
_SELF_DEPRECATION_RE = re.compile(
    r"\b(i'?m|i am) (?:(?:really|just|so|pretty|quite|kind of|always) )?"
    r"(bad|terrible|awful|hopeless|useless|rubbish|horrible|the worst) (?:at|with)\b"
    r"|\b(i'?m|i am) (?:really |just |honestly )?not (?:very |really |that |so )?"
    r"(?:good|great) (?:at|with)\b"
    r"|\b(i'?m|i am) (?:not (?:very |that |really )?(?:smart|clever)|no expert|hopeless|useless"
    r"|just an? (?:junior|beginner|nobody))\b"
    r"|\bi (?:suck|am useless|can't do anything) at\b"
    r"|\b(?:i'?m|i am) probably not (?:the right|good enough|qualified)\b"
    r"|\bi'?m not (?:good|qualified|experienced) enough\b"
)
_WORD_RE = re.compile(r"[a-z]+(?:'[a-z]+)?")
# Function words do not tell about vocabulary (nor about what an answer is about: answers.py).
FUNCTION_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "so",
        "if",
        "then",
        "than",
        "that",
        "this",
        "these",
        "those",
        "i",
        "me",
        "my",
        "we",
        "our",
        "you",
        "your",
        "he",
        "she",
        "it",
        "its",
        "they",
        "them",
        "their",
        "is",
        "am",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "have",
        "has",
        "had",
        "do",
        "does",
        "did",
        "to",
        "of",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "from",
        "as",
        "about",
        "into",
        "over",
        "after",
        "before",
        "up",
        "down",
        "out",
        "not",
        "no",
        "yes",
        "just",
        "very",
        "um",
        "uh",
        "like",
        "know",
        "mean",
        "what",
        "which",
        "who",
        "whom",
        "when",
        "where",
        "why",
        "how",
        "all",
        "any",
        "some",
        "can",
        "could",
        "would",
        "should",
        "will",
        "shall",
        "may",
        "might",
        "must",
        "there",
        "here",
        "also",
        "too",
    ]
)


@lru_cache(maxsize=1)
def _vader() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


@dataclass
class TextFindings:
    word_count: int = 0
    unique_words: int = 0
    lexical_diversity: float | None = None  # distinct content words / content words
    hedges: dict[str, int] = field(default_factory=dict)
    hedges_per_100_words: float = 0.0
    sentiment: dict[str, float] | None = None
    self_deprecation: list[str] = field(default_factory=list)  # the phrases, as said
    top_words: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    def to_metrics(self) -> dict[str, Any]:
        return {
            "wordCount": self.word_count,
            "uniqueWords": self.unique_words,
            "lexicalDiversity": self.lexical_diversity,
            "hedges": self.hedges,
            "hedgesPer100Words": self.hedges_per_100_words,
            "sentiment": self.sentiment,
            "selfDeprecation": self.self_deprecation,
            "topWords": self.top_words,
        }


def analyze_text(text: str) -> TextFindings:
    started = time.perf_counter()
    lowered = text.lower().replace("’", "'")
    tokens = _WORD_RE.findall(lowered)
    content = [t for t in tokens if t not in FUNCTION_WORDS]
    findings = TextFindings(word_count=len(tokens), unique_words=len(set(tokens)))
    if len(content) >= 10:
        findings.lexical_diversity = round(len(set(content)) / len(content), 3)
    findings.top_words = [w for w, _ in Counter(t for t in content if len(t) > 3).most_common(8)]
    hedges = Counter(m.group(1) for m in _HEDGE_RE.finditer(lowered))
    findings.hedges = dict(hedges.most_common())
    if tokens:
        findings.hedges_per_100_words = round(sum(hedges.values()) / len(tokens) * 100, 2)
    findings.self_deprecation = [m.group(0) for m in _SELF_DEPRECATION_RE.finditer(lowered)]
    if tokens:
        scores = _vader().polarity_scores(text)
        findings.sentiment = {k: round(float(v), 3) for k, v in scores.items()}
    findings.timings = {"text": time.perf_counter() - started}
    return findings
