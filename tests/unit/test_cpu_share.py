"""While training runs, the editor's models and the training process together use no more
CPU threads than there are cores; the editor keeps a quarter, at least one."""

from __future__ import annotations

import pytest
import torch

from tests.torch_threads import run_in_own_thread
from writer_app.core.cpu_share import CpuShare, available_cores, cpu_share
from writer_app.inference.devices import use_cpu_threads
from writer_app.jobs.commands import grammar_args, personalize_args


@pytest.mark.parametrize(("cores", "editor", "training"), [
    (1, 1, 1), (2, 1, 1), (3, 1, 2), (4, 1, 3), (8, 2, 6), (16, 4, 12), (0, 1, 1)])
def test_the_split_of_the_cores(cores, editor, training):
    assert cpu_share(cores) == CpuShare(editor, training)


def test_the_split_never_oversubscribes_a_machine_with_two_cores_or_more():
    for cores in range(2, 65):
        share = cpu_share(cores)
        assert share.editor >= 1 and share.training >= 1
        assert share.editor + share.training == cores


def test_the_default_split_uses_this_machines_cores(tmp_path):
    assert available_cores() >= 1
    assert cpu_share() == cpu_share(available_cores())
    training = str(cpu_share().training)
    for args in (personalize_args([tmp_path / "a.txt"], tmp_path / "out"),
                 grammar_args([tmp_path / "a.txt"], tmp_path / "out")):
        assert args[args.index("--threads") + 1] == training


def test_a_limit_caps_the_threads_of_the_thread_that_runs_the_models():
    def run() -> dict[str, tuple[int, int]]:
        return {"capped": (use_cpu_threads(0, 1), torch.get_num_threads()),
                "configured": (use_cpu_threads(2, 0), torch.get_num_threads()),
                "below": (use_cpu_threads(1, 4), torch.get_num_threads())}

    assert run_in_own_thread(run) == {"capped": (1, 1), "configured": (2, 2),
                                      "below": (1, 1)}
