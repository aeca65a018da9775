"""GECToR edit tags: the vocabulary, applying tags to tokens, and explaining them.

One import for what the modules below hold, by concern:

* ``tag_set``: the tags (``$KEEP``, ``$APPEND_x``, the transforms...) and applying them to
  tokens (one GECToR iteration);
* ``tag_vocabulary``: ``TagVocabulary``, the ordered tag set a tagger predicts over;
* ``categories``: word classes, confusable sets, ``Category`` and ``category_of``, word
  distances;
* ``messages``: ``message_for``, the explanation a writer reads.
"""

from __future__ import annotations

from writer_app.core.gec.categories import (  # noqa: F401
    ARTICLES,
    CONFUSION_GLOSSES,
    CONFUSION_SETS,
    DETERMINERS,
    PREPOSITIONS,
    SUBJECT_PRONOUNS,
    Category,
    are_confusable,
    category_of,
    edit_distance,
    result_of,
    similarity,
)
from writer_app.core.gec.messages import (  # noqa: F401
    message_for,
)
from writer_app.core.gec.tag_set import (  # noqa: F401
    AGREEMENT_PLURAL,
    AGREEMENT_SINGULAR,
    APPEND_PREFIX,
    BASE_TAGS,
    CASE_CAPITAL,
    CASE_CAPITAL_1,
    CASE_LOWER,
    CASE_TAGS,
    CASE_UPPER,
    CASE_UPPER_MINUS_1,
    DELETE,
    KEEP,
    MERGE_HYPHEN,
    MERGE_SPACE,
    MERGE_TAGS,
    REPLACE_PREFIX,
    SPLIT_HYPHEN,
    START,
    TRANSFORM_TAGS,
    VERB_PREFIX,
    VERB_TRANSFORM_TAGS,
    append_tag,
    apply_iterations,
    apply_tags,
    apply_token_tag,
    case_tag_between,
    convert_case,
    is_lexical,
    is_valid_tag,
    replace_tag,
)
from writer_app.core.gec.tag_vocabulary import (  # noqa: F401
    TagVocabulary,
)
