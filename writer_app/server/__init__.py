"""The local HTTP server: LanguageTool's /v2 and OpenAI's /v1 for other apps.

app.py builds the ASGI app from services (services.py: async check and generation on
top of an engine host); jobs.py holds the work done in the engines' thread; the engines
themselves come from standalone.py (``writer-app serve``) or from the running app.
"""
