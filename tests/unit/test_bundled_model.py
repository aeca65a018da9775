"""A frozen one-folder build finds the embedded model converted at build time first."""

from __future__ import annotations

import sys

import pytest

from writer_app.inference import convert
from writer_app.inference.errors import ModelLoadError


def _complete_folder(folder):
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{}", encoding="utf-8")
    (folder / "model.safetensors").write_bytes(b"")
    (folder / convert.MARKER_NAME).write_text("{}", encoding="utf-8")
    return folder


@pytest.fixture
def frozen(monkeypatch, tmp_path):
    """Pretend to run inside a bundle at tmp_path/bundle, with an empty user cache."""
    monkeypatch.setenv("WRITER_APP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path / "bundle"), raising=False)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    return tmp_path / "bundle" / "models" / convert.MODEL_FOLDER


def test_bundled_folder_is_used_without_converting(frozen):
    _complete_folder(frozen)
    assert convert.default_model_dir() == frozen
    assert convert.is_converted()
    assert convert.ensure_default_model() == frozen


def test_incomplete_bundled_folder_falls_back_to_the_cache(frozen, tmp_path):
    frozen.mkdir(parents=True)
    (frozen / "config.json").write_text("{}", encoding="utf-8")  # no weights, no marker
    assert convert.default_model_dir() == tmp_path / "cache" / "models" / convert.MODEL_FOLDER
    assert not convert.is_converted()


def test_frozen_build_without_the_model_says_so_instead_of_starting_itself(frozen):
    with pytest.raises(ModelLoadError, match="does not include the embedded model"):
        convert.ensure_default_model()


def test_source_installs_use_the_user_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("WRITER_APP_CACHE_DIR", str(tmp_path))
    monkeypatch.delattr(sys, "_MEIPASS", raising=False)
    assert convert.bundled_model_dir() is None
    assert convert.default_model_dir() == tmp_path / "models" / convert.MODEL_FOLDER
