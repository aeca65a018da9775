"""Qt-free and torch-free building blocks: requests, settings, text and document ops."""
