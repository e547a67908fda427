"""Prompt files by name and language: a city's own recordings (setting sip.prompts_dir) before the generated ones."""
from __future__ import annotations

from pathlib import Path

BUILT_IN = Path(__file__).resolve().parent.parent / "prompts"


class Prompts:
    """`path("zh", "greeting")` -> <dir>/zh/greeting.wav; a name 'en/x' picks its language itself."""

    def __init__(self, override: Path | None = None) -> None:
        self.dirs = [d for d in (override, BUILT_IN) if d is not None]

    def path(self, language: str, name: str) -> Path:
        if "/" in name:
            language, name = name.split("/", 1)
        for directory in self.dirs:
            candidate = directory / language / f"{name}.wav"
            if candidate.is_file():
                return candidate
        raise FileNotFoundError(f"no prompt {language}/{name}.wav in {', '.join(map(str, self.dirs))}")

    def check(self, names: list[str]) -> None:
        """Fail at start-up, not during a call, when a prompt is missing."""
        for language in ("zh", "en"):
            for name in names:
                self.path(language, name)

    @staticmethod
    def names() -> list[str]:
        """Every name prompts.tsv lists, and the tone."""
        rows = (BUILT_IN / "prompts.tsv").read_text(encoding="utf-8").splitlines()[1:]
        return [row.split("\t", 1)[0] for row in rows if row.strip()] + ["beep"]
