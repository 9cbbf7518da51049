"""Conversation mode in a real browser: Chromium's fake microphone loops a speech-like WAV
(an utterance, then a pause) through the real Silero VAD (vendored ONNX Runtime, WASM), so
utterances are sent without a click, replies play, and the next utterance interrupts one.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, playwright_sync
from tests.browser.speechlike import speech_then_silence
from tests.browser.test_accessibility import serious_violations
from tests.fake_openai import Behaviour, Failure

pytestmark = pytest.mark.browser

# The fake microphone loops: 1.5 s of speech, then 5 s of quiet: VAD_PAUSE_MS (0.8 s) ends the
# utterance, and the reply has about 4 s to start playing before the next utterance begins.
SPEECH_SECONDS, PAUSE_SECONDS = 1.5, 5.0
# Many sentences (each spoken as its own 0.5 s clip by the fake upstream), written slowly:
# the reply is still being written and spoken when the next utterance comes.
LONG_REPLY = " ".join(f"This is sentence number {n} of a long answer." for n in range(1, 13))
# Loading the model and WebAssembly, and a loop or two of the fake microphone (on a busy
# machine the voice service's first turn alone has taken several seconds).
SLOW = 60_000


def wait_for_phase(page: Page, *phases: str) -> None:
    """Wait until conversation mode shows one of `phases` (body[data-handsfree])."""
    page.wait_for_function(
        "(phases) => phases.includes(document.body.dataset.handsfree)",
        arg=list(phases),
        timeout=SLOW,
    )


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """Chromium whose fake microphone plays speech then silence, over and over."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    wav = tmp_path_factory.mktemp("handsfree") / "speech-then-silence.wav"
    wav.write_bytes(speech_then_silence(SPEECH_SECONDS, PAUSE_SECONDS))
    with playwright_sync.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[*CHROMIUM_ARGS, f"--use-file-for-fake-audio-capture={wav}"],
        )
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def needs_voice(services) -> None:
    if services.voice_url is None:
        pytest.skip("the voice service is not running (voice/asgi.py missing or WITHOUT_VOICE=1)")


def keep_microphones(page: Page) -> None:
    """Keep every stream the page opens, to see that leaving the mode stops its tracks."""
    page.evaluate(
        """() => {
            window.openedStreams = [];
            const open = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
            navigator.mediaDevices.getUserMedia = async (constraints) => {
                const stream = await open(constraints);
                window.openedStreams.push(stream);
                return stream;
            };
        }"""
    )


def stop_requests(page: Page) -> list[str]:
    """URLs of the reply-stop requests the page makes (filled in as they happen)."""
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url) if r.url.endswith("/stop") else None)
    return seen


def start_conversation(page: Page) -> None:
    keep_microphones(page)
    page.get_by_role("button", name=re.compile("conversation", re.I)).click()
    expect(page.get_by_role("button", name="End conversation")).to_be_visible()
    wait_for_phase(page, "listening", "hearing", "thinking", "speaking")


def end_conversation(page: Page) -> None:
    page.get_by_role("button", name="End conversation").click(timeout=SLOW)
    expect(page.get_by_role("button", name="Start conversation")).to_be_visible(timeout=SLOW)
    expect(page.locator("#handsfree-status")).to_be_hidden()
    # The microphone is released: every track the mode opened has ended.
    page.wait_for_function(
        """() => window.openedStreams.length > 0 && window.openedStreams.every(
            (s) => s.getTracks().every((t) => t.readyState === 'ended'))""",
        timeout=SLOW,
    )
    assert page.evaluate("document.body.dataset.handsfree") is None


def print_latency(page: Page, note: str) -> None:
    """The last turn's end of speech → first sound, as the page measured it (printed, not
    asserted: timings depend on the machine)."""
    data = page.evaluate("({...document.body.dataset})")
    print(
        f"\nend of speech → first sound ({note}): {data.get('handsfreeLatency')} ms, of which "
        f"after the pause was detected: {data.get('handsfreeReplyLatency')} ms"
    )


def transcriptions(upstream: Behaviour) -> int:
    return len([r for r in upstream.requests if r["endpoint"] == "transcriptions"])


def test_utterances_are_sent_at_the_pause_and_talking_interrupts_the_reply(
    page: Page, upstream: Behaviour
) -> None:
    upstream.reply = LONG_REPLY
    upstream.stream_chunk_delay = 0.08  # the reply takes about 9 s to write
    stops = stop_requests(page)

    start_conversation(page)

    # The first utterance goes up at the pause, without a click; its reply is written and heard.
    expect(page.locator(".message-user .bubble").first).to_have_text(
        upstream.transcript, timeout=SLOW
    )
    wait_for_phase(page, "speaking")
    assert page.evaluate("document.body.classList.contains('speaking')")
    print_latency(page, "reply written at 0.08 s a word")

    # The next utterance interrupts: playback stops and the reply is stopped on the server.
    # (On a slow machine an earlier utterance may already have interrupted a reply that was
    # still being thought about: count from now.)
    interruptions = "() => Number(document.body.dataset.handsfreeInterruptions || 0)"
    before = page.evaluate(interruptions)
    page.wait_for_function(f"(before) => ({interruptions})() > before", arg=before, timeout=SLOW)
    assert not page.evaluate("document.body.classList.contains('speaking')")
    assert stops, "barge-in did not stop the reply on the server"
    first_reply = page.locator(".message-ai").first
    expect(first_reply).to_have_attribute("data-status", "stopped", timeout=SLOW)
    partial = first_reply.locator(".bubble").inner_text()
    assert partial and LONG_REPLY.startswith(partial) and partial != LONG_REPLY
    upstream.stream_chunk_delay = 0.0

    # ... and is itself sent when it pauses: the loop keeps going.
    page.wait_for_function(
        "() => document.querySelectorAll('.message-user:not(.pending)').length >= 2", timeout=SLOW
    )
    assert transcriptions(upstream) >= 2
    end_conversation(page)


def test_failures_are_said_in_words_and_listening_goes_on(page: Page, upstream: Behaviour) -> None:
    upstream.reply = "A short answer."
    upstream.fail_next("transcriptions", Failure(500))  # the provider is down for the first
    upstream.fail_next("speech", Failure(500))  # then the second reply cannot be spoken

    # The next turn clears the banner as it starts: keep every error it showed.
    page.evaluate(
        """() => {
            window.shownErrors = [];
            new MutationObserver(() => {
                if (!document.getElementById('error-banner').hidden)
                    window.shownErrors.push(document.getElementById('error-text').textContent);
            }).observe(document.getElementById('error-banner'), { attributes: true });
        }"""
    )
    start_conversation(page)

    page.wait_for_function("() => window.shownErrors.length > 0", timeout=SLOW)
    assert page.evaluate("window.shownErrors[0]").strip()
    # The next utterance is still heard and answered; its failed speech is said, and the
    # mode goes back to listening instead of staying on "speaking".
    expect(page.locator("#toast")).to_have_text(
        "Part of the reply could not be spoken.", timeout=SLOW
    )
    expect(page.locator(".message-ai .bubble").first).to_have_text("A short answer.")
    wait_for_phase(page, "listening", "hearing")
    # The one after that is spoken.
    wait_for_phase(page, "speaking")
    assert transcriptions(upstream) >= 3
    print_latency(page, "no added upstream delay")
    end_conversation(page)


def test_conversation_mode_fits_a_phone(page: Page, upstream: Behaviour) -> None:
    upstream.reply = "Hello! How can I help you today?"
    page.set_viewport_size(PHONE)
    toggle = page.get_by_role("button", name="Start conversation")
    box = toggle.bounding_box()
    assert box and box["x"] + box["width"] <= PHONE["width"] and box["width"] >= 40

    start_conversation(page)

    expect(page.locator("#handsfree-status")).to_be_visible()
    expect(page.locator("#handsfree-live")).not_to_be_empty()
    expect(page.get_by_role("button", name="Hold to talk")).to_be_disabled()
    wait_for_phase(page, "speaking")
    # Still one microphone at a time after a turn ended.
    expect(page.get_by_role("button", name="Hold to talk")).to_be_disabled()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    assert not serious_violations(page)  # axe-core, with the mode on
    print_latency(page, "phone, no added upstream delay")
    end_conversation(page)
    expect(page.get_by_role("button", name="Hold to talk")).to_be_enabled()


def test_screenshot_of_conversation_mode(page: Page, upstream: Behaviour, tmp_path: Path) -> None:
    """`bin/screenshots` saves it as docs/screenshots/handsfree.png (SCREENSHOT_DIR)."""
    # Short sentences, each its own clip: the reply is heard for a few seconds.
    upstream.reply = (
        "Sure. Breathe slowly for five minutes. Then take a short walk outside. "
        "Drink a glass of water. Stretch a little. Shall I remind you this evening?"
    )
    start_conversation(page)
    expect(page.locator(".message-user .bubble").first).to_have_text(
        upstream.transcript, timeout=SLOW
    )
    # The speaker falls quiet (muted tracks send silence), so the reply is not interrupted.
    page.evaluate(
        "window.openedStreams.forEach((s) => s.getTracks().forEach((t) => (t.enabled = false)))"
    )
    wait_for_phase(page, "speaking")
    page.evaluate("document.getElementById('toast').hidden = true")
    page.mouse.move(0, 0)
    target = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path) / "handsfree.png"
    page.screenshot(path=str(target), animations="disabled")
    assert target.stat().st_size > 5_000
    end_conversation(page)


def test_a_denied_microphone_is_said_and_the_mode_stays_off(page: Page) -> None:
    page.evaluate(
        """() => { navigator.mediaDevices.getUserMedia = () =>
             Promise.reject(new DOMException('denied', 'NotAllowedError')); }"""
    )
    page.get_by_role("button", name="Start conversation").click()

    expect(page.locator("#error-text")).to_contain_text(
        "Microphone access was denied", timeout=SLOW
    )
    expect(page.get_by_role("button", name="Start conversation")).to_be_visible()
    expect(page.locator("#handsfree-status")).to_be_hidden()
    expect(page.get_by_role("button", name="Hold to talk")).to_be_enabled()
