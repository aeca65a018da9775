"""While training runs, the editor's models use a quarter of the cores, at least one
thread; the limit is applied in the thread that runs the models."""

from __future__ import annotations

import pytest
import torch

from tests.torch_threads import run_in_own_thread
from writer_app.core.cpu_share import available_cores, editor_threads_while_training
from writer_app.inference.devices import use_cpu_threads


@pytest.mark.parametrize(("cores", "editor"), [
    (1, 1), (2, 1), (3, 1), (4, 1), (7, 1), (8, 2), (16, 4), (0, 1)])
def test_the_editors_threads_while_training_runs(cores, editor):
    assert editor_threads_while_training(cores) == editor


def test_the_default_is_this_machines_cores():
    assert available_cores() >= 1
    assert editor_threads_while_training() == editor_threads_while_training(
        available_cores())


def test_a_limit_caps_the_threads_of_the_thread_that_runs_the_models():
    def run() -> dict[str, tuple[int, int]]:
        return {"capped": (use_cpu_threads(0, 1), torch.get_num_threads()),
                "configured": (use_cpu_threads(2, 0), torch.get_num_threads()),
                "below": (use_cpu_threads(1, 4), torch.get_num_threads())}

    assert run_in_own_thread(run) == {"capped": (1, 1), "configured": (2, 2),
                                      "below": (1, 1)}
