"""Voicemail transcription: an interface, with no engine bundled.

A site that has a speech recogniser writes a class with a `name` and an async `transcribe(path, language)`
returning the text (or None when it heard nothing), and names it in settings as `sip.transcriber:
"package.module:ClassName"`. The worker builds it once (no arguments) and calls it after each voicemail is
stored; the text lands in the voicemail's `transcript`, with `name` as its source.
"""
from __future__ import annotations

import importlib
from pathlib import Path
from typing import Protocol, runtime_checkable


@runtime_checkable
class Transcriber(Protocol):
    name: str

    async def transcribe(self, path: Path, language: str) -> str | None:
        """The words in the WAV file at path, spoken in language (zh or en)."""


def load_transcriber(spec: str | None) -> Transcriber | None:
    """'package.module:ClassName' -> an instance; None when no transcriber is configured."""
    if not spec:
        return None
    module_name, _, attr = spec.partition(":")
    if not attr:
        raise ValueError(f"sip.transcriber must look like package.module:ClassName, not {spec!r}")
    instance = getattr(importlib.import_module(module_name), attr)()
    if not isinstance(instance, Transcriber):
        raise TypeError(f"{spec} has no name and async transcribe(path, language)")
    return instance
