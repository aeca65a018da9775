"""The neural grammar corrector: a GECToR-style tagger, its checkpoints and the engine."""

from writer_app.inference.grammar.checkpoint import (
    LoadedTagger,
    TaggerSettings,
    load_any,
    load_gector_checkpoint,
    load_tagger,
    save_tagger,
)
from writer_app.inference.grammar.engine import GrammarEngine
from writer_app.inference.grammar.model import GecTagger, TaggerBatch, TaggerOutput

__all__ = [
    "GecTagger",
    "GrammarEngine",
    "LoadedTagger",
    "TaggerBatch",
    "TaggerOutput",
    "TaggerSettings",
    "load_any",
    "load_gector_checkpoint",
    "load_tagger",
    "save_tagger",
]
