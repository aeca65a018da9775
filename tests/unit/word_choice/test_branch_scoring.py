"""Scoring several continuations over one shared prefix equals scoring each alone."""

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from writer_app.inference.completion import CompletionEngine
from writer_app.inference.kv_runner import HFRunner, LlamaRunner

BRANCHES = [[11, 12, 13], [40], [7, 8, 9, 10, 11, 12, 13], [5, 6]]


@pytest.fixture(scope="module")
def llama(tiny_llama_dir):
    return AutoModelForCausalLM.from_pretrained(tiny_llama_dir).eval()


@torch.inference_mode()
def _alone(model, prefix, branch):
    out = model(input_ids=torch.tensor([prefix + branch]), output_hidden_states=True)
    return out.logits[0, len(prefix):], out.hidden_states[1][0, len(prefix):]


@torch.inference_mode()
@pytest.mark.parametrize("runner_class", [LlamaRunner, HFRunner])
def test_branches_in_one_pass_match_each_branch_alone(llama, runner_class):
    prefix = list(range(20, 50))
    runner = runner_class(llama)
    runner.run(torch.tensor([prefix]))
    logits, hidden, shared = runner.run_branches(BRANCHES, layer=0)
    assert runner.length == len(prefix) and shared is None  # the branches are not kept
    for branch, ours, state in zip(BRANCHES, logits, hidden, strict=True):
        expected, expected_state = _alone(llama, prefix, branch)
        assert ours.shape == expected.shape
        assert torch.allclose(ours, expected, atol=1e-4)
        assert torch.allclose(state, expected_state, atol=1e-4)
    # the prefix cache still serves the next step unchanged
    step = runner.run(torch.tensor([[60]]))
    assert torch.allclose(step, _alone(llama, prefix, [60])[0][-1], atol=1e-4)


@torch.inference_mode()
@pytest.mark.parametrize("runner_class", [LlamaRunner, HFRunner])
def test_shared_tokens_run_with_the_branches_and_stay(llama, runner_class):
    prefix, shared = list(range(20, 50)), [51, 52, 53]
    runner = runner_class(llama)
    runner.run(torch.tensor([prefix]))
    logits, hidden, after = runner.run_branches(BRANCHES, layer=0, shared=shared, tails=False)
    assert runner.length == len(prefix) + len(shared)
    assert torch.allclose(after, _alone(llama, prefix, shared)[0][-1], atol=1e-4)
    for branch, ours, state in zip(BRANCHES, logits, hidden, strict=True):
        expected, expected_state = _alone(llama, prefix + shared, branch)
        assert ours.shape[0] == len(branch) - 1  # no logits after the branch's end
        assert torch.allclose(ours, expected[:-1], atol=1e-4)
        assert torch.allclose(state, expected_state, atol=1e-4)
    step = runner.run(torch.tensor([[60]]))
    assert torch.allclose(step, _alone(llama, prefix + shared, [60])[0][-1], atol=1e-4)


def _tiny_engine(request, folder: str):
    path = request.getfixturevalue(folder)
    model = AutoModelForCausalLM.from_pretrained(path).eval()
    return model, CompletionEngine(model, AutoTokenizer.from_pretrained(path))


@torch.inference_mode()
@pytest.mark.parametrize("folder", ["tiny_llama_dir", "tiny_gpt2_dir"])
def test_engine_scores_are_log_probabilities_of_each_branch(request, folder):
    model, engine = _tiny_engine(request, folder)
    prefix = list(range(20, 40))
    scores, vectors = engine.score_branches(prefix, BRANCHES, [0, 0, 3, 1], layer=0)
    assert engine.cached_tokens == len(prefix)
    assert len(vectors) == len(BRANCHES)
    for branch, score in zip(BRANCHES, scores, strict=True):
        logits = model(input_ids=torch.tensor([prefix + branch])).logits[0]
        logp = torch.log_softmax(logits[len(prefix) - 1:-1], -1)
        expected = sum(float(logp[i, token]) for i, token in enumerate(branch))
        assert score == pytest.approx(expected, abs=1e-3)


@torch.inference_mode()
@pytest.mark.parametrize("folder", ["tiny_llama_dir", "tiny_gpt2_dir"])
def test_branch_states_stop_at_the_layer_and_keep_the_prefix(request, folder):
    model, engine = _tiny_engine(request, folder)
    prefix = list(range(20, 40))
    engine.score_branches(prefix[:12] + [77, 78], [[5]])  # the cache holds another text
    vectors = engine.branch_states(prefix, BRANCHES, [0, 0, 3, 1], layer=0)
    assert engine.cached_tokens == len(prefix)  # the part the cache lacked is kept
    for branch, mark, vector in zip(BRANCHES, [0, 0, 3, 1], vectors, strict=True):
        out = model(input_ids=torch.tensor([prefix + branch]), output_hidden_states=True)
        assert torch.allclose(vector, out.hidden_states[1][0, len(prefix) + mark], atol=1e-4)
    # the prefix now in the cache serves the next scoring unchanged
    scores, _ = engine.score_branches(prefix, [[5, 6]])
    logp = torch.log_softmax(model(input_ids=torch.tensor([prefix + [5, 6]])).logits[0], -1)
    assert scores[0] == pytest.approx(float(logp[-3, 5] + logp[-2, 6]), abs=1e-3)
    # warm (only the last token to feed): it runs up to the layer alone and is not kept
    again = engine.branch_states(prefix, BRANCHES, [0, 0, 3, 1], layer=0)
    assert engine.cached_tokens == len(prefix) - 1
    for ours, theirs in zip(again, vectors, strict=True):
        assert torch.allclose(ours, theirs, atol=1e-4)
    scores, _ = engine.score_branches(prefix, [[5, 6]])
    assert scores[0] == pytest.approx(float(logp[-3, 5] + logp[-2, 6]), abs=1e-3)


@torch.inference_mode()
def test_a_window_hides_the_middle_of_the_prefix_from_the_branches(llama):
    from writer_app.inference import kv_runner

    prefix, branch, window = list(range(20, 60)), [7, 8, 9], 10
    runner = LlamaRunner(llama)
    runner.run(torch.tensor([prefix]))
    logits, _, _ = runner.run_branches([branch], window=window)
    # the reference: the whole sequence, its branch rows blind to the hidden middle
    total = len(prefix) + len(branch)
    allowed = torch.tril(torch.ones(total, total, dtype=torch.bool))
    allowed[len(prefix):, kv_runner._SINK:len(prefix) - window] = False
    out = llama(input_ids=torch.tensor([prefix + branch]),
                attention_mask=allowed[None, None]).logits[0, len(prefix):]
    assert torch.allclose(logits[0], out, atol=1e-4)
    full = llama(input_ids=torch.tensor([prefix + branch])).logits[0, len(prefix):]
    assert not torch.allclose(logits[0], full, atol=1e-4)  # the window did hide something
