"""Splitting and chunking the personalization corpus."""

from __future__ import annotations

from writer_app.training.lora_data import (
    ChunkOrder,
    epochs_for,
    join_segments,
    scoring_windows,
    split_corpus,
    steps_for,
    training_windows,
)


def test_split_by_document_holds_out_about_ten_percent():
    docs = [list(range(i * 1000, i * 1000 + 100)) for i in range(20)]
    split = split_corpus(docs, seed=3)
    assert split.by_document
    held = sum(len(d) for d in split.valid)
    assert 100 <= held <= 400
    train_ids = {t for d in split.train for t in d}
    assert not train_ids & {t for d in split.valid for t in d}, "no document in both"
    assert len(split.train) + len(split.valid) == 20
    assert split_corpus(docs, seed=3) == split, "deterministic for a seed"


def test_one_document_is_split_by_position():
    split = split_corpus([list(range(200))])
    assert not split.by_document
    assert split.train == [list(range(180))] and split.valid == [list(range(180, 200))]


def test_unequal_documents_fall_back_to_position():
    # Any whole document would be far more than 10% (or all of the text).
    split = split_corpus([list(range(900)), list(range(1000, 1300))])
    assert not split.by_document
    assert [len(d) for d in split.train] == [810, 270]
    assert [len(d) for d in split.valid] == [90, 30]


def test_empty_corpus():
    split = split_corpus([[], []])
    assert split.train == [] and split.valid == []


def test_join_segments_puts_separator_between():
    assert join_segments([[1, 2], [3], [4]], 0) == [1, 2, 0, 3, 0, 4]
    assert join_segments([[1], [2]], None) == [1, 2]


def test_training_windows_overlap_and_end_aligned():
    stream = list(range(1000))
    windows = training_windows(stream, 256, 32)
    assert all(len(w.ids) == 256 and w.scored == 256 for w in windows)
    assert windows[0].ids[0] == 0 and windows[1].ids[0] == 224
    assert windows[-1].ids[-1] == 999, "the end of the text is covered"
    covered = {t for w in windows for t in w.ids}
    assert covered == set(stream)


def test_training_windows_short_stream():
    assert [w.ids for w in training_windows([5, 6, 7], 256, 32)] == [(5, 6, 7)]
    assert training_windows([5], 256, 32) == []


def test_scoring_windows_score_every_token_once_with_context():
    stream = list(range(1000))
    windows = scoring_windows(stream, 256, 128)
    scored = [t for w in windows for t in w.ids[len(w.ids) - w.scored:]]
    assert scored == stream
    assert all(len(w.ids) <= 256 for w in windows)
    assert windows[1].ids[0] == 128 and windows[1].scored == 128, "carried-over context"


def test_scoring_windows_without_overlap():
    windows = scoring_windows(list(range(600)), 256)
    assert [w.scored for w in windows] == [256, 256, 88]
    assert windows[2].ids == tuple(range(344, 600)), "the last window keeps full context"


def test_chunk_order_is_a_permutation_per_epoch_and_stateless():
    order = ChunkOrder(chunks=10, per_step=4, seed=1)
    first_epoch = [i for step in range(0, 3) for i in order.step_indexes(step)][:10]
    assert sorted(first_epoch) == list(range(10))
    again = ChunkOrder(chunks=10, per_step=4, seed=1)
    assert again.step_indexes(7) == order.step_indexes(7), "resume sees the same batches"
    assert ChunkOrder(10, 4, seed=2).step_indexes(0) != order.step_indexes(0)


def test_epochs_and_steps():
    assert epochs_for(20_000) == 3 and epochs_for(100_000) == 2 and epochs_for(10**6) == 1
    assert steps_for(chunks=10, per_step=4, epochs=3) == 8
    assert steps_for(chunks=1, per_step=4, epochs=1) == 1
