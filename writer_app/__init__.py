"""writer_app: a private desktop writing assistant that runs on the user's machine."""

import os

__version__ = "0.1.0"
APP_NAME = "writer_app"
APP_DISPLAY_NAME = "Writer"

# Nothing leaves the machine: set before any Hugging Face library is imported, so the app,
# the command line and every child process (they inherit the environment) stay offline.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"

if os.environ.get("WRITER_APP_PARENT_PID"):  # started by the app: end with it
    from writer_app.core.lifeline import die_with_parent

    die_with_parent()
