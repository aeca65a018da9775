"""The training-process client and its protocol: no torch, no widgets.

The training modules (`python -m writer_app.training.personalize`, `…grammar_personalize`)
run as their own processes and report typed events as JSON lines on stdout
(`events.py`: one frozen dataclass per kind; `protocol.py`: the one encoder and decoder).
`commands.py` holds the module names, shared constants and the argument builders;
`runner.py` owns a process (QProcess) and re-emits its events as typed Qt signals;
`background.py` runs a function off the GUI thread and hands its result back on it.
"""
