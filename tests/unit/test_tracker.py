from writer_app.core.tracker import RequestTracker


def test_ids_increase_and_a_new_request_cancels_the_old_one():
    tracker = RequestTracker()
    first, cancel_first = tracker.start(revision=1)
    second, cancel_second = tracker.start(revision=1)
    assert second > first
    assert cancel_first.is_set() and not cancel_second.is_set()
    assert not tracker.is_current(first, 1, 1)
    assert tracker.is_current(second, 1, 1)


def test_result_for_an_old_revision_is_stale():
    tracker = RequestTracker()
    request_id, _ = tracker.start(revision=4)
    assert not tracker.is_current(request_id, 4, document_revision=5)
    assert tracker.is_current(request_id, 4, document_revision=4)


def test_finish_and_cancel_clear_the_pending_request():
    tracker = RequestTracker()
    request_id, cancel = tracker.start(revision=1)
    tracker.finish(request_id)
    assert tracker.pending_id is None and not cancel.is_set()
    request_id, cancel = tracker.start(revision=2)
    tracker.cancel_current()
    assert cancel.is_set() and tracker.pending_id is None
    assert not tracker.is_current(request_id, 2, 2)
