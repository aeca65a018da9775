"""Where the app keeps its files. Each location can be redirected with an environment
variable, which tests and portable installs use."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from writer_app import APP_NAME


def _dir(env: str, default: str) -> Path:
    value = os.environ.get(env)
    path = Path(value) if value else Path(default)
    return path


def config_dir() -> Path:
    return _dir("WRITER_APP_CONFIG_DIR", platformdirs.user_config_dir(APP_NAME))


def data_dir() -> Path:
    return _dir("WRITER_APP_DATA_DIR", platformdirs.user_data_dir(APP_NAME))


def personal_grammar_dir() -> Path:
    """Where the Personalize page writes adapted grammar models (one dated folder each)."""
    return data_dir() / "grammar_models"


def cache_dir() -> Path:
    return _dir("WRITER_APP_CACHE_DIR", platformdirs.user_cache_dir(APP_NAME))


def settings_file() -> Path:
    value = os.environ.get("WRITER_APP_SETTINGS")
    return Path(value) if value else config_dir() / "settings.toml"


def recovery_dir() -> Path:
    return data_dir() / "recovery"
