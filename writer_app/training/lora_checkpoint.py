"""Personalization's files: the adapter folder and its resume state.

The adapter with the lowest validation loss is written to the output folder through a
temporary folder and a rename, so the folder always holds a complete adapter (or the one
that was there before). ``OUT/resume/`` holds the latest optimizer, scheduler and adapter
state (safetensors plus JSON, never pickle), which ``--resume`` continues from.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from writer_app.core.documents import atomic_write_text
from writer_app.core.out_folder import is_ours, swap_in, temp_folder, write_marker
from writer_app.jobs.events import ProcessWarning
from writer_app.training.lora_plan import Emit, PersonalizeError, Plan, RunState
from writer_app.training.state_io import StateFormatError, has_state, load_state, save_state

RESUME_DIR = "resume"
STATE_FILE = "state.json"


def lora_state(model) -> dict[str, torch.Tensor]:
    """The trained (LoRA) parameters, copied to the CPU."""
    return {k: v.detach().to("cpu", copy=True) for k, v in model.named_parameters()
            if v.requires_grad}


def load_lora_state(model, state: dict[str, torch.Tensor]) -> None:
    params = dict(model.named_parameters())
    with torch.no_grad():
        for name, value in state.items():
            params[name].copy_(value)


def has_adapter(folder: Path) -> bool:
    from writer_app.inference.adapters import is_adapter_dir

    return is_adapter_dir(folder)


def legacy_state(folder: Path) -> dict:
    """optimizer.pt of earlier versions, read without running code (weights_only)."""
    saved = torch.load(folder / "optimizer.pt", map_location="cpu", weights_only=True)
    if not isinstance(saved, dict):
        raise StateFormatError("optimizer.pt holds no state")
    return saved


class Checkpoints:
    """Writes and reads the adapter and resume state of one run at `out`."""

    def __init__(self, out: Path, model, optimizer, scheduler, emit: Emit) -> None:
        self.out = out
        self.model = model
        self.optimizer = optimizer
        self.scheduler = scheduler
        self.emit = emit

    def save_resume(self, folder: Path, plan: Plan, state: RunState, seconds: float) -> None:
        """The state to continue from into `folder`; `seconds` of training so far."""
        from safetensors.torch import save_file

        folder.mkdir(parents=True, exist_ok=True)
        save_file(lora_state(self.model), str(folder / "adapter_state.safetensors"))
        save_state(folder, {"optimizer": self.optimizer.state_dict(),
                            "scheduler": self.scheduler.state_dict(),
                            "rng": torch.get_rng_state()})
        data = {"key": plan.key, "step": state.step, "total_steps": plan.total_steps,
                "seconds": seconds, "valid_before": state.valid_before,
                "best_loss": state.best_loss, "best_step": state.best_step,
                "evals": state.evals}
        atomic_write_text(folder / STATE_FILE, json.dumps(data, indent=1) + "\n")

    def write_resume_only(self, plan: Plan, state: RunState, seconds: float) -> None:
        """Replace only the resume state (the adapter on disk stays the best one)."""
        self.out.mkdir(parents=True, exist_ok=True)
        if not is_ours(self.out):  # stopped before the first adapter: ours from now on
            write_marker(self.out, "adapter")
        with temp_folder(self.out / RESUME_DIR) as staging:
            self.save_resume(staging, plan, state, seconds)
            swap_in(staging, self.out / RESUME_DIR)

    def save_adapter(self, plan: Plan, state: RunState, metadata: dict,
                     seconds: float) -> None:
        """The adapter, its metadata and the resume state, swapped in as one folder."""
        from writer_app.inference.adapters import METADATA_FILE

        with temp_folder(self.out) as staging:
            self.model.save_pretrained(str(staging))
            meta = json.dumps(metadata, indent=1, ensure_ascii=False)
            atomic_write_text(staging / METADATA_FILE, meta + "\n")
            self.save_resume(staging / RESUME_DIR, plan, state, seconds)
            write_marker(staging, "adapter")
            swap_in(staging, self.out)

    def restore(self, plan: Plan) -> RunState:
        """The state saved for `plan` (--resume), loaded into the model and optimizer."""
        from safetensors.torch import load_file

        folder = self.out / RESUME_DIR
        if not (folder / STATE_FILE).is_file():
            self.emit(ProcessWarning(f"No checkpoint to resume in {self.out}; starting "
                                     "from the beginning."))
            return RunState()
        data = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
        if data.get("key") != plan.key:
            raise PersonalizeError("The checkpoint was made with other documents, another "
                                   "model or other settings; start without --resume.")
        try:
            saved = load_state(folder) if has_state(folder) else legacy_state(folder)
            load_lora_state(self.model, load_file(str(folder / "adapter_state.safetensors")))
            self.optimizer.load_state_dict(saved["optimizer"])
            self.scheduler.load_state_dict(saved["scheduler"])
            torch.set_rng_state(saved["rng"])
        except (StateFormatError, KeyError, ValueError, RuntimeError, OSError) as exc:
            raise PersonalizeError(f"The checkpoint in {self.out} cannot be resumed "
                                   f"({type(exc).__name__}); start without --resume.") from None
        return RunState(step=int(data["step"]), seconds=float(data["seconds"]),
                        valid_before=data.get("valid_before"), best_loss=data.get("best_loss"),
                        best_step=int(data.get("best_step") or 0),
                        evals=list(data.get("evals") or []))

    def load_saved_adapter(self) -> None:
        from peft import set_peft_model_state_dict
        from safetensors.torch import load_file

        set_peft_model_state_dict(self.model,
                                  load_file(str(self.out / "adapter_model.safetensors")))


