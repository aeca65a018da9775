"""Runs `python -m writer_app.training.personalize ARGS` (the code `writer-app finetune`
runs), then writes this process's final LoRA weights to $DDP_DUMP/rank<R>.safetensors,
so that a test can compare the processes of a torchrun launch with each other and with
a single process."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from writer_app.training import personalize  # noqa: E402


def main() -> int:
    original = personalize.Personalizer.run

    def run_and_dump(self, stop):
        result = original(self, stop)
        from safetensors.torch import save_file

        dump = Path(os.environ["DDP_DUMP"])
        dump.mkdir(parents=True, exist_ok=True)
        save_file(personalize._lora_state(self.model),
                  str(dump / f"rank{self.world.rank}.safetensors"))
        return result

    personalize.Personalizer.run = run_and_dump
    return personalize.main(sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
