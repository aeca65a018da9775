import pytest
import torch
from transformers import AutoModelForCausalLM

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
    assert isinstance(make_runner(llama, list(range(3, 15)), half_decode=False), HFRunner)
    monkeypatch.setattr(kv_runner, "_agrees", lambda *args: False)
    assert isinstance(make_runner(llama, list(range(3, 15)), half_decode=True), HFRunner)
    gpt2 = AutoModelForCausalLM.from_pretrained(tiny_gpt2_dir)
    assert isinstance(make_runner(gpt2, [1, 2, 3]), HFRunner)


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
