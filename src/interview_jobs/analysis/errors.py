"""Typed errors of the analysis pipeline.

::

    AnalysisError(Exception)          .code (short machine string), str() is a sentence for a user
     ├── MediaError                   the user's file: a retry with the same file fails the same way
     │     codes: not_found, empty_file, not_a_video, truncated, no_streams, no_audio, no_video,
     │            too_long, too_large, decode_failed
     └── ModelError                   an operator problem (missing or corrupt model files, bad
           codes: model_missing,      ASR_MODEL); the video is not to blame
                  model_corrupt, model_invalid

The AI backend can fail a job at once on a ``MediaError`` and alert/retry on a ``ModelError``.
"""

from __future__ import annotations


class AnalysisError(Exception):
    """Anything the pipeline refuses or cannot do; ``str(error)`` is meant for the user."""

    code: str = "analysis_failed"
    #: True when the cause is the input file (no point in retrying it), False for operator problems.
    is_input_error: bool = True

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code

    @property
    def message(self) -> str:
        return str(self)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={str(self)!r})"


class MediaError(AnalysisError):
    """The file cannot be analysed (not a video, truncated, no usable stream, too long…)."""

    code = "bad_media"


class ModelError(AnalysisError):
    """A model is missing, corrupt or not a model: fix the installation, not the video."""

    code = "model_missing"
    is_input_error = False
