"""Shared test set-up: offscreen Qt and private config/data/cache folders per session."""

import os
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

_root = tempfile.mkdtemp(prefix="writer-app-tests-")
os.environ.setdefault("WRITER_APP_CONFIG_DIR", os.path.join(_root, "config"))
os.environ.setdefault("WRITER_APP_DATA_DIR", os.path.join(_root, "data"))
# The converted default model is shared across runs: converting takes ~30 s.
os.environ.setdefault(
    "WRITER_APP_CACHE_DIR",
    os.path.join(os.path.expanduser("~"), ".cache", "writer_app"),
)
