"""Running a function in a thread of its own, as the app's worker runs its models: torch
sets its CPU thread count for the thread that runs it, and the test process's own count is
put back afterwards."""

from __future__ import annotations

import threading
from collections.abc import Callable


def run_in_own_thread(run: Callable[[], object]) -> object:
    """``run()`` in a new thread; its result (its exception is raised here)."""
    import torch

    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["value"] = run()
        except BaseException as error:  # noqa: BLE001 - handed to the caller
            outcome["error"] = error

    before = torch.get_num_threads()
    try:
        thread = threading.Thread(target=target)
        thread.start()
        thread.join()
    finally:
        torch.set_num_threads(before)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
