"""The real recordings of shared/media/real as a speech test set: references, the split, and
the measures (used by tests/analysis/test_speech_real.py and bench/real_speech.py).

How the labels of the reference transcripts are read (decided here, once):

- ``um``, ``uh``, ``er``, ``hm`` (and their spellings: ``umm``, ``hmm``…) are **fillers** of the
  class "hesitation" (Whisper writes "uh" for an "um" and the other way round, so they are one
  class); ``you know`` in ``mfa_youknow`` is a discourse filler (the clip is about it; no other
  reference marks one). ``like`` is never labelled as a filler here ("m f a is like apex" is a
  comparison), so a "like" counted as a filler is a false positive.
- ``<cutoff-x>`` (a word broken off) is not a filler and not a word: left out of the reference.
- ``<hes-x>`` (the word x said hesitantly) is the word x; ``[laughter]`` and ``<unk>`` are left
  out; ``'er`` (for "her") is "her".

WER: lower case, punctuation removed (apostrophes kept), digits as words, hesitation spellings
removed from both sides (fillers are scored apart); "you know" and "like" stay words on both
sides. Fillers: per clip and class, found = min(reference count, counted count) true positives
(the references have no times); recall and precision are summed over the clips.

The split is fixed by sorted file name within each folder: even positions tune, odd positions
are held out (:func:`split`).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from tests.analysis.scoring_helpers import HESITATION_TOKENS, NUMBER_WORDS, edit_distance

REAL = Path(__file__).resolve().parents[2].parent / "shared" / "media" / "real"
FOLDERS = ("mfa_disfluency", "read")
AUDIO_SUFFIXES = (".flac", ".wav")
_HESITATION = re.compile(r"^(u+m+|u+h+m*|h+m+|m+h*m+|e+r+m*|a+h+|hesitation)$")


def is_hesitation(token: str) -> bool:
    return token in HESITATION_TOKENS or bool(_HESITATION.match(token))


@dataclass(frozen=True)
class Clip:
    folder: str
    path: Path
    words: list[str]  # the reference words for WER
    fillers: Counter[str]  # class ("hesitation", "you know") → count

    @property
    def name(self) -> str:
        return self.path.stem


def read_reference(path: Path, folder: str) -> Clip:
    text = path.with_suffix(".txt").read_text(encoding="utf-8").lower()
    words: list[str] = []
    fillers: Counter[str] = Counter()
    for raw in text.split():
        hes = re.fullmatch(r"<hes-(.+)>", raw)
        if hes:
            words.append(hes.group(1))
            continue
        if raw.startswith(("<", "[")):
            continue
        raw = "her" if raw == "'er" else raw
        for token in normalise(raw, keep_hesitations=True):
            if is_hesitation(token):
                fillers["hesitation"] += 1
            else:
                words.append(token)
    if path.stem == "mfa_youknow":
        fillers["you know"] += 1
    return Clip(folder, path, words, fillers)


def normalise(text: str, keep_hesitations: bool = False) -> list[str]:
    out = []
    for raw in re.findall(r"[a-z0-9']+", text.lower().replace("’", "'")):
        word = NUMBER_WORDS.get(raw, raw.strip("'"))
        if word and (keep_hesitations or not is_hesitation(word)):
            out.append(word)
    return out


def clips(folder: str) -> list[Clip]:
    directory = REAL / folder
    paths = sorted(
        p
        for p in directory.glob("*")
        if p.suffix in AUDIO_SUFFIXES and p.with_suffix(".txt").exists()
    )
    return [read_reference(p, folder) for p in paths]


def split(items: list[Clip]) -> dict[str, list[Clip]]:
    """Tune on even positions of the sorted names, hold out the odd ones."""
    ordered = sorted(items, key=lambda c: c.path.name)
    return {"tune": ordered[0::2], "held-out": ordered[1::2]}


def filler_class(word: str) -> str:
    return "hesitation" if is_hesitation(word.lower()) else word.lower()


def counted_fillers(by_word: dict[str, int]) -> Counter[str]:
    out: Counter[str] = Counter()
    for word, n in by_word.items():
        out[filler_class(word)] += n
    return out


@dataclass
class Tally:
    errors: int = 0
    ref_words: int = 0
    true_fillers: int = 0
    found_fillers: int = 0
    matched_fillers: int = 0

    def add(self, clip: Clip, transcript: str, fillers: Counter[str]) -> None:
        self.errors += edit_distance(clip.words, normalise(transcript))
        self.ref_words += len(clip.words)
        self.true_fillers += sum(clip.fillers.values())
        self.found_fillers += sum(fillers.values())
        self.matched_fillers += sum(min(n, fillers[k]) for k, n in clip.fillers.items())

    @property
    def wer(self) -> float:
        return self.errors / max(1, self.ref_words)

    @property
    def recall(self) -> float:
        return self.matched_fillers / self.true_fillers if self.true_fillers else 1.0

    @property
    def precision(self) -> float:
        return self.matched_fillers / self.found_fillers if self.found_fillers else 1.0
