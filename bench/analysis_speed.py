"""Speed of the analysis pipeline: a 60 s and a 10 min generated interview (1280×720, 25 fps,
h264/aac), base model, comprehensive analysis.

Prints per clip: wall time per stage, real-time factor (processing s ÷ media s), peak memory
(RSS high-water mark of the child process that ran it) and the ratio to the decode floor
(decoding the same audio and sampled frames alone, measured in the same run). Each measurement
runs in a fresh child process, after the models were loaded once (load time is reported apart:
a worker loads them once for many jobs). The machine's load average is printed: the 2 cores
may be shared; the CPU seconds the analysis used (all its threads) do not depend on that much,
and half of them is the wall time two free cores could not beat.

    python bench/analysis_speed.py [--clips 60,600] [--model base] [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
MEDIA = ROOT / "bench" / "results" / "media"
WIDTH, HEIGHT, FPS = 1280, 720, 25
#: The stages of each branch (timingsSeconds keys): the speech branch runs them one after the
#: other in the calling thread, the visual branch in its own thread beside it.
SPEECH_STAGES = (
    "decode_audio", "vad", "asr", "filler_pass", "hesitations", "voice", "speakers",
)  # fmt: skip
VISUAL_STAGES = ("decode_frames", "face")


def clip(seconds: int) -> Path:
    from tests.media.generate import make_clip

    path = MEDIA / f"interview_{seconds}s_{WIDTH}x{HEIGHT}.mp4"
    if not path.exists():
        MEDIA.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        make_clip(path, seconds, fps=FPS, width=WIDTH, height=HEIGHT)
        print(f"  (generated {path.name} in {time.perf_counter() - started:.0f} s)", flush=True)
    return path


def _peak_rss_mib() -> float:
    """This process's RSS high-water mark (VmHWM: unlike ru_maxrss it is not inherited across
    the fork+exec that starts the child)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _run_analysis(path: str, options: dict[str, Any], queue: Any) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from interview_jobs.analysis import AnalysisOptions, Analyzer

    analyzer = Analyzer(AnalysisOptions(**options))
    started = time.perf_counter()
    analyzer.warm_up()
    load = time.perf_counter() - started
    rss_loaded = _peak_rss_mib()
    started = time.perf_counter()
    cpu_started = time.process_time()
    result = analyzer.analyze(path)
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    queue.put(
        {
            "wall": wall,
            "cpu": cpu,
            "load": load,
            "rss_loaded": rss_loaded,
            "rss_peak": _peak_rss_mib(),
            "timings": result["timingsSeconds"],
            "words": len(result["transcript"]["words"]),
            "transcript": result["transcript"]["text"],
            "fillers": result["metrics"]["speech"]["fillerWords"]["items"],
            "pauses": result["metrics"]["speech"]["pauses"]["items"],
            "wpm": result["metrics"]["speech"]["wordsPerMinute"],
            "eye": result["metrics"]["visual"]["eyeContactRatio"],
            "presence": result["metrics"]["visual"]["facePresenceRatio"],
        }
    )


def _run_decode_floor(path: str, options: dict[str, Any], queue: Any) -> None:
    from interview_jobs.analysis import AnalysisOptions
    from interview_jobs.analysis.media import iter_audio, iter_frames

    opts = AnalysisOptions(**options)
    started = time.perf_counter()
    samples = sum(len(b.samples) for b in iter_audio(path, block_seconds=10.0))
    audio = time.perf_counter() - started
    started = time.perf_counter()
    frames = sum(
        1 for _ in iter_frames(path, fps=opts.frame_sample_fps, max_width=opts.frame_max_width)
    )
    video = time.perf_counter() - started
    queue.put(
        {
            "audio": audio,
            "frames": video,
            "samples": samples,
            "n_frames": frames,
            "rss_peak": _peak_rss_mib(),
        }
    )


def in_child(target: Any, path: Path, options: dict[str, Any]) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(str(path), options, queue))
    proc.start()
    out = queue.get(timeout=3600)
    proc.join()
    return dict(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clips", default="60,600", help="clip lengths in seconds")
    parser.add_argument("--model", default="base")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument(
        "--option", action="append", default=[], help="NAME=VALUE (AnalysisOptions)"
    )
    args = parser.parse_args()
    options: dict[str, Any] = {"asr_model": args.model}
    for item in args.option:
        name, value = item.split("=", 1)
        options[name] = json.loads(value) if value[:1] in "0123456789[{tf" else value
    from tests.analysis.scoring_helpers import match_fillers, match_intervals, wer
    from tests.media.generate import load_truth

    print(f"analysis speed: {options}, {os.cpu_count()} cores, clips {WIDTH}x{HEIGHT} {FPS} fps")
    peaks: dict[int, float] = {}
    for seconds in (int(s) for s in args.clips.split(",")):
        path = clip(seconds)
        truth = load_truth(path)
        for attempt in range(args.repeat):
            load_before = os.getloadavg()[0]
            floor = in_child(_run_decode_floor, path, options)
            run = in_child(_run_analysis, path, options)
            load_after = os.getloadavg()[0]
            t = run["timings"]
            floor_s = floor["audio"] + floor["frames"]
            fill = match_fillers(truth.fillers, run["fillers"])
            pauses = match_intervals(truth.pauses, run["pauses"], tolerance=0.25)
            stages = ", ".join(f"{k} {v:.1f}" for k, v in t.items() if k != "total")
            print(
                f"\n== {seconds} s clip ({path.stat().st_size / 1e6:.1f} MB), run {attempt + 1}: "
                f"load average {load_before:.2f} before, {load_after:.2f} after"
            )
            print(
                f"  wall {run['wall']:.1f} s   RTF {run['wall'] / seconds:.3f}   "
                f"CPU {run['cpu']:.1f} s (all threads; ÷ 2 cores = {run['cpu'] / 2:.1f} s)   "
                f"(model load once per worker: {run['load']:.1f} s)"
            )
            print(f"  stages (s; speech and visual branches overlap): {stages}")
            speech_s = sum(t.get(k, 0.0) for k in SPEECH_STAGES)
            visual_s = sum(t.get(k, 0.0) for k in VISUAL_STAGES)
            print(
                f"  branches: speech {speech_s:.1f} s ({speech_s / run['wall']:.0%} of wall; "
                + ", ".join(f"{k} {t.get(k, 0.0) / max(speech_s, 1e-9):.0%}" for k in SPEECH_STAGES)
                + f"), visual {visual_s:.1f} s ({visual_s / run['wall']:.0%} of wall): the "
                "longer branch bounds the wall time"
            )
            content = t.get("content", 0.0)
            print(
                f"  content stage (answers: split, sentence models, measures) {content:.2f} s = "
                f"{content / max(run['wall'] - content, 1e-9):.1%} added to the rest of the "
                "analysis (target ≤ 10%)"
            )
            print(
                f"  decode floor: audio {floor['audio']:.1f} s + {floor['n_frames']} sampled "
                f"frames {floor['frames']:.1f} s = {floor_s:.1f} s; "
                f"analysis / floor = {run['wall'] / floor_s:.1f}x"
            )
            print(
                f"  peak RSS {run['rss_peak']:.0f} MiB (after model load "
                f"{run['rss_loaded']:.0f} MiB; decode-only child {floor['rss_peak']:.0f} MiB)"
            )
            print(
                f"  accuracy: WER {wer(truth.text, run['transcript']):.3f}, wpm {run['wpm']} vs "
                f"{truth.words_per_minute:.1f}, fillers {fill.true_positives}/{fill.truth_count} "
                f"(found {fill.found_count}), pauses {pauses.true_positives}/{pauses.truth_count} "
                f"(found {pauses.found_count}), eye contact {run['eye']} vs "
                f"{truth.eye_contact_ratio:.3f}, face {run['presence']} vs "
                f"{truth.face_presence_ratio:.3f}"
            )
            peaks[seconds] = max(peaks.get(seconds, 0.0), run["rss_peak"])
    if len(peaks) >= 2:
        lo, hi = min(peaks), max(peaks)
        print(f"\nmemory growth {hi} s vs {lo} s: {peaks[hi] / peaks[lo]:.2f}x")


if __name__ == "__main__":
    main()
