"""Speaker separation (analysis/speakers.py): accuracy, speed and memory.

Prints
* generated two-voice interviews (tests/media/dialogue.py; several scripts, one of 10 minutes):
  voices found, candidate right, turn boundaries (share within 1.5 s, worst) and the share of
  speech time attributed to the right speaker — targets: every boundary within 1.5 s, ≥ 95 %;
* single-voice recordings (the generator's Piper voice, the real speakers of
  ../shared/media/real/mfa_disfluency and read/): how many were split into two voices
  (the false-split rate);
* the real RTTM clips of ../shared/media/real/conversation_no_transcript/: DER per clip
  (collar 0.25 s, overlapping speech scored) and the mean, with voices found vs annotated;
* speed: the stage's seconds ÷ audio seconds (target ≤ 0.05) and ÷ the audio decode time of the
  same file measured in the same run; memory: the peak RSS of a child process that decodes and
  separates a 1-minute and a 10-minute interview (and the 10-minute one 4 times over).

    python bench/speakers.py [--quick]      (--quick: no 10-minute interview, no memory runs)

Generated media are cached under bench/results/media/. Times depend on the machine's load (its
load average is printed); the ratios to the decode time measured in the same run less so.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
MEDIA = ROOT / "bench" / "results" / "media"
REAL = ROOT.parent / "shared" / "media" / "real"


def _interviews(quick: bool) -> list[tuple[str, list[tuple[str, str]], str]]:
    from tests.media.dialogue import INTERVIEWER_VOICE, SCRIPTS, interview_script

    out = [(name, turns, INTERVIEWER_VOICE) for name, turns in SCRIPTS.items()]
    out.append(("3 min, en-gb male interviewer", interview_script(3), "en-gb+m3"))
    if not quick:
        out.append(("10 min", interview_script(10), INTERVIEWER_VOICE))
    return out


def _media(name: str, turns: list[tuple[str, str]], voice: str) -> Path:
    from tests.media.dialogue import make_interview

    slug = "".join(c if c.isalnum() else "_" for c in name)
    path = MEDIA / f"dialogue_{slug}.m4a"
    if not path.exists():
        MEDIA.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        make_interview(path, turns, video=False, interviewer_voice=voice)
        print(f"  (generated {path.name} in {time.perf_counter() - started:.0f} s)", flush=True)
    return path


def separate(path: Path) -> tuple[Any, dict[str, float]]:
    """The findings and times (seconds) for one file, fed in 10 s blocks as in the pipeline:
    ``stage``/``decode`` wall, ``stage_cpu``/``decode_cpu`` this thread's CPU (what a free core
    would take: BLAS runs on this thread in the stage), ``audio`` its length. The decode is
    timed on its own first."""
    from interview_jobs.analysis.media import iter_audio
    from interview_jobs.analysis.speakers import SpeakerAnalyzer

    wall, cpu = time.perf_counter(), time.thread_time()
    samples = sum(len(b.samples) for b in iter_audio(path, block_seconds=10.0))
    times = {"decode": time.perf_counter() - wall, "decode_cpu": time.thread_time() - cpu}
    stage = SpeakerAnalyzer()
    stage_cpu = 0.0
    for block in iter_audio(path, block_seconds=10.0):
        cpu = time.thread_time()
        stage.feed(block)
        stage_cpu += time.thread_time() - cpu
    cpu = time.thread_time()
    findings = stage.finish()
    times["stage_cpu"] = stage_cpu + time.thread_time() - cpu
    times["stage"] = findings.timings["speakers"]
    times["audio"] = samples / 16000
    return findings, times


def _peak_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _memory_child(path: str, repeat: int, queue: Any) -> None:
    from interview_jobs.analysis.media import AudioBlock, iter_audio
    from interview_jobs.analysis.speakers import SpeakerAnalyzer
    from interview_jobs.analysis.voice_encoder import load_encoder

    load_encoder()
    import faster_whisper.vad  # noqa: F401  (loaded before the baseline, as in a worker)

    baseline = _peak_rss_mib()
    stage = SpeakerAnalyzer()
    offset = 0.0
    for _ in range(repeat):  # the file again and again: a longer recording
        for block in iter_audio(path, block_seconds=10.0):
            stage.feed(AudioBlock(block.samples, offset))
            offset += block.seconds
    findings = stage.finish()
    queue.put({"baseline": baseline, "peak": _peak_rss_mib(), "voices": findings.voices})


def _in_child(path: Path, repeat: int = 1) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_memory_child, args=(str(path), repeat, queue))
    proc.start()
    out = queue.get(timeout=3600)
    proc.join()
    return dict(out)


def bench_interviews(quick: bool) -> dict[str, Path]:
    from tests.analysis.speaker_scoring import attributed_right, boundary_errors, voice_of_speaker
    from tests.media.dialogue import load_dialogue_truth

    print("\n== generated two-voice interviews (targets: boundaries ≤ 1.5 s, ≥ 95 % right)")
    paths = {}
    total: dict[str, float] = {}
    for name, turns, voice in _interviews(quick):
        path = _media(name, turns, voice)
        paths[name] = path
        truth = load_dialogue_truth(path)
        findings, times = separate(path)
        for key, value in times.items():
            total[key] = total.get(key, 0.0) + value
        errors = boundary_errors(truth, findings)
        right = attributed_right(truth, findings)
        candidate_ok = findings.candidate == voice_of_speaker(truth, findings).get("candidate")
        within = sum(e <= 1.5 for e in errors) / len(errors)
        print(
            f"  {name:30s} {times['audio']:5.0f} s  voices {findings.voices}  candidate "
            f"{'right' if candidate_ok else 'WRONG'}  turns {len(findings.turns)}/"
            f"{len(truth.turns)}  boundaries within 1.5 s {within:6.1%} (worst "
            f"{max(errors):.2f} s, mean {sum(errors) / len(errors):.2f} s)  speech right "
            f"{right:6.1%}  RTF {times['stage'] / times['audio']:.4f} (CPU "
            f"{times['stage_cpu'] / times['audio']:.4f})"
        )
    audio = total["audio"]
    print(
        f"  speed over these {audio:.0f} s: stage RTF {total['stage'] / audio:.4f} wall, "
        f"{total['stage_cpu'] / audio:.4f} CPU (target ≤ 0.05); audio decode RTF "
        f"{total['decode'] / audio:.4f} wall, {total['decode_cpu'] / audio:.4f} CPU; "
        f"stage ÷ decode {total['stage'] / total['decode']:.1f}× wall, "
        f"{total['stage_cpu'] / total['decode_cpu']:.1f}× CPU"
    )
    return paths


def bench_monologues() -> None:
    from tests.media.generate import make_clip

    from interview_jobs.analysis.media import AudioBlock, iter_audio
    from interview_jobs.analysis.speakers import SpeakerAnalyzer

    print("\n== single-voice recordings (a split into 2 voices is a false split)")
    groups: dict[str, list[Path]] = {}
    for seconds in (60, 180):
        path = MEDIA / f"monologue_{seconds}s.m4a"
        if not path.exists():
            MEDIA.mkdir(parents=True, exist_ok=True)
            make_clip(path, seconds, video=False, variation=seconds > 60)
        groups.setdefault("piper (generator)", []).append(path)
    if REAL.is_dir():
        groups["real: mfa_disfluency"] = sorted((REAL / "mfa_disfluency").glob("*.flac"))
        groups["real: read"] = sorted((REAL / "read").glob("*.wav")) + sorted(
            (REAL / "read").glob("*.flac")
        )
    else:
        print(f"  ({REAL} is absent: real recordings skipped)")
    splits = total = 0
    for group, paths in groups.items():
        found = []
        for path in paths:
            findings, _ = separate(path)
            found.append(findings.voices)
            if findings.voices > 1 or findings.separation is not None:
                print(
                    f"    {path.name}: voices {findings.voices}, separation "
                    f"{findings.separation} ({findings.windows} windows)"
                )
        splits += sum(v > 1 for v in found)
        total += len(found)
        print(f"  {group:28s} {len(found):3d} recordings, split {sum(v > 1 for v in found)}")
    # every real single-speaker clip of a folder, one after the other: a long monologue of
    # varied styles (whisper, falsetto, laughter in mfa_disfluency)
    for group in ("real: mfa_disfluency", "real: read"):
        if group not in groups:
            continue
        stage = SpeakerAnalyzer()
        offset = 0.0
        paths = [p for p in groups[group] if "librispeech" not in p.name]  # another reader
        for path in paths:
            for block in iter_audio(path, block_seconds=10.0):
                stage.feed(AudioBlock(block.samples, offset))
                offset += block.seconds
        findings = stage.finish()
        total += 1
        splits += findings.voices > 1
        print(
            f"  {group + ' (all in one)':28s} {offset:5.0f} s, voices {findings.voices} "
            f"(separation {findings.separation})"
        )
    print(f"  false-split rate: {splits}/{total} = {splits / total:.1%}")


def bench_rttm() -> None:
    from tests.analysis.speaker_scoring import der, read_rttm

    print("\n== real RTTM clips: DER (collar 0.25 s, overlap scored)")
    folder = REAL / "conversation_no_transcript"
    if not folder.is_dir():
        print(f"  ({folder} is absent: skipped)")
        return
    values = []
    for rttm in sorted(folder.glob("*.rttm")) + sorted((folder / "ami_pyannote").glob("*.rttm")):
        reference = read_rttm(rttm)
        findings, times = separate(rttm.with_suffix(".wav"))
        audio = times["audio"]
        found = [(t.start, t.end, t.speaker) for t in findings.segments]
        result = der(reference, found, audio)
        alone = der(reference, [(a, b, 0) for a, b, _ in found], audio)  # all as one voice
        speakers = len({r[2] for r in reference})
        if result is None:
            print(f"  {rttm.stem:28s} no annotated speech: not scored (voices {findings.voices})")
            continue
        values.append(result.der)
        print(
            f"  {rttm.stem:28s} speakers {speakers} found {findings.voices} (separation "
            f"{findings.separation})  DER {result.der:6.1%}"
            f"  (missed {result.missed:5.1%}, false alarm {result.false_alarm:5.1%}, confusion "
            f"{result.confusion:5.1%}; all speech as one voice: {alone.der if alone else 0:5.1%})"
        )
    print(f"  mean DER over {len(values)} clips: {sum(values) / len(values):.1%}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    print(f"speaker separation bench: {os.cpu_count()} cores, load average {os.getloadavg()}")
    from interview_jobs.analysis.voice_encoder import load_encoder

    started = time.perf_counter()
    load_encoder()  # once per worker process, as the pipeline's models
    print(f"voice encoder loaded (sha256 checked) in {time.perf_counter() - started:.2f} s")
    paths = bench_interviews(args.quick)
    bench_monologues()
    bench_rttm()
    if not args.quick:
        print("\n== memory (peak RSS of a child that decodes and separates the file)")
        from tests.media.dialogue import interview_script

        one = _media("1 min", interview_script(1), "en-us+f3")
        ten = paths["10 min"]
        for label, path, repeat in (("1 min", one, 1), ("10 min", ten, 1), ("40 min", ten, 4)):
            run = _in_child(path, repeat)
            print(
                f"  {label:7s} peak {run['peak']:.0f} MiB (after loading the models "
                f"{run['baseline']:.0f} MiB: +{run['peak'] - run['baseline']:.0f} MiB)"
            )
    print(f"\nload average at the end {os.getloadavg()}")


if __name__ == "__main__":
    main()
