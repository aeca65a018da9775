"""The pure-Python foundation of the GECToR-style grammar corrector (no torch, no Qt).

* ``tokens``: tokens with offsets into the original text, detokenising, sentences;
* ``tags``: the edit-tag vocabulary, applying tags, categories and messages;
* ``verb_forms``: verb-form and noun-number tables (lemminflect) for the g-transforms;
* ``align``: token alignment and tag derivation from (source, target) pairs.
"""

from writer_app.core.gec.align import derive_steps, derive_tag_sequences, derive_tags
from writer_app.core.gec.tags import (
    Category,
    TagVocabulary,
    apply_iterations,
    apply_tags,
    category_of,
    message_for,
)
from writer_app.core.gec.tokens import Sentence, Token, detokenize, split_sentences, tokenize

__all__ = [
    "Category",
    "Sentence",
    "TagVocabulary",
    "Token",
    "apply_iterations",
    "apply_tags",
    "category_of",
    "derive_steps",
    "derive_tag_sequences",
    "derive_tags",
    "detokenize",
    "message_for",
    "split_sentences",
    "tokenize",
]
