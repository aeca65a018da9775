"""writer_app: a private desktop writing assistant that runs on the user's machine."""

__version__ = "0.1.0"
APP_NAME = "writer_app"
APP_DISPLAY_NAME = "Writer"
