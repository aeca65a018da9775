"""User settings: frozen dataclasses persisted as a commented TOML file.

Bad or missing values fall back to their defaults with a warning; a file that
cannot be parsed is copied aside before anything overwrites it.
"""

from __future__ import annotations

import dataclasses
import math
import shutil
import time
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import tomli_w

from writer_app.core.confidence import CONFIDENCE_CHOICES, threshold_for
from writer_app.core.documents import DocumentError, atomic_write_text
from writer_app.core.requests import GenerationParams, ModelSpec


def _f(default: Any, doc: str, *, low: float | None = None, high: float | None = None,
       choices: tuple[str, ...] | None = None) -> Any:
    meta = {"doc": doc, "low": low, "high": high, "choices": choices}
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class ModelSettings:
    completion_model: str = _f("default", "Completion model: 'default', a model folder, or a "
                               "Hugging Face model id already in the local cache")
    grammar_model: str = _f("default", "Grammar model: 'default', a grammar model folder "
                            "(this app's tagger layout or a published GECToR checkpoint in "
                            "the HF layout), or a model id in the local Hugging Face cache")
    device: str = _f("auto", "Where models run: auto, cpu, cuda, cuda:N or mps")
    dtype: str = _f("auto", "Precision: auto, float32, float16 or bfloat16",
                    choices=("auto", "float32", "float16", "bfloat16"))
    cpu_threads: int = _f(0, "CPU threads for inference (0 = choose automatically)",
                          low=0, high=256)
    adapter: str = _f("", "Personal adapter folder used with the completion model "
                      "(empty = none)")

    def completion_spec(self) -> ModelSpec:
        return ModelSpec(self.completion_model, self.device, self.dtype, self.cpu_threads)


@dataclass(frozen=True)
class CompletionSettings:
    enabled: bool = _f(True, "Show inline suggestions while typing")
    debounce_ms: int = _f(300, "Pause after typing before a suggestion is requested (ms)",
                          low=50, high=5000)
    max_new_tokens: int = _f(12, "Longest inline suggestion, in tokens", low=1, high=64)
    continue_tokens: int = _f(80, "Length of 'Continue writing', in tokens", low=8, high=1024)
    alternatives: int = _f(3, "How many suggestions Alt+] and Alt+[ cycle through",
                           low=1, high=5)
    temperature: float = _f(0.0, "Sampling temperature (0 = always the most likely words)",
                            low=0.0, high=2.0)
    top_p: float = _f(0.95, "Nucleus sampling cut-off", low=0.05, high=1.0)
    repetition_penalty: float = _f(1.1, "Penalty for repeating earlier words (1 = none)",
                                   low=1.0, high=2.0)
    context_chars: int = _f(4000, "How much text before the cursor the model reads",
                            low=200, high=32000)
    confidence: str = _f("balanced", "Which suggestions to show: conservative (only likely "
                         "ones, fewer), balanced, or eager (more, less often right); a "
                         "suggestion is also cut where the model grows unsure",
                         choices=CONFIDENCE_CHOICES)
    # Continue writing samples: greedy decoding of a long passage loops. The defaults
    # were chosen by bench/continue_sampling.py (its docstring gives the rule).
    continue_temperature: float = _f(0.7, "Continue writing: sampling temperature "
                                     "(higher = more surprising words)", low=0.0, high=2.0)
    continue_top_p: float = _f(0.9, "Continue writing: nucleus sampling cut-off",
                               low=0.05, high=1.0)
    continue_repetition_penalty: float = _f(1.0, "Continue writing: penalty for repeating "
                                            "recent words (1 = none)", low=1.0, high=2.0)
    continue_no_repeat_ngram: int = _f(4, "Continue writing: never repeat a run of this many "
                                       "tokens (0 = off)", low=0, high=16)
    continue_seed: int = _f(0, "Continue writing: random seed (0 = a new one each time; "
                            "the same seed and text give the same passage)",
                            low=0, high=2**31 - 1)

    def inline_params(self) -> GenerationParams:
        return GenerationParams(
            max_new_tokens=self.max_new_tokens,
            temperature=self.temperature,
            top_p=self.top_p,
            repetition_penalty=self.repetition_penalty,
            stop_at_sentence_end=True,
            min_confidence=threshold_for(self.confidence),
        )

    def continue_params(self, seed: int = 1) -> GenerationParams:
        """'Continue writing': longer, sampled, across sentences and paragraphs, ending
        at a sentence or paragraph end near continue_tokens."""
        return GenerationParams(
            max_new_tokens=self.continue_tokens,
            temperature=self.continue_temperature,
            top_p=self.continue_top_p,
            repetition_penalty=self.continue_repetition_penalty,
            no_repeat_ngram=self.continue_no_repeat_ngram,
            seed=seed,
            stop_at_sentence_end=False,
            multiline=True,
            end_at_boundary=True,
            # Instruct models like to end their turn after a finished sentence; the
            # writer asked for more text, so the end-of-text token waits a little.
            min_new_tokens=min(16, self.continue_tokens),
        )


MIN_LINE_WIDTH = 40  # narrower columns put a word or two on each line


@dataclass(frozen=True)
class EditorSettings:
    font_family: str = _f("", "Editor font family (empty = a proportional font for prose)")
    font_size: int = _f(12, "Editor font size in points", low=6, high=72)
    theme: str = _f("system", "Colour theme: system, light or dark",
                    choices=("system", "light", "dark"))
    autosave_to_file: bool = _f(True, "Save a document that has a file automatically, "
                                "every autosave interval (besides the recovery copies)")
    autosave_seconds: int = _f(30, "How often a recovery copy is written (seconds)",
                               low=5, high=3600)
    line_width: int = _f(0, "Widest text column, in characters (0 = the window's width, "
                         f"else at least {MIN_LINE_WIDTH})", low=0, high=400)
    focus_mode: bool = _f(False, "Dim every paragraph except the one being written")
    session_word_goal: int = _f(0, "Words to write in a session, shown in the status bar "
                                "(0 = no goal)", low=0, high=1_000_000)


GRAMMAR_CATEGORIES = ("grammar", "spelling", "punctuation", "style", "word-choice")


@dataclass(frozen=True)
class GrammarSettings:
    grammar_enabled: bool = _f(True, "Underline grammar mistakes")
    spelling_enabled: bool = _f(True, "Underline misspelled words")
    sensitivity: str = _f("balanced", "How readily to flag: relaxed, balanced or picky",
                          choices=("relaxed", "balanced", "picky"))
    language_variant: str = _f("auto", "English spelling variant: auto (from the system "
                               "locale), en-US, en-GB, or en (accept both)",
                               choices=("auto", "en-US", "en-GB", "en"))
    disabled_categories: str = _f("", "Comma-separated categories never to flag: "
                                  + ", ".join(GRAMMAR_CATEGORIES))
    check_delay_ms: int = _f(600, "Pause after typing before the changed sentences are "
                             "checked (ms)", low=50, high=10000)
    keep_confidence: float = _f(-1.0, "Advanced: bias towards leaving words unchanged, 0..1 "
                                "(-1 = set by the sensitivity)", low=-1.0, high=1.0)
    min_error_probability: float = _f(-1.0, "Advanced: how sure the model must be that a "
                                      "sentence has an error, 0..1 (-1 = set by the "
                                      "sensitivity)", low=-1.0, high=1.0)

    def disabled_set(self) -> frozenset[str]:
        """The disabled categories as a set of trimmed, lower-case names."""
        return frozenset(part.strip().lower() for part in self.disabled_categories.split(",")
                         if part.strip())


@dataclass(frozen=True)
class ServerSettings:
    enabled: bool = _f(False, "Let other apps use writer_app: grammar checking (LanguageTool "
                       "API) and completion (OpenAI API) on this computer only")
    port: int = _f(8081, "Port other apps connect to on 127.0.0.1 (8081 is LanguageTool's)",
                   low=1024, high=65535)
    allowed_origins: str = _f("", "Comma-separated web origins also allowed to call "
                              "(browser extensions always are), e.g. app://obsidian.md")

    def origins(self) -> tuple[str, ...]:
        return tuple(part.strip() for part in self.allowed_origins.split(",") if part.strip())


@dataclass(frozen=True)
class Settings:
    models: ModelSettings = field(default_factory=ModelSettings)
    completion: CompletionSettings = field(default_factory=CompletionSettings)
    editor: EditorSettings = field(default_factory=EditorSettings)
    grammar: GrammarSettings = field(default_factory=GrammarSettings)
    server: ServerSettings = field(default_factory=ServerSettings)


_SECTIONS: dict[str, type] = {f.name: f.default_factory for f in fields(Settings)}  # type: ignore[misc]


def _coerce(section: str, spec: dataclasses.Field, value: Any, warnings: list[str]) -> Any:
    """Return a valid value for the field, or its default with a warning."""
    default = spec.default
    name = f"{section}.{spec.name}"
    expected = type(default)
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if type(value) is not expected:
        warnings.append(f"{name}: expected {expected.__name__}, got {value!r}; using {default!r}")
        return default
    if expected is float and not math.isfinite(value):
        warnings.append(f"{name}: {value!r} is not a number; using {default!r}")
        return default
    meta = spec.metadata
    if meta.get("choices") and value not in meta["choices"]:
        warnings.append(f"{name}: {value!r} is not one of {', '.join(meta['choices'])}; "
                        f"using {default!r}")
        return default
    low, high = meta.get("low"), meta.get("high")
    if (low is not None and value < low) or (high is not None and value > high):
        warnings.append(f"{name}: {value!r} is outside {low}..{high}; using {default!r}")
        return default
    if name == "editor.line_width" and 0 < value < MIN_LINE_WIDTH:
        warnings.append(f"{name}: {value!r} is below {MIN_LINE_WIDTH}; using {MIN_LINE_WIDTH}")
        return MIN_LINE_WIDTH
    return value


def settings_from_dict(data: dict[str, Any]) -> tuple[Settings, list[str]]:
    warnings: list[str] = []
    sections = {}
    for section, cls in _SECTIONS.items():
        raw = data.get(section, {})
        if not isinstance(raw, dict):
            warnings.append(f"[{section}] is not a table; using defaults")
            raw = {}
        values = {}
        for spec in fields(cls):
            if spec.name in raw:
                values[spec.name] = _coerce(section, spec, raw[spec.name], warnings)
        unknown = sorted(set(raw) - {spec.name for spec in fields(cls)})
        warnings.extend(f"{section}.{key}: unknown setting, ignored" for key in unknown)
        sections[section] = cls(**values)
    return Settings(**sections), warnings


def load_settings(path: Path) -> tuple[Settings, list[str]]:
    """Load settings; never raises for bad content. Returns the settings and warnings."""
    if not path.exists():
        return Settings(), []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError,
            MemoryError) as exc:
        backup = _backup(path)
        note = f"; a copy was kept as {backup.name}" if backup else ""
        reason = "nested too deeply" if isinstance(exc, RecursionError) else one_line(exc)
        return Settings(), [f"{path.name} could not be read ({reason}); using defaults{note}"]
    settings, warnings = settings_from_dict(data)
    if warnings:
        _backup(path)
    return settings, warnings


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:200] + ("…" if len(text) > 200 else "")


def _backup(path: Path) -> Path | None:
    backup = path.with_name(f"{path.name}.bad-{time.strftime('%Y%m%d-%H%M%S')}")
    try:
        shutil.copy2(path, backup)
    except OSError:
        return None
    return backup


def settings_to_toml(settings: Settings) -> str:
    lines = ["# writer_app settings. Edit while the app is closed, or use Edit > Preferences.",
             "# A bad value falls back to its default with a warning.", ""]
    for section in _SECTIONS:
        lines.append(f"[{section}]")
        values = getattr(settings, section)
        for spec in fields(values):
            lines.append(f"# {spec.metadata['doc']}")
            # tomli_w escapes what TOML needs (newlines, control characters, quotes)
            lines.append(tomli_w.dumps({spec.name: getattr(values, spec.name)}).rstrip("\n"))
        lines.append("")
    return "\n".join(lines)


def save_settings(settings: Settings, path: Path) -> None:
    """Write atomically. Raises DocumentError with a user-facing message on failure."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DocumentError(f"Cannot create {path.parent}: {exc.strerror or exc}") from None
    atomic_write_text(path, settings_to_toml(settings))


def ensure_settings_file(path: Path) -> tuple[Settings, list[str]]:
    """Load settings, writing a commented file with every default on first start."""
    settings, warnings = load_settings(path)
    if not path.exists():
        try:
            save_settings(settings, path)
        except DocumentError as exc:
            warnings.append(str(exc))
    return settings, warnings
