"""Fillers and hesitation markers: spellings, the filler pass' merge, the regions it decodes,
the JSON shape, and counts that add up."""

from __future__ import annotations

import numpy as np

from interview_jobs.analysis import AnalysisOptions
from interview_jobs.analysis.fillers import (
    HESITATION_MARK,
    Word,
    count_fillers,
    filler_events,
    filler_items,
    hesitation_label,
    hesitation_marker,
    tag_fillers,
)
from interview_jobs.analysis.hesitations import (
    cap_hesitation_runs,
    merge_hesitations,
    suspect_regions,
)
from interview_jobs.analysis.speech import SpeechFindings, is_hallucinated


def test_drawn_out_spellings_are_hesitations() -> None:
    # spellings Whisper wrote on the real recordings ("ummm", "ummmmm") and their kin
    for spelling, label in [
        ("ummm", "um"), ("ummmmm", "um"), ("uhhh", "uh"), ("hmmm", "hmm"), ("mmm", "hmm"),
        ("errr", "er"), ("ahhh", "ah"), ("um", "um"), ("hm", "hmm"),
    ]:  # fmt: skip
        assert hesitation_label(spelling) == label, spelling
    for word in ("umbrella", "her", "humm", "a", "oh", "mom"):
        assert hesitation_label(word) is None, word


def test_counts_events_and_items_add_up_with_a_hesitation_marker() -> None:
    words = tag_fillers(
        [
            Word("So,", 0.0, 0.3, 0.9),
            Word("uh,", 0.4, 0.6, 0.9),
            Word("you", 0.8, 0.9, 0.9),
            Word("know,", 0.9, 1.1, 0.9),
            hesitation_marker(1.5, 1.9),
            Word("it", 2.0, 2.1, 0.9),
            Word("ummm", 2.2, 2.6, 0.9),
            Word("works.", 2.7, 3.0, 0.9),
        ]
    )
    counts = count_fillers(words)
    assert counts == {"uh": 1, "you know": 1, "hesitation": 1, "um": 1}
    events = filler_events(words)
    assert len(events) == sum(counts.values()) == 4
    items = filler_items(words)
    assert [i["word"] for i in items] == ["uh", "you know", "hesitation", "um"]
    assert items[1] == {"word": "you know", "start": 0.8, "end": 1.1, "source": "transcript"}
    assert items[2]["source"] == "sound"
    findings = SpeechFindings(words=words, speech_segments=[(0.0, 3.0)], audio_seconds=3.0)
    assert HESITATION_MARK not in findings.text and "[hesitation]" not in findings.text
    assert findings.text == "So, uh, you know, it ummm works."
    fillers = findings.to_metrics(AnalysisOptions(), 3.0)["fillerWords"]
    assert fillers["total"] == sum(fillers["byWord"].values()) == len(fillers["items"]) == 4


def test_word_json_is_a_contract_word_with_marker_flags() -> None:
    marker = hesitation_marker(1.5, 1.9).to_json()
    assert marker == {
        "word": HESITATION_MARK,
        "start": 1.5,
        "end": 1.9,
        "confidence": 0.5,
        "filler": "hesitation",
        "kind": "hesitation",
    }
    assert Word("Hello", 0.0, 0.4, 0.9).to_json() == {
        "word": "Hello",
        "start": 0.0,
        "end": 0.4,
        "confidence": 0.9,
    }


def test_merge_adds_only_the_hesitations_the_word_pass_missed() -> None:
    words = [
        Word("Montreal", 0.9, 1.7, 0.9),
        Word("um,", 1.8, 2.0, 0.9),
        Word("forced,", 2.1, 2.5, 0.9),
        Word("aligner.", 4.6, 5.2, 0.9),
    ]
    heard = [
        Word("Montreal", 0.9, 1.6, 0.9),
        Word("um,", 1.85, 2.0, 0.8),  # as many as the word pass wrote there: none added
        Word("hmm,", 3.4, 3.8, 0.7),  # between "forced" and "aligner", none there: added
        Word("uh", 1.1, 1.3, 0.6),  # inside "Montreal": not added
        Word("um.", 6.5, 6.8, 0.6),  # after the speech: not added
        Word("uh,", 5.2, 5.3, 0.9),  # after the last word (prompted Whisper goes on): not added
        Word("aligner.", 4.6, 5.2, 0.9),
    ]
    merged = merge_hesitations(words, heard, speech=[(0.8, 5.3)])
    assert [w.text for w in merged] == ["Montreal", "um,", "forced,", "hmm,", "aligner."]
    assert count_fillers(tag_fillers(merged)) == {"um": 1, "hmm": 1}


def test_suspect_regions_are_the_uncovered_speech() -> None:
    words = [Word("Hello", 1.0, 1.4, 0.9), Word("there", 1.45, 1.8, 0.9), Word("ok", 3.0, 3.2, 0.9)]
    regions = suspect_regions(words, speech=[(0.9, 3.3), (5.0, 5.1)], context=0.1)
    # the 1.2 s between "there" and "ok" (widened by 0.1 s); 0.1 s before "Hello" and the
    # 0.1 s stretch of speech at 5.0 s are too short to hold a hesitation
    assert regions == [(1.7, 3.1)]
    assert suspect_regions([], speech=[(0.0, 2.0)], context=0.0) == [(0.0, 2.0)]


def test_hallucination_guard_spares_real_repetitions_and_catches_loops() -> None:
    # the real recordings: six "uh" in a row, and "word" five times in a sentence
    assert not is_hallucinated("Montreal, uh, uh, uh, uh, uh, uh, forced aligner.", 4.0)
    assert not is_hallucinated(
        "Montreal forced aligner. Word, another word. Here's some more word, word, word, "
        "word, word.",
        6.0,
    )
    # loops of a batched window: one hyphenated token, and hesitations without end
    assert is_hallucinated("Mon-mon-treat" + "-mon-treat" * 30, 10.0)
    assert is_hallucinated("Montreal " + "uh, " * 40, 10.0)


def _bursts(spans: list[tuple[float, float]], seconds: float) -> np.ndarray:
    """A 140 Hz hum in each (start, end), silence (a faint noise) elsewhere, 16 kHz."""
    rng = np.random.default_rng(0)
    t = np.arange(int(seconds * 16000)) / 16000
    audio = 1e-4 * rng.standard_normal(t.size)
    for start, end in spans:
        inside = (t >= start) & (t < end)
        audio[inside] += 0.3 * np.sin(2 * np.pi * 140 * t[inside])
    return audio.astype(np.float32)


def test_a_run_of_hesitations_keeps_one_per_sound() -> None:
    # three "uh" said (three hums apart by 0.2 s of quiet); Whisper wrote five, two of them
    # without a duration (the real mfa_uhuh: eight written for six said)
    audio = _bursts([(1.0, 1.3), (1.5, 1.8), (2.0, 2.3), (3.0, 3.5)], 4.0)
    words = [
        Word("uh,", 1.0, 1.3, 0.9),
        Word("uh,", 1.31, 1.31, 0.9),
        Word("uh...", 1.5, 2.3, 0.9),
        Word("uh,", 2.1, 2.1, 0.9),
        Word("uh,", 2.2, 2.3, 0.9),
        Word("aligner", 3.0, 3.5, 0.9),
    ]
    kept = cap_hesitation_runs(audio, 0.0, words)
    assert [(w.text, w.start) for w in kept] == [
        ("uh,", 1.0),
        ("uh...", 1.5),
        ("uh,", 2.2),
        ("aligner", 3.0),
    ]
    # as many written as heard: all kept; words between hesitations split the runs
    assert cap_hesitation_runs(audio, 0.0, [words[0], words[2], words[4], words[5]]) == [
        words[0],
        words[2],
        words[4],
        words[5],
    ]
    # a run over one sound keeps one; the offset of the block is honoured
    shifted = [Word(w.text, w.start + 60, w.end + 60, w.confidence) for w in words[:2]]
    assert len(cap_hesitation_runs(audio, 60.0, shifted)) == 1
