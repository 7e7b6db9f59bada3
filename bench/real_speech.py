"""Words and fillers on real recorded speech (shared/media/real: mfa_disfluency, read), our
analysis against a plain faster-whisper run of the same model on the same audio, in one run.

The plain run is what a user would try first: Whisper ``base``, beam 5, word timestamps, no
prompt, on each whole clip, with faster-whisper's default temperature fallback. The fallback
samples, and ``ctranslate2.set_random_seed`` did not make it repeat (two runs with seed 0
differed), so the plain run is decoded ``--plain-runs`` times (default 3) and
its figures are the mean over the runs (errors and fillers summed over runs and clips), with each
run's WER beside it. (At temperature 0 alone the plain run loops on two held-out clips: not what
a user gets.) Ours is the speech analysis of the pipeline (``Analyzer.analyze(path, "speech")``),
at temperature 0: the same in every run. For both: WER and filler recall/precision (how the labels
map to fillers and how WER is normalised: tests/analysis/real_speech.py), per split and folder;
and what each pass cost (wall and CPU seconds, RTF = seconds ÷ audio
seconds). The plain run's fillers are counted by our own filler rules on its words, so only the
words differ.

The split is fixed: in each folder, clips at even positions of the sorted names tune, the odd
ones are held out (listed with ``--list``). Targets on the held-out split: WER ≤ plain, filler
recall ≥ 0.85 at precision ≥ 0.9. Pitch: our pitch spread against Praat run here at a fixed
75–250 Hz (the speakers are men).

    python bench/real_speech.py [--list] [--option NAME=VALUE ...] [--verbose]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _audio(path: Path) -> Any:
    import numpy as np

    from interview_jobs.analysis.media import iter_audio

    return np.concatenate([b.samples for b in iter_audio(path)])


def _plain(model: Any, audio: Any) -> tuple[str, Counter[str], list[Any]]:
    from tests.analysis.real_speech import counted_fillers

    from interview_jobs.analysis.fillers import Word, count_fillers, tag_fillers

    segments, _ = model.transcribe(audio, language="en", beam_size=5, word_timestamps=True)
    words = [
        Word(w.word.strip(), w.start, w.end, w.probability)
        for s in segments
        for w in s.words or []
        if w.word.strip()
    ]
    text = " ".join(w.text for w in words)
    return text, counted_fillers(dict(count_fillers(tag_fillers(words)))), words


def _praat_f0(audio: Any) -> Any:
    import numpy as np
    import parselmouth

    sound = parselmouth.Sound(audio.astype(np.float64), sampling_frequency=16000)
    f0 = sound.to_pitch(time_step=0.01, pitch_floor=75.0, pitch_ceiling=250.0)
    values = f0.selected_array["frequency"]
    return values[values > 0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--list", action="store_true", help="print the split and stop")
    parser.add_argument("--verbose", action="store_true", help="print every clip")
    parser.add_argument(
        "--option", action="append", default=[], help="NAME=VALUE (AnalysisOptions) for ours"
    )
    parser.add_argument("--split", choices=("tune", "held-out"), help="only this split")
    parser.add_argument("--folder", choices=("mfa_disfluency", "read"), help="only this folder")
    parser.add_argument(
        "--plain-runs",
        type=int,
        default=3,
        help="decode each clip this many times with the plain run (its fallback samples)",
    )
    args = parser.parse_args()
    if args.plain_runs < 1:
        parser.error("--plain-runs must be at least 1: the plain run is the reference")
    from tests.analysis.real_speech import FOLDERS, REAL, Tally, clips, counted_fillers, split

    if not REAL.is_dir():
        raise SystemExit(f"the real recordings are not in {REAL}")
    folders = [args.folder] if args.folder else list(FOLDERS)
    parts = [args.split] if args.split else ["tune", "held-out"]
    splits = {
        folder: {k: v for k, v in split(clips(folder)).items() if k in parts} for folder in folders
    }
    for folder, chosen in splits.items():
        for part, items in chosen.items():
            fillers = sum(sum(c.fillers.values()) for c in items)
            print(
                f"{folder} {part} ({len(items)} clips, {fillers} fillers): "
                + " ".join(c.name for c in items)
            )
    if args.list:
        return
    options: dict[str, Any] = {}
    for item in args.option:
        name, value = item.split("=", 1)
        options[name] = json.loads(value) if value[:1] in "0123456789[{tf" else value

    import numpy as np

    from interview_jobs.analysis import AnalysisOptions, Analyzer
    from interview_jobs.analysis.models import load_whisper, resolve_asr_model

    ours = Analyzer(AnalysisOptions(**options))
    ours.warm_up("speech")
    plain_model = load_whisper(resolve_asr_model("base"), ours.options.cpu_threads)
    print(
        f"\nours: {ours.options}\nplain runs {args.plain_runs}\n"
        f"load average {os.getloadavg()[0]:.1f} (2 shared cores)"
    )

    tallies: dict[tuple[str, str, str], Tally] = {}
    costs: dict[tuple[str, str], Counter[str]] = {}
    pitch: dict[str, dict[str, list[float]]] = {}
    for folder, chosen in splits.items():
        for part, items in chosen.items():
            cost = costs.setdefault((folder, part), Counter())
            for clip in items:
                audio = _audio(clip.path)
                cost["audio"] += len(audio) / 16000
                for run in range(args.plain_runs):
                    wall, cpu = time.perf_counter(), time.process_time()
                    text, found, _ = _plain(plain_model, audio)
                    cost["plain wall"] += (time.perf_counter() - wall) / args.plain_runs
                    cost["plain cpu"] += (time.process_time() - cpu) / args.plain_runs
                    tallies.setdefault((folder, part, "plain"), Tally()).add(clip, text, found)
                    tallies.setdefault((folder, part, f"plain run {run}"), Tally()).add(
                        clip, text, found
                    )

                wall, cpu = time.perf_counter(), time.process_time()
                result = ours.analyze(clip.path, analysis_type="speech")
                cost["ours wall"] += time.perf_counter() - wall
                cost["ours cpu"] += time.process_time() - cpu
                for stage, seconds in result["timingsSeconds"].items():
                    if stage in ("asr", "filler_pass", "hesitations", "vad", "voice"):
                        cost[f"ours {stage}"] += seconds
                speech = result["metrics"]["speech"]
                by_word = speech["fillerWords"]["byWord"]
                ours_found = counted_fillers(by_word)
                tallies.setdefault((folder, part, "ours"), Tally()).add(
                    clip, result["transcript"]["text"], ours_found
                )
                p = pitch.setdefault(folder, {"ours": [], "praat": []})
                reference = _praat_f0(audio)
                if speech["pitch"]["stdHz"] is not None and reference.size >= 10:
                    p["ours"].append(speech["pitch"]["stdHz"])
                    p["praat"].append(float(np.std(reference, ddof=1)))
                if args.verbose:
                    print(
                        f"  {folder}/{clip.name}: truth {dict(clip.fillers)} ours "
                        f"{dict(ours_found)} plain {dict(found)}\n"
                        f"    ours:  {result['transcript']['text']}\n    plain: {text}"
                    )

    print("\nper split and folder: WER (ours vs plain), fillers recall/precision (ours vs plain)")
    for part in parts:
        for folder in folders:
            o, pl = tallies[(folder, part, "ours")], tallies[(folder, part, "plain")]
            print(
                f"  {part:8} {folder:15} WER {o.wer:.3f} vs plain {pl.wer:.3f} "
                f"({o.errors} vs {pl.errors} errors / {o.ref_words} words)   fillers: "
                f"recall {o.recall:.2f} vs {pl.recall:.2f}, precision {o.precision:.2f} vs "
                f"{pl.precision:.2f} ({o.matched_fillers}/{o.true_fillers} found, "
                f"{o.found_fillers} counted; plain {pl.matched_fillers}/{pl.true_fillers}, "
                f"{pl.found_fillers})"
            )
        both = {k: Tally() for k in ("ours", "plain")}
        for folder in folders:
            for who, t in both.items():
                src = tallies[(folder, part, who)]
                for name in ("errors", "ref_words", "true_fillers", "found_fillers"):
                    setattr(t, name, getattr(t, name) + getattr(src, name))
                t.matched_fillers += src.matched_fillers
        o, pl = both["ours"], both["plain"]
        runs = [
            sum(tallies[(f, part, f"plain run {r}")].errors for f in folders)
            / max(1, sum(tallies[(f, part, f"plain run {r}")].ref_words for f in folders))
            for r in range(args.plain_runs)
        ]
        print(
            f"  {part:8} {'both folders':15} WER {o.wer:.3f} vs plain {pl.wer:.3f} (mean of "
            f"{args.plain_runs} runs: {', '.join(f'{w:.3f}' for w in runs)})   fillers: "
            f"recall {o.recall:.2f} vs {pl.recall:.2f}, precision {o.precision:.2f} vs "
            f"{pl.precision:.2f}"
        )
        if part == "held-out":
            ok = o.wer <= pl.wer and o.recall >= 0.85 and o.precision >= 0.9
            print(
                f"  held-out targets (WER <= plain, recall >= 0.85, precision >= 0.9): "
                f"{'met' if ok else 'NOT met'}"
            )

    print("\ncost (seconds; RTF = seconds / audio seconds; CPU = all threads of this process)")
    total: Counter[str] = Counter()
    for c in costs.values():
        total.update(c)
    audio_s = total["audio"]
    for key in sorted(k for k in total if k != "audio"):
        print(f"  {key:18} {total[key]:7.1f} s   RTF {total[key] / audio_s:.3f}")
    print(f"  audio             {audio_s:7.1f} s")
    print(
        f"  ours / plain: wall {total['ours wall'] / total['plain wall']:.2f}x, "
        f"CPU {total['ours cpu'] / total['plain cpu']:.2f}x "
        f"(ours includes decoding, VAD, pitch and scoring)"
    )

    print("\npitch spread (Hz, mean over the clips): ours vs Praat at a fixed 75-250 Hz")
    for folder, p in pitch.items():
        print(
            f"  {folder:15} ours {np.mean(p['ours']):.1f}   Praat {np.mean(p['praat']):.1f}   "
            f"({len(p['ours'])} clips)"
        )


if __name__ == "__main__":
    main()
