"""ModelController: which completion model and personal adapter serve, and what the
writer is told when one fails.

Loads go to the worker in order and are answered in order; the spec serving now is
remembered, so that a model that fails to load never stays in the settings: the next
start loads the one that worked (and a later unrelated change, such as the theme,
cannot bring the failed one back, since the SettingsStore holds the only copy).
"""

from __future__ import annotations

import contextlib
from collections import deque
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot

from writer_app.core.cpu_share import editor_threads_while_training
from writer_app.core.requests import ModelInfo, ModelSpec
from writer_app.core.settings import Settings
from writer_app.core.units import human_size
from writer_app.inference import adapters


def device_text(info: ModelInfo) -> str:
    memory = f" · {human_size(info.memory_bytes)} in use" if info.memory_bytes else ""
    where = f"{info.device_name} ({info.device})" if info.device_name else info.device
    return f"{where} · {info.dtype}{memory}"


class AdapterStore:
    """The saved adapters as the Personalize page uses them (see AdapterStoreLike)."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or adapters.adapters_dir()

    def list(self) -> list[adapters.AdapterInfo]:
        return adapters.list_adapters(self.root)

    def rename(self, path: str, name: str) -> adapters.AdapterInfo:
        return adapters.rename_adapter(path, name)

    def delete(self, path: str) -> None:
        adapters.delete_adapter(path)

    def new_dir(self, name: str) -> Path:
        return adapters.new_adapter_dir(name, self.root)


class ModelController(QObject):
    # to the worker (queued: the worker lives in its own thread)
    sig_load_model = Signal(object)  # ModelSpec
    sig_set_adapter = Signal(str)  # the LoRA adapter folder ("" = none)
    sig_set_cpu_thread_limit = Signal(int)  # at most this many CPU threads (0 = no limit)
    # GUI-thread signals
    sig_model_ready = Signal(object)  # ModelInfo
    sig_model_failed = Signal(str)
    sig_adapter_refused = Signal(str, str)  # the adapter still in use, why

    def __init__(self, window, store, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.window = window
        self._store = store
        self.model_info: ModelInfo | None = None
        # Specs sent to the worker, answered in order; the one serving now; the last asked.
        self._loads: deque[ModelSpec] = deque()
        self._active_spec: ModelSpec | None = None
        self._wanted: ModelSpec | None = None
        store.sig_changed.connect(self._on_settings_changed)

    def connect_worker(self, worker) -> None:
        self.sig_load_model.connect(worker.load_model)
        self.sig_set_adapter.connect(worker.set_adapter)
        self.sig_set_cpu_thread_limit.connect(worker.set_cpu_thread_limit)
        worker.sig_model_loading.connect(self._on_model_loading)
        worker.sig_model_ready.connect(self._on_model_ready)
        worker.sig_model_failed.connect(self._on_model_failed)
        worker.sig_adapter_ready.connect(self._on_adapter_ready)
        worker.sig_adapter_failed.connect(self._on_adapter_failed)
        adapter = self._store.current().models.adapter
        if adapter:  # remembered: applied to the model once it has loaded
            self.sig_set_adapter.emit(adapter)

    # -- public -----------------------------------------------------------------------
    def load_model(self, spec: ModelSpec | None = None) -> None:
        spec = spec or self._store.current().models.completion_spec()
        self.window.status_bar.set_state("loading…")
        self._wanted = spec
        self._loads.append(spec)
        self.sig_load_model.emit(spec)

    def share_cores(self, training: bool) -> None:
        """While a training process runs, the models use only the editor's share of the
        CPU cores (core.cpu_share); all of them again once none runs."""
        self.sig_set_cpu_thread_limit.emit(editor_threads_while_training() if training
                                           else 0)

    def activate_adapter(self, path: str) -> str | None:
        """Make completion use the LoRA adapter in folder `path` ("" = none) at once, with
        no model reload, and remember it in the settings; None, or why it cannot.

        An adapter of another base model is refused here when the loaded model's files
        tell; the worker checks again, and a late refusal comes as sig_adapter_failed.
        """
        if path:
            try:
                adapters.check_compatible(adapters.read_adapter(path), *self._base_identity())
            except adapters.AdapterError as exc:
                return str(exc)
        self.sig_set_adapter.emit(path)
        self._store.update({"models": {"adapter": path}})
        return None

    # -- internals --------------------------------------------------------------------
    def _base_identity(self) -> tuple[str, str]:
        """(fingerprint, name) of the loaded model; no fingerprint when it has no folder."""
        info = self.model_info
        if info is None or not info.path:
            return "", ""
        try:
            return adapters.model_fingerprint(info.path), info.name
        except adapters.AdapterError:
            return "", info.name

    @Slot(object, object)
    def _on_settings_changed(self, old: Settings, new: Settings) -> None:
        spec = new.models.completion_spec()
        if old.models.completion_spec() != spec and spec != self._wanted:
            self.load_model(spec)

    @Slot(str)
    def _on_model_loading(self, message: str) -> None:
        self.window.status_bar.set_state("loading…")
        self.window.show_notice(message, 0)

    @Slot(object)
    def _on_model_ready(self, info: ModelInfo) -> None:
        self.model_info = info
        self._active_spec = self._loads.popleft() if self._loads else self._active_spec
        self.window.status_bar.set_model_status(info.name, device_text(info))
        self.window.show_notice(info.note or f"{info.name} ready ({info.load_seconds:.1f} s)")
        self.sig_model_ready.emit(info)

    @Slot(str)
    def _on_model_failed(self, message: str) -> None:
        failed = self._loads.popleft() if self._loads else None
        self.window.status_bar.set_state("ready" if self.model_info else "error")
        kept = f" Still using {self.model_info.name}." if self.model_info else ""
        self.window.show_notice(message + kept, error=True)
        self._forget_failed_model(failed)
        self.sig_model_failed.emit(message)

    def _forget_failed_model(self, failed: ModelSpec | None) -> None:
        """Keep the settings on the model that serves, so the next start loads it."""
        active = self._active_spec
        if (failed is None or active is None
                or self._store.current().models.completion_spec() != failed):
            return
        self._wanted = active
        self._store.update({"models": {"completion_model": active.reference,
                                       "device": active.device, "dtype": active.dtype,
                                       "cpu_threads": active.threads}})

    @Slot(str)
    def _on_adapter_ready(self, path: str) -> None:
        name = Path(path).name
        with contextlib.suppress(adapters.AdapterError):
            name = adapters.read_adapter(path).name if path else ""
        self.window.show_notice(f"Suggestions use your adapter “{name}”." if path
                                else "Suggestions use the plain model.", 5000)
        self.window.status_bar.set_adapter_status(name)

    @Slot(str, str)
    def _on_adapter_failed(self, message: str, in_use: str) -> None:
        """The worker refused the adapter: keep (and remember) the one that serves."""
        self._store.update({"models": {"adapter": in_use}})
        self.window.show_notice(message, 15000, error=True)
        name = ""
        with contextlib.suppress(adapters.AdapterError):
            name = adapters.read_adapter(in_use).name if in_use else ""
        self.window.status_bar.set_adapter_status(name)
        self.sig_adapter_refused.emit(in_use, message)
