"""Speech that plays while it is still being synthesised, in a real browser.

This module runs its own services speaking through the Realtime API (`TTS_API=realtime`, the
fake upstream's WebSocket), whose audio comes in parts: the page asks for them
(`?audio=parts`) and plays each as it arrives, so a sentence is heard before its synthesis ends.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Services, running_services
from tests.browser.test_voice_ui import hold_to_talk
from tests.fake_openai import Behaviour, FakeOpenAIServer

pytestmark = pytest.mark.browser

# Every Web Audio source the page starts, with its length and when: the test reads them back.
RECORD_PLAYBACK = """
(() => {
  window.__played = [];
  const start = AudioBufferSourceNode.prototype.start;
  AudioBufferSourceNode.prototype.start = function (...args) {
    const seconds = this.buffer ? this.buffer.duration : 0;
    window.__played.push({ seconds, at: performance.now() });
    return start.apply(this, args);
  };
})();
"""


@pytest.fixture(scope="module")
def services(
    database_url: str,
    fake_openai: FakeOpenAIServer,
    tmp_path_factory: pytest.TempPathFactory,
    browser_tools_file: str,
) -> Iterator[Services]:
    with running_services(
        database_url,
        fake_openai,
        tmp_path_factory,
        browser_tools_file,
        TTS_API="realtime",
        PROVIDER_TIMEOUT="20",  # the test holds a synthesis open on purpose
    ) as up:
        if up.voice_url is None:
            pytest.skip("the voice service is not running (WITHOUT_VOICE=1)")
        yield up


@pytest.fixture
def held(upstream: Behaviour) -> Iterator[threading.Event]:
    """Every spoken response stops after its first audio part until this is set."""
    gate = upstream.realtime.hold_after_first_chunk = threading.Event()
    yield gate
    gate.set()


@pytest.fixture
def listened(page: Page) -> Page:
    """The page, reloaded with every Web Audio source it starts recorded (`played`)."""
    page.add_init_script(RECORD_PLAYBACK)
    page.reload()
    page.wait_for_selector("body.ready")
    return page


def played(page: Page) -> list[dict[str, float]]:
    return page.evaluate("() => window.__played")  # type: ignore[no-any-return]


def test_a_sentence_is_heard_before_its_synthesis_ends(
    listened: Page, upstream: Behaviour, held: threading.Event
) -> None:
    page = listened
    sentence = "This one sentence takes a while to say out loud."
    upstream.reply = sentence

    hold_to_talk(page, 0.8)

    # The synthesis is held after its first part, yet that part is already playing.
    page.wait_for_function("() => window.__played.length > 0", timeout=15_000)
    first = played(page)
    assert len(first) == 1 and first[0]["seconds"] == pytest.approx(0.1, abs=0.01)
    expect(page.locator(".message-ai")).not_to_have_attribute("data-spoken", "1")

    held.set()
    expect(page.locator(".message-ai")).to_have_attribute("data-spoken", "1")
    expect(page.locator(".message-ai .bubble")).to_have_text([sentence])
    page.wait_for_function("() => !document.body.classList.contains('speaking')")
    total = sum(part["seconds"] for part in played(page))
    assert total == pytest.approx(len(sentence) * 0.01, abs=0.01)  # every sample, once
    assert upstream.realtime.spoken_texts()[-1] == sentence


def test_read_aloud_starts_before_the_message_is_all_synthesised(
    listened: Page, upstream: Behaviour, held: threading.Event
) -> None:
    page = listened
    reply = "A longer answer, read aloud from its first words while the rest is being spoken."
    upstream.reply = reply
    page.get_by_label("Message", exact=True).fill("Tell me something")
    page.get_by_label("Message", exact=True).press("Enter")
    expect(page.locator(".message-ai .bubble")).to_have_text([reply])

    page.locator(".message-ai button.read-aloud").click()

    page.wait_for_function("() => window.__played.length > 0", timeout=15_000)
    assert played(page)[0]["seconds"] == pytest.approx(0.1, abs=0.01)  # held after this part
    button = page.locator(".message-ai button.read-aloud")
    expect(button).to_have_text("Stop reading")
    held.set()
    page.wait_for_function("() => !document.body.classList.contains('speaking')", timeout=15_000)
    expect(button).to_have_text("Read aloud")
    total = sum(part["seconds"] for part in played(page))
    assert total == pytest.approx(len(reply) * 0.01, abs=0.01)
