"""What the answers say: the interview's questions and answers, and each answer's content
(relevance, STAR structure, specificity, ownership, length, repetition) — CONTRACT.md
"Questions and answers"."""
