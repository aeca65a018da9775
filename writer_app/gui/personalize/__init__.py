"""Personalization in the GUI: the panel (documents, vocabulary, the run, its report,
adapters and the grammar checker's adaptation), the Preferences page that holds it, and
the standalone Personalize window (Tools › Personalize…).

The training processes and their protocol live in writer_app/jobs; the views here
subscribe to the runner's typed signals. Import the modules themselves (`page` builds on
the settings dialog's SettingsPage, so this package imports nothing at first).
"""
