"""Tiny random models built on the fly, so tests never need the network or big files."""

from __future__ import annotations

from pathlib import Path

EOS = "<|endoftext|>"

_SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "She sells sea shells by the sea shore.",
    "A journey of a thousand miles begins with a single step.",
    "Writing is thinking on paper, and editing is thinking twice.",
    "The weather today is sunny with a light breeze from the west.",
    "Please send me the report before the meeting on Monday morning.",
    "It was the best of times, it was the worst of times.",
    "The capital of France is Paris, and the capital of Italy is Rome.",
    "Good writing is clear, concise and easy to read.",
    "We walked along the river and talked about our plans for the summer.",
]


def _train_bpe_tokenizer(vocab_size: int = 400):
    """A byte-level BPE (like GPT-2's) trained in memory on a few sentences."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.BPE())
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=[EOS],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    core.train_from_iterator(_SENTENCES * 4, trainer=trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=core, eos_token=EOS, bos_token=EOS, unk_token=EOS
    )


def _save_causal_lm(folder: Path, model_class, make_config) -> Path:
    """Train the tiny tokenizer, build a seeded random model, save both."""
    import torch

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer = _train_bpe_tokenizer()
    config = make_config(len(tokenizer), tokenizer.convert_tokens_to_ids(EOS))
    torch.manual_seed(0)
    model_class(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def make_tiny_gpt2(folder: Path) -> Path:
    """A 2-layer random GPT-2 and its tokenizer, saved as a Hugging Face folder."""
    from transformers import GPT2Config, GPT2LMHeadModel

    return _save_causal_lm(folder, GPT2LMHeadModel, lambda vocab, eos: GPT2Config(
        vocab_size=vocab, n_layer=2, n_embd=32, n_head=2, n_positions=256,
        bos_token_id=eos, eos_token_id=eos,
    ))


def make_tiny_bert(folder: Path) -> Path:
    """A 2-layer random BertModel (an encoder, not a text generator) with a tokenizer."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    words = sorted({w.strip(".,").lower() for s in _SENTENCES for w in s.split()})
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words]
    vocab_file = folder / "vocab.txt"
    vocab_file.write_text("\n".join(vocab) + "\n", encoding="utf-8")
    BertTokenizerFast(vocab_file=str(vocab_file)).save_pretrained(folder)
    config = BertConfig(
        vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=128,
    )
    torch.manual_seed(0)
    BertModel(config).save_pretrained(folder)
    return folder


def make_tiny_llama(folder: Path) -> Path:
    """A 2-layer random Llama with grouped-query attention (4 query, 2 KV heads)."""
    from transformers import LlamaConfig, LlamaForCausalLM

    return _save_causal_lm(folder, LlamaForCausalLM, lambda vocab, eos: LlamaConfig(
        vocab_size=vocab, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512,
        bos_token_id=eos, eos_token_id=eos, tie_word_embeddings=True,
    ))
