"""Preferences › Other apps: the running app serves /v2 and /v1 with its own engines, and
the editor's grammar check goes first."""

from __future__ import annotations

import dataclasses
import socket
import threading

import httpx
import openai
import pytest

from writer_app.core.settings import ServerSettings


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve(qtbot, controller, enabled: bool = True, port: int | None = None):
    settings = dataclasses.replace(controller.settings, server=ServerSettings(
        enabled=enabled, port=port or _free_port()))
    with qtbot.waitSignal(controller.serve.sig_state, timeout=10000) as blocker:
        controller.store.update(settings)
    return blocker.args


def _in_thread(qtbot, call):
    """Run a blocking HTTP call off the GUI thread; the result once it is there."""
    box: list = []
    thread = threading.Thread(target=lambda: box.append(call()))
    thread.start()
    qtbot.waitUntil(lambda: not thread.is_alive(), timeout=30000)
    return box[0]


@pytest.fixture
def parts(app_parts, qtbot):
    window, controller = app_parts
    qtbot.waitUntil(lambda: controller.grammar.status is not None, timeout=5000)
    return window, controller


def test_the_switch_serves_checks_with_the_apps_checker(parts, qtbot, grammar_checker):
    window, controller = parts
    assert controller.settings.server.enabled is False and controller.serve.url is None
    message, error = _serve(qtbot, controller)
    url = controller.serve.url
    assert not error and url in message and url in window.statusBar().currentMessage()
    result = _in_thread(qtbot, lambda: httpx.post(f"{url}/v2/check", data={
        "text": "I saw teh 😀 wrold.", "language": "en-US"}, timeout=20).json())
    assert [(m["offset"], m["replacements"][0]["value"]) for m in result["matches"]] == [
        (6, "the"), (13, "world")]
    assert ["I saw teh 😀 wrold."] in grammar_checker.calls
    models = _in_thread(qtbot, lambda: httpx.get(f"{url}/v1/models").json())
    assert models["data"] == []  # the fake completion backend cannot serve /v1
    message, error = _serve(qtbot, controller, enabled=False)
    assert "no longer" in message and controller.serve.url is None

    def refused() -> bool:
        try:
            httpx.get(f"{url}/v2/languages", timeout=2)
        except httpx.TransportError:
            return True
        return False

    qtbot.waitUntil(refused, timeout=10000)


def test_the_editors_check_goes_first(parts, qtbot, grammar_checker):
    window, controller = parts
    _serve(qtbot, controller)
    url = controller.serve.url
    grammar_checker.calls.clear()
    grammar_checker.gate = threading.Event()  # the editor's first step waits in the worker
    document = "\n".join(f"Paragraph {i} has teh word." for i in range(40))
    window._replace_document(document, None, modified=False)
    qtbot.waitUntil(lambda: len(grammar_checker.calls) >= 1, timeout=10000)
    served = threading.Thread(target=lambda: httpx.post(f"{url}/v2/check", data={
        "text": "From another app: teh end.", "language": "en"}, timeout=30))
    served.start()
    qtbot.waitUntil(lambda: controller.serve.host.submitted >= 1, timeout=10000)
    with qtbot.waitSignal(controller.grammar.sig_check_finished, timeout=20000):
        grammar_checker.gate.set()  # the other app's job is queued behind the editor's
    qtbot.waitUntil(lambda: not served.is_alive(), timeout=30000)
    calls = grammar_checker.calls
    other = next(i for i, call in enumerate(calls) if "From another app: teh end." in call)
    editor = [i for i, call in enumerate(calls) if any("Paragraph" in t for t in call)]
    assert sum(len(calls[i]) for i in editor) >= 40 and other > max(editor)
    assert controller.serve.queue.steps_deferred > 0


def test_completions_and_chat_from_the_apps_model(app_parts, qtbot, tmp_path):
    from tests.tiny_models import make_tiny_llama
    from writer_app.core.requests import ModelInfo
    from writer_app.inference.completion import CompletionEngine

    window, controller = app_parts
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = make_tiny_llama(tmp_path / "tiny")
    engine = CompletionEngine(AutoModelForCausalLM.from_pretrained(folder).eval(),
                              AutoTokenizer.from_pretrained(folder), half_decode=False)
    engine.tokenizer.chat_template = (
        "{% for m in messages %}{{ m['content'] }}\n{% endfor %}")
    engine.info = ModelInfo("tiny-served", str(folder), "cpu", "float32", 1, 0.0)
    controller._worker._factory = lambda spec, progress: engine
    with qtbot.waitSignal(controller.models.sig_model_ready, timeout=10000):
        controller.models.load_model()
    _serve(qtbot, controller)
    client = openai.OpenAI(base_url=f"{controller.serve.url}/v1", api_key="x", max_retries=0)
    assert _in_thread(qtbot, lambda: [m.id for m in client.models.list()]) == ["tiny-served"]
    answer = _in_thread(qtbot, lambda: client.completions.create(
        model="m", prompt="The quick brown", max_tokens=9, temperature=0))
    assert answer.usage.completion_tokens <= 9
    chunks = _in_thread(qtbot, lambda: list(client.completions.create(
        model="m", prompt="The quick brown", max_tokens=9, temperature=0, stream=True)))
    assert "".join(c.choices[0].text for c in chunks) == answer.choices[0].text
    chat = _in_thread(qtbot, lambda: client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "Hi"}], max_tokens=5))
    assert chat.choices[0].message.role == "assistant"


def test_a_port_in_use_is_reported(parts, qtbot):
    window, controller = parts
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        message, error = _serve(qtbot, controller, port=taken.getsockname()[1])
    assert error and "not free" in message and controller.serve.url is None


def test_the_preferences_switch_starts_and_stops_serving(parts, qtbot):
    window, controller = parts
    dialog = controller.preferences.open()
    page = dialog.server_page
    dialog.show_page(page)
    assert not page.enabled_box.isChecked()  # off by default
    port = _free_port()
    page.port_spin.setValue(port)
    assert f"http://127.0.0.1:{port}/v2" in page.addresses.text()
    assert f"http://127.0.0.1:{port}/v1" in page.addresses.text()
    page.enabled_box.setChecked(True)
    with qtbot.waitSignal(controller.serve.sig_state, timeout=10000):
        dialog.apply_button.click()
    assert controller.settings.server == ServerSettings(enabled=True, port=port)
    assert controller.serve.url == f"http://127.0.0.1:{port}"
    assert "enabled = true" in controller.store.path.read_text(encoding="utf-8")
    page.enabled_box.setChecked(False)
    page.enabled_box.setChecked(True)
    with qtbot.assertNotEmitted(controller.serve.sig_state, wait=300):
        dialog.apply_button.click()  # nothing changed: still serving, no restart
    page.enabled_box.setChecked(False)
    with qtbot.waitSignal(controller.serve.sig_state, timeout=10000) as blocker:
        dialog.apply_button.click()
    assert "no longer" in blocker.args[0] and controller.serve.url is None
    page.enabled_box.setChecked(True)  # at once on the same port again
    with qtbot.waitSignal(controller.serve.sig_state, timeout=10000) as blocker:
        dialog.apply_button.click()
    assert not blocker.args[1] and controller.serve.url == f"http://127.0.0.1:{port}"


def test_a_check_in_another_variant_uses_the_checkers_sibling_for_it(parts, qtbot,
                                                                    grammar_checker):
    """The editor checks in its own variant; a request naming another gets the editor
    checker's sibling for that variant (for_variant), not the editor's spelling."""
    from tests.fakes import FakeGrammarChecker

    american = FakeGrammarChecker({"colour": ("color", "spelling", "American spelling")})
    asked: list[str] = []

    def for_variant(variant: str):
        asked.append(variant)
        return american if variant == "en-US" else grammar_checker

    grammar_checker.for_variant = for_variant
    _window, controller = parts
    _serve(qtbot, controller)
    url = controller.serve.url

    def check(language: str) -> list[str]:
        result = _in_thread(qtbot, lambda: httpx.post(f"{url}/v2/check", data={
            "text": "The colour of teh sea.", "language": language}, timeout=20).json())
        return [m["replacements"][0]["value"] for m in result["matches"]]

    assert check("en-US") == ["color"]
    assert check("en-GB") == ["the"]
    assert asked == ["en-US", "en-GB"]
