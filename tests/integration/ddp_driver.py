"""Runs `python -m writer_app.training.personalize ARGS` (the code `writer-app finetune`
runs) and writes this process's final LoRA weights to $DDP_DUMP/rank<R>.safetensors,
so that a test can compare the processes of a torchrun launch with each other and with
a single process."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from writer_app.training import lora_checkpoint, lora_trainer, personalize  # noqa: E402


def _dump(trainer) -> None:
    from safetensors.torch import save_file

    dump = Path(os.environ["DDP_DUMP"])
    dump.mkdir(parents=True, exist_ok=True)
    save_file(lora_checkpoint.lora_state(trainer.model),
              str(dump / f"rank{trainer.world.rank}.safetensors"))


def main() -> int:
    run, report = lora_trainer.Personalizer.run, lora_trainer.Personalizer._report

    def run_and_dump(self, stop):
        result = run(self, stop)
        if not self.world.main:
            _dump(self)
        return result

    def dump_and_report(self, plan, state):
        _dump(self)  # before the report, whose comparison merges the adapter
        return report(self, plan, state)

    lora_trainer.Personalizer.run = run_and_dump
    lora_trainer.Personalizer._report = dump_and_report
    return personalize.main(sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
