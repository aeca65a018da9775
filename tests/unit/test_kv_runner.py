import pytest
import torch
from transformers import AutoConfig, AutoModelForCausalLM

from writer_app.inference import kv_runner
from writer_app.inference.kv_runner import HFRunner, LlamaRunner, make_runner


@pytest.fixture(scope="module")
def llama(tiny_llama_dir):
    return AutoModelForCausalLM.from_pretrained(tiny_llama_dir).eval()


@torch.inference_mode()
def test_llama_runner_matches_the_model_across_prefill_crop_and_steps(llama):
    ids = list(range(5, 45))
    ours, reference = LlamaRunner(llama), HFRunner(llama)
    for runner in (ours, reference):
        runner.run(torch.tensor([ids[:30]]))
        runner.crop(20)  # the user deleted text: keep a prefix, re-run the rest
    a = ours.run(torch.tensor([ids[20:35]]))
    b = reference.run(torch.tensor([ids[20:35]]))
    assert torch.allclose(a, b, atol=1e-4)
    for token in ids[35:]:
        assert torch.allclose(ours.run(torch.tensor([[token]])),
                              reference.run(torch.tensor([[token]])), atol=1e-4)
    assert ours.length == reference.length == 40


@torch.inference_mode()
def test_cache_grows_past_its_first_capacity(llama):
    runner, reference = LlamaRunner(llama), HFRunner(llama)
    ids = [7 + i % 300 for i in range(300)]
    runner.run(torch.tensor([ids[:250]]))
    reference.run(torch.tensor([ids[:250]]))
    for token in ids[250:270]:
        last = runner.run(torch.tensor([[token]]))
        expected = reference.run(torch.tensor([[token]]))
    assert torch.allclose(last, expected, atol=1e-4)


def test_make_runner_falls_back_when_the_self_check_fails(llama, monkeypatch, tiny_gpt2_dir):
    assert isinstance(make_runner(llama, list(range(3, 15)), half_decode=True), LlamaRunner)
    full = make_runner(llama, list(range(3, 15)), half_decode=False)
    assert isinstance(full, LlamaRunner) and not full.half_decode
    monkeypatch.setattr(kv_runner, "_agrees", lambda *args: False)
    assert isinstance(make_runner(llama, list(range(3, 15)), half_decode=True), HFRunner)
    assert isinstance(make_runner(llama, list(range(3, 15)), half_decode=False), HFRunner)
    gpt2 = AutoModelForCausalLM.from_pretrained(tiny_gpt2_dir)
    assert isinstance(make_runner(gpt2, [1, 2, 3]), HFRunner)


def test_float16_steps_that_disagree_fall_back_to_float32_steps(llama, monkeypatch):
    """A CPU whose half-precision kernels differ keeps the direct runner, in float32."""
    monkeypatch.setattr(kv_runner, "_agrees", lambda _model, runner, _ids: not runner.half_decode)
    runner = make_runner(llama, list(range(3, 15)), half_decode=True)
    assert isinstance(runner, LlamaRunner) and not runner.half_decode


@torch.inference_mode()
def test_half_decode_steps_stay_close_to_fp32(llama):
    ids = list(range(5, 40))
    half, full = LlamaRunner(llama, half_decode=True), LlamaRunner(llama)
    assert half._half, "plain linear weights get float16 copies"
    prompt_half = half.run(torch.tensor([ids[:30]]))
    prompt_full = full.run(torch.tensor([ids[:30]]))
    assert torch.equal(prompt_half, prompt_full), "prompts run in fp32"
    for token in ids[30:]:
        a, b = half.run(torch.tensor([[token]])), full.run(torch.tensor([[token]]))
        assert torch.allclose(a, b, atol=2e-2, rtol=2e-2)
        assert a.dtype == torch.float32


@torch.inference_mode()
def test_short_chunks_after_a_prompt_match_the_model(llama):
    """Chunks of 2-4 tokens take the few-rows attention path, with its causal mask."""
    ids = list(range(9, 60))
    ours, reference = LlamaRunner(llama), HFRunner(llama)
    for begin, end in ((0, 20), (20, 22), (22, 25), (25, 29), (29, 30)):
        chunk = torch.tensor([ids[begin:end]])
        assert torch.allclose(ours.run(chunk), reference.run(chunk), atol=1e-4), (begin, end)
    ours.crop(21)
    reference.crop(21)
    chunk = torch.tensor([ids[30:33]])
    assert torch.allclose(ours.run(chunk), reference.run(chunk), atol=1e-4)


@torch.inference_mode()
def test_length_dependent_rotary_tables_are_rebuilt(tiny_llama_dir):
    config = AutoConfig.from_pretrained(tiny_llama_dir)
    config.rope_parameters = {"rope_type": "dynamic", "rope_theta": 10000.0, "factor": 2.0}
    config.max_position_embeddings = 16  # so the dynamic scaling starts within the test
    model = AutoModelForCausalLM.from_pretrained(tiny_llama_dir, config=config).eval()
    ours, reference = LlamaRunner(model), HFRunner(model)
    assert ours._dynamic_rope
    ids = list(range(5, 40))
    for begin, end in ((0, 10), (10, 11), (11, 30), (30, 31)):
        chunk = torch.tensor([ids[begin:end]])
        assert torch.allclose(ours.run(chunk), reference.run(chunk), atol=1e-4), (begin, end)


@pytest.mark.parametrize("fbgemm", [True, False])
@torch.inference_mode()
def test_half_linear_applies_float16_weights_to_fp32_input(monkeypatch, fbgemm):
    if fbgemm and not kv_runner._fbgemm_fp16():
        pytest.skip("this torch build has no FBGEMM fp16 product")
    monkeypatch.setattr(kv_runner, "_use_fbgemm", lambda: fbgemm)
    torch.manual_seed(0)
    weight, x = torch.randn(48, 32) * 0.1, torch.randn(1, 3, 32)
    out = kv_runner._HalfLinear(weight)(x)
    assert out.dtype == torch.float32 and out.shape == (1, 3, 48)
    exact_half = x.double() @ weight.half().double().t()
    # FBGEMM keeps activations in fp32; the plain path rounds them to float16 as well
    tolerance = 1e-5 if fbgemm else 5e-3
    assert torch.allclose(out.double(), exact_half, atol=tolerance)
    assert not torch.allclose(out, x @ weight.t(), atol=1e-7), "weights are float16 copies"


def test_fbgemm_is_used_with_one_thread_only(monkeypatch):
    monkeypatch.setattr(kv_runner, "_fbgemm_fp16", lambda: True)
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        assert kv_runner.half_kernel_name() == "fbgemm-fp16"
        torch.set_num_threads(2)
        assert kv_runner.half_kernel_name().startswith("torch-fp16")
    finally:
        torch.set_num_threads(threads)


@torch.inference_mode()
def test_several_rows_go_through_the_packed_copy(monkeypatch):
    if not kv_runner._fbgemm_fp16():
        pytest.skip("this torch build has no FBGEMM fp16 product")
    monkeypatch.setattr(kv_runner, "_use_fbgemm", lambda: False)  # as with 2+ threads
    torch.manual_seed(0)
    weight, x = torch.randn(48, 32) * 0.1, torch.randn(1, 3, 32)
    linear = kv_runner._HalfLinear(weight, packed=True)
    assert linear.weight is not None and linear.packed is not None
    exact_half = x.double() @ weight.half().double().t()
    # three rows: FBGEMM, activations kept in fp32
    assert torch.allclose(linear(x).double(), exact_half, atol=1e-5)
    one = x[:, :1]
    assert torch.allclose(linear(one).double(), exact_half[:, :1], atol=5e-3)


def test_drafts_are_checked_only_where_extra_rows_are_cheap(llama, monkeypatch):
    assert kv_runner.LlamaRunner(llama).draft_rows == 0, "fp32 rows each cost a full step"
    assert kv_runner.HFRunner(llama).draft_rows == 0, "on a CPU"
    if kv_runner._fbgemm_fp16():
        monkeypatch.setattr(kv_runner, "_use_fbgemm", lambda: False)
        runner = kv_runner.LlamaRunner(llama, half_decode=True)
        assert runner.draft_rows == kv_runner._DRAFT_ROWS
        ids = torch.tensor([[5, 9, 2, 7, 3, 8, 1]])
        reference = kv_runner.HFRunner(llama)
        rows = runner.run(ids[:, :3]), reference.run(ids[:, :3])
        ours, theirs = runner.run(ids[:, 3:], rows=4), reference.run(ids[:, 3:], rows=4)
        assert ours.shape == theirs.shape == (4, llama.config.vocab_size)
        assert torch.allclose(ours, theirs, atol=5e-2) and rows[0].shape == rows[1].shape
