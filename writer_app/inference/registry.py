"""Find, validate and load causal language models from local disk only; never downloads.

A model reference is "default" (the embedded SmolLM2), a local folder, or a Hugging Face
model id that is already in the local Hugging Face cache. Grammar models (taggers) are
referred to the same way; this module finds and checks them, the grammar package loads them.
"""

from __future__ import annotations

import gc
import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from writer_app.core import paths
from writer_app.core.requests import ModelInfo, ModelSpec
from writer_app.core.units import human_size
from writer_app.inference import devices
from writer_app.inference.convert import default_model_dir, ensure_default_model, is_converted
from writer_app.inference.errors import ModelLoadError, one_line
from writer_app.inference.trust import (
    PickleOnlyError,
    check_folder,
    code_problem,
    pickle_message,
    pickle_weights,
)

__all__ = [
    "KnownModel", "LoadedModel", "ModelLoadError", "ResolvedModel", "format_models_report",
    "grammar_folder_problem", "list_grammar_models", "list_known_models", "load_causal_lm",
    "resolve_grammar_model", "resolve_model",
]

Progress = Callable[[str], None] | None

DEFAULT_NAME = "SmolLM2-135M-Instruct (embedded)"
DEFAULT_GRAMMAR_NAME = "Shipped grammar tagger (MiniLM)"
_HF_ID_RE = re.compile(r"^[A-Za-z0-9][\w.\-]*(/[A-Za-z0-9][\w.\-]*)?$")
_TOKENIZER_FILES = (
    "tokenizer.json", "tokenizer_config.json", "vocab.json", "vocab.txt",
    "tokenizer.model", "spiece.model", "sentencepiece.bpe.model",
)


@dataclass(frozen=True)
class ResolvedModel:
    reference: str
    name: str
    path: Path
    source: str  # "embedded" | "folder" | "hf-cache"


@dataclass(frozen=True)
class KnownModel:
    reference: str
    name: str
    source: str
    path: str | None
    size_bytes: int | None


@dataclass
class LoadedModel:
    model: Any
    tokenizer: Any
    info: ModelInfo


# ---------------------------------------------------------------- messages


# ---------------------------------------------------------------- validation


def _causal_lm_names() -> tuple[dict[str, Any], set[str]]:
    from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING_NAMES

    classes: set[str] = set()
    for value in MODEL_FOR_CAUSAL_LM_MAPPING_NAMES.values():
        classes.update([value] if isinstance(value, str) else value)
    return MODEL_FOR_CAUSAL_LM_MAPPING_NAMES, classes


def _not_causal_reason(model_type: str, architectures: list[str] | None,
                       is_decoder: bool) -> str | None:
    """Why a config is not a text-generation model, or None when it is one.

    The model type alone is not enough: BERT-like types have a causal-LM class too, but a
    saved BertModel or BertForMaskedLM is an encoder, so the saved architectures decide.
    """
    from transformers.models.auto.modeling_auto import MODEL_FOR_MASKED_LM_MAPPING_NAMES

    types, classes = _causal_lm_names()
    if model_type not in types:
        return f"a {model_type or 'unknown'} model"
    if architectures:
        if any(a in classes or a.endswith(("ForCausalLM", "LMHeadModel")) for a in architectures):
            return None
        return f"a {model_type} model ({', '.join(architectures)})"
    if model_type in MODEL_FOR_MASKED_LM_MAPPING_NAMES and not is_decoder:
        return f"a {model_type} model"
    return None


def _check_config(folder: Path, label: str) -> None:
    from transformers import AutoConfig

    if not (folder / "config.json").is_file():
        raise ModelLoadError(f"Model folder “{label}” has no config.json.")
    try:
        config = AutoConfig.from_pretrained(str(folder), local_files_only=True,
                                            trust_remote_code=False)
    except Exception as exc:  # noqa: BLE001 - bad json, unknown model type, …: one line
        raise ModelLoadError(
            f"Model folder “{label}” has an unreadable config.json: {one_line(exc)}"
        ) from None
    reason = _not_causal_reason(
        getattr(config, "model_type", ""),
        getattr(config, "architectures", None),
        bool(getattr(config, "is_decoder", False)),
    )
    if reason:
        raise ModelLoadError(f"“{label}” is {reason}, not a text-generation model.")


def _has_weights(folder: Path) -> bool:
    patterns = ("*.safetensors", "pytorch_model*.bin", "*.safetensors.index.json")
    return any(any(folder.glob(pattern)) for pattern in patterns)


def validate_model_folder(folder: Path, label: str | None = None, *,
                          allow_pickle: bool = False) -> None:
    """Raise ModelLoadError naming the folder unless it holds a loadable causal LM whose
    loading runs no code from the folder (see trust.py)."""
    label = label or str(folder)
    if (folder / "config.json").is_file():
        check_folder(folder, label, allow_pickle=allow_pickle)
    _check_config(folder, label)
    if not _has_weights(folder):
        raise ModelLoadError(
            f"Model folder “{label}” has no weights (*.safetensors or pytorch_model*.bin)."
        )
    if not any((folder / name).is_file() for name in _TOKENIZER_FILES):
        raise ModelLoadError(f"Model folder “{label}” has no tokenizer files.")


# ---------------------------------------------------------------- resolution


def _looks_like_path(reference: str) -> bool:
    """Hugging Face ids are "name" or "owner/name"; anything else with a separator, a
    leading dot or tilde, or a drive letter is meant as a folder."""
    if reference.startswith(("/", "~", ".", "\\")) or "\\" in reference:
        return True
    if re.match(r"^[A-Za-z]:", reference):
        return True
    return reference.count("/") > 1 or not _HF_ID_RE.match(reference)


def _hf_cache_dir() -> Path:
    """The hub cache, read from the environment now rather than at import time."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]).expanduser() / "hub"
    from huggingface_hub import constants

    return Path(constants.HF_HUB_CACHE)


def _cached_snapshot(repo_id: str) -> Path:
    """The local snapshot folder of a Hugging Face model id; never downloads."""
    from huggingface_hub import snapshot_download

    try:
        path = snapshot_download(
            repo_id, local_files_only=True, cache_dir=str(_hf_cache_dir())
        )
    except Exception:  # noqa: BLE001 - not cached (or cache unreadable): never download
        raise ModelLoadError(
            f"“{repo_id}” is not in the local Hugging Face cache and writer_app never "
            f"downloads; download it once with “hf download {repo_id}”, or choose a "
            "model folder."
        ) from None
    return Path(path)


def _resolve_hf_id(repo_id: str, allow_pickle: bool = False) -> ResolvedModel:
    folder = _cached_snapshot(repo_id)
    validate_model_folder(folder, repo_id, allow_pickle=allow_pickle)
    return ResolvedModel(repo_id, repo_id, folder, "hf-cache")


def resolve_model(reference: str, on_progress: Progress = None, *,
                  allow_pickle: bool = False) -> ResolvedModel:
    """Map a user's model reference to a validated local folder, or raise ModelLoadError."""
    reference = (reference or "").strip()
    if reference in ("", "default"):
        folder = ensure_default_model(on_progress)
        return ResolvedModel("default", DEFAULT_NAME, folder, "embedded")
    folder = Path(reference).expanduser()
    if folder.is_dir():
        folder = folder.resolve()
        validate_model_folder(folder, reference, allow_pickle=allow_pickle)
        return ResolvedModel(reference, folder.name, folder, "folder")
    if folder.exists():
        raise ModelLoadError(f"“{reference}” is a file; choose the folder that holds the model.")
    if _looks_like_path(reference):
        raise ModelLoadError(f"Model folder “{reference}” does not exist.")
    return _resolve_hf_id(reference, allow_pickle)


# ---------------------------------------------------------------- listing


def _folder_size(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def _embedded_entry() -> KnownModel:
    folder = default_model_dir()
    if is_converted():
        return KnownModel("default", DEFAULT_NAME, "embedded", str(folder), _folder_size(folder))
    return KnownModel("default", DEFAULT_NAME, "embedded", None, None)


def _read_config_json(folder: Path) -> dict[str, Any] | None:
    """config.json as a dict, or None when it is missing, unreadable or not an object."""
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return config if isinstance(config, dict) else None


def _cached_config_is_causal(snapshot: Path) -> bool:
    config = _read_config_json(snapshot)
    if config is None:
        return False
    reason = _not_causal_reason(
        str(config.get("model_type", "")),
        config.get("architectures"),
        bool(config.get("is_decoder", False)),
    )
    return reason is None


def _is_causal_snapshot(snapshot: Path) -> bool:
    return (_cached_config_is_causal(snapshot) and _has_weights(snapshot)
            and code_problem(snapshot) is None)


def _hf_cache_entries(accept: Callable[[Path], bool] = _is_causal_snapshot) -> list[KnownModel]:
    """Models in the Hugging Face cache whose latest snapshot `accept` takes."""
    from huggingface_hub import scan_cache_dir

    try:
        info = scan_cache_dir(_hf_cache_dir())
    except Exception:  # noqa: BLE001 - no cache yet, or unreadable: nothing to list
        return []
    entries = []
    for repo in sorted(info.repos, key=lambda r: r.repo_id.lower()):
        if repo.repo_type != "model" or not repo.revisions:
            continue
        latest = max(repo.revisions, key=lambda r: r.last_modified)
        snapshot = Path(latest.snapshot_path)
        if accept(snapshot):
            entries.append(
                KnownModel(repo.repo_id, repo.repo_id, "hf-cache", str(snapshot),
                           repo.size_on_disk)
            )
    return entries


def list_known_models() -> list[KnownModel]:
    """The embedded default first, then causal LMs already in the Hugging Face cache."""
    return [_embedded_entry(), *_hf_cache_entries()]


# ---------------------------------------------------------------- grammar models


def default_grammar_path() -> Path:
    from writer_app.inference.grammar.checker import default_model_path

    return default_model_path()


def _tagger_problem(folder: Path, config: dict[str, Any], label: str) -> str | None:
    """What is missing from a tagger in this app's layout (see grammar/checkpoint.py)."""
    from writer_app.inference.grammar.checkpoint import (
        FORMAT_VERSION,
        HEADS_FILE,
        PACKAGED_ENCODER,
    )

    if config.get("version") != FORMAT_VERSION:
        return f"Grammar model “{label}” has unsupported format version {config.get('version')!r}."
    if not isinstance(config.get("vocabulary"), dict):
        return f"Grammar model “{label}” has no tag vocabulary in its config.json."
    if not (folder / HEADS_FILE).is_file():
        return f"Grammar model “{label}” has no {HEADS_FILE}."
    encoder = str(config.get("encoder", ""))
    if encoder != PACKAGED_ENCODER and not (folder / encoder).is_dir():
        return f"Grammar model “{label}”: its encoder folder “{encoder}” is missing."
    return None


def _gector_problem(folder: Path, config: dict[str, Any], label: str) -> str | None:
    """What is missing from a GECToR checkpoint in the Hugging Face layout."""
    labels = config["label2id"]
    if not isinstance(labels, dict) or not {"$KEEP", "$DELETE"} <= set(labels):
        return f"GECToR model “{label}”: its label map lacks $KEEP or $DELETE."
    if not any((folder / name).is_file() for name in ("model.safetensors", "pytorch_model.bin")):
        return f"GECToR model “{label}” has no weights (model.safetensors or pytorch_model.bin)."
    if not any((folder / name).is_file() for name in _TOKENIZER_FILES):
        return f"GECToR model “{label}” has no tokenizer files."
    return None


def grammar_folder_problem(folder: Path, label: str | None = None) -> str | None:
    """Why `folder` holds no grammar model this app can load, or None when it holds one.

    Reads config.json and lists files only, so it is quick enough for the GUI thread; the
    full load happens in the worker, which reports its own failures.
    """
    from writer_app.inference.grammar.checkpoint import FORMAT

    label = label or str(folder)
    if not folder.is_dir():
        return f"Grammar model folder “{label}” does not exist."
    problem = code_problem(folder, label)
    if problem:
        return problem
    config = _read_config_json(folder)
    if config is None:
        if not any(folder.iterdir()):
            return f"Folder “{label}” is empty; it holds no grammar model."
        return f"Folder “{label}” has no readable config.json; it holds no grammar model."
    if config.get("format") == FORMAT:
        return _tagger_problem(folder, config, label)
    if "label2id" in config and "d_label2id" in config:
        return _gector_problem(folder, config, label)
    if _not_causal_reason(str(config.get("model_type", "")), config.get("architectures"),
                          bool(config.get("is_decoder", False))) is None:
        return (f"“{label}” is a text-generation model, not a grammar model; "
                "choose it as the completion model instead.")
    return (f"“{label}” is not a grammar model: its config.json has neither this app's "
            "tagger format nor GECToR label maps (label2id, d_label2id).")


def validate_grammar_folder(folder: Path, label: str | None = None, *,
                            allow_pickle: bool = False) -> None:
    """Raise ModelLoadError unless `folder` holds a grammar model (see above), and
    PickleOnlyError when its weights are pickle files only and that was not allowed."""
    from writer_app.core import trusted

    problem = grammar_folder_problem(folder, label)
    if problem:
        raise ModelLoadError(problem)
    names = pickle_weights(folder)
    if names and not (allow_pickle or trusted.is_trusted(folder)):
        raise PickleOnlyError(pickle_message(folder, names, label), folder)


def _is_grammar_snapshot(snapshot: Path) -> bool:
    return grammar_folder_problem(snapshot) is None


def list_grammar_models() -> list[KnownModel]:
    """The shipped grammar model first, then the writer's personalized ones (newest
    first), then grammar models in the Hugging Face cache."""
    folder = default_grammar_path()
    shipped = (KnownModel("default", DEFAULT_GRAMMAR_NAME, "embedded", str(folder),
                          _folder_size(folder)) if folder.is_dir()
               else KnownModel("default", DEFAULT_GRAMMAR_NAME, "embedded", None, None))
    return [shipped, *_personal_grammar_entries(), *_hf_cache_entries(_is_grammar_snapshot)]


def _personal_grammar_entries() -> list[KnownModel]:
    root = paths.personal_grammar_dir()
    if not root.is_dir():
        return []
    folders = sorted((f for f in root.iterdir() if f.is_dir() and not f.name.startswith(".")),
                     key=lambda f: f.name, reverse=True)  # the names are dated
    return [KnownModel(str(f), _personal_grammar_name(f.name), "personalized", str(f),
                       _folder_size(f)) for f in folders if grammar_folder_problem(f) is None]


def _personal_grammar_name(folder_name: str) -> str:
    stamp = re.fullmatch(r"grammar-(\d{4}-\d{2}-\d{2})-(\d{2})(\d{2})\d{2}", folder_name)
    if stamp:
        return f"Personalized grammar model, {stamp[1]} {stamp[2]}:{stamp[3]}"
    return f"Personalized grammar model “{folder_name}”"


def resolve_grammar_model(reference: str, *, allow_pickle: bool = False) -> str:
    """"default", or the validated local folder of a grammar model reference (a folder or
    a Hugging Face id already in the cache). Raises ModelLoadError (one line)."""
    reference = (reference or "").strip()
    if reference in ("", "default"):
        return "default"
    folder = Path(reference).expanduser()
    if folder.is_dir():
        validate_grammar_folder(folder.resolve(), reference, allow_pickle=allow_pickle)
        return str(folder.resolve())
    if folder.exists():
        raise ModelLoadError(f"“{reference}” is a file; choose the folder that holds the "
                             "grammar model.")
    if _looks_like_path(reference):
        raise ModelLoadError(f"Grammar model folder “{reference}” does not exist.")
    snapshot = _cached_snapshot(reference)
    validate_grammar_folder(snapshot, reference, allow_pickle=allow_pickle)
    return str(snapshot)


# ---------------------------------------------------------------- loading


def _gpu_failure_reason(exc: BaseException) -> str:
    text = str(exc).lower()
    if "out of memory" in text or type(exc).__name__ == "OutOfMemoryError":
        return "out of memory"
    return one_line(exc)


def _load_tokenizer(resolved: ResolvedModel):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(resolved.path), local_files_only=True,
                                              trust_remote_code=False)
    if tokenizer.pad_token is None and tokenizer.eos_token is not None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def _load_weights(resolved: ResolvedModel, dtype):
    from transformers import AutoModelForCausalLM
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # progress goes through on_progress, not stderr bars

    return AutoModelForCausalLM.from_pretrained(
        str(resolved.path), dtype=dtype, local_files_only=True, trust_remote_code=False,
        weights_only=True,
    )


def _load_files(resolved: ResolvedModel, dtype):
    """Tokenizer and weights on the CPU; any failure becomes one line naming the model."""
    try:
        return _load_tokenizer(resolved), _load_weights(resolved, dtype)
    except ModelLoadError:
        raise
    except Exception as exc:  # noqa: BLE001 - corrupt files raise all sorts of errors
        raise ModelLoadError(f"Could not load “{resolved.name}”: {one_line(exc)}") from None


def _place(model, resolved: ResolvedModel, device: str, dtype, spec: ModelSpec):
    """Move the model to its device. A GPU that fails (out of memory, driver trouble)
    falls back to the CPU in float32 rather than leaving the user with no model."""
    import torch

    if device == "cpu":
        return model, device, dtype, ""
    try:
        return model.to(device), device, dtype, ""
    except (RuntimeError, AssertionError) as exc:  # OOM and AcceleratorError are RuntimeErrors
        note = f"GPU load failed ({_gpu_failure_reason(exc)}); running on CPU"
    devices.use_cpu_threads(spec.threads)
    if dtype == torch.float32:
        model = model.to("cpu")  # tensors that did reach the GPU come back
    else:
        # Reload rather than upcast: half-precision weights would lose accuracy for nothing.
        del model
        gc.collect()
        model = _load_files(resolved, torch.float32)[1]
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    return model, "cpu", torch.float32, note


def load_causal_lm(spec: ModelSpec, on_progress: Progress = None) -> LoadedModel:
    """Resolve, load and place a causal LM as the spec asks. Raises ModelLoadError only."""
    start = time.perf_counter()
    resolved = resolve_model(spec.reference, on_progress, allow_pickle=spec.allow_pickle)
    try:
        device = devices.resolve_device(spec.device)
        dtype = devices.resolve_dtype(device, spec.dtype)
    except devices.DeviceError as exc:
        raise ModelLoadError(str(exc)) from None
    if device == "cpu":
        devices.use_cpu_threads(spec.threads)
    if on_progress is not None:
        on_progress(f"Loading {resolved.name}…")
    tokenizer, model = _load_files(resolved, dtype)
    model, device, dtype, note = _place(model, resolved, device, dtype, spec)
    model.eval()
    info = ModelInfo(
        name=resolved.name,
        path=str(resolved.path),
        device=device,
        dtype=devices.dtype_name(dtype),
        parameters=sum(p.numel() for p in model.parameters()),
        load_seconds=time.perf_counter() - start,
        note=note,
    )
    return LoadedModel(model=model, tokenizer=tokenizer, info=info)


# ---------------------------------------------------------------- report


def _report_data() -> dict[str, Any]:
    try:
        auto = devices.resolve_device("auto")
    except devices.DeviceError:
        auto = "cpu"
    return {
        "models": [asdict(m) for m in list_known_models()],
        "devices": [asdict(d) for d in devices.available_devices()],
        "auto_device": auto,
    }


def format_models_report(as_json: bool) -> str:
    """Text for `writer-app models [--json]`: known models and devices."""
    data = _report_data()
    if as_json:
        return json.dumps(data, indent=2)
    lines = ["Models:"]
    for m in data["models"]:
        where = m["path"] or "(not converted yet; converted on first use)"
        size = human_size(m["size_bytes"], "-")
        lines.append(f"  {m['reference']:<28} {m['source']:<9} {size:>9}  {m['name']}")
        lines.append(f"      {where}")
    lines.append("Devices:")
    for d in data["devices"]:
        memory = ""
        if d["total_memory"] is not None:
            free, total = human_size(d["free_memory"], "-"), human_size(d["total_memory"], "-")
            memory = f"  {free} free of {total}"
        marker = "  <- auto" if d["id"] == data["auto_device"] else ""
        lines.append(f"  {d['id']:<8} {d['name']}{memory}{marker}")
    return "\n".join(lines)
