"""Push-to-talk in a real browser: Chromium's fake microphone plays a WAV file."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.fake_openai import Behaviour, Failure

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def needs_voice(services) -> None:
    if services.voice_url is None:
        pytest.skip("the voice service is not running (voice/asgi.py missing or WITHOUT_VOICE=1)")


def hold_to_talk(page: Page, seconds: float = 1.5) -> None:
    button = page.get_by_role("button", name="Hold to talk")
    button.hover()
    page.mouse.down()
    expect(page.locator("#recording-status")).to_be_visible()
    page.wait_for_timeout(seconds * 1000)
    expect(page.locator("#recording-time")).not_to_have_text("0:00")
    page.mouse.up()


def test_push_to_talk_shows_transcript_reply_and_plays_audio(
    page: Page, upstream: Behaviour
) -> None:
    upstream.reply = "Nice to hear you."

    hold_to_talk(page)

    expect(page.locator("#recording-status")).to_be_hidden()
    expect(page.locator(".message-user .bubble")).to_have_text([upstream.transcript])
    expect(page.locator(".message-ai .bubble")).to_have_text(["Nice to hear you."])
    expect(page.locator(".message-ai")).to_have_attribute("data-spoken", "1")
    page.wait_for_function("() => document.body.classList.contains('speaking')", timeout=10_000)
    expect(page.get_by_role("button", name="Read aloud")).to_be_visible()
    uploads = [r for r in upstream.requests if r["endpoint"] == "transcriptions"]
    assert len(uploads) == 1


FIVE_SENTENCES = (
    "The first sentence is short. The second one follows it. A third comes next. "
    "Then a fourth sentence. And the fifth ends the reply."
)


def test_push_to_talk_speaks_the_first_sentence_before_the_reply_is_written(
    page: Page, upstream: Behaviour
) -> None:
    upstream.reply = FIVE_SENTENCES
    upstream.stream_chunk_delay = 0.12  # about two seconds to write the whole reply

    hold_to_talk(page, 0.8)

    first_audio = page.wait_for_function(
        """() => {
            const reply = document.querySelector('.message-ai[data-spoken]');
            if (!reply) return null;
            return {
                streaming: reply.classList.contains('streaming'),
                written: reply.querySelector('.bubble').textContent.length,
            };
        }""",
        timeout=15_000,
    ).json_value()
    assert first_audio["streaming"] is True
    assert first_audio["written"] < len(FIVE_SENTENCES)
    expect(page.locator(".message-ai .bubble")).to_have_text([FIVE_SENTENCES], timeout=15_000)
    expect(page.locator(".message-ai")).to_have_attribute("data-spoken", "5")
    spoken = [r["json"]["input"] for r in upstream.requests if r["endpoint"] == "speech"]
    assert spoken[0] == "The first sentence is short." and len(spoken) == 5


def test_read_aloud_plays_a_stored_message_and_replays_from_cache(
    page: Page, upstream: Behaviour
) -> None:
    upstream.reply = "Read me aloud, please."
    page.get_by_label("Message", exact=True).fill("Say something")
    page.get_by_label("Message", exact=True).press("Enter")
    expect(page.locator(".message-ai .bubble")).to_have_text(["Read me aloud, please."])

    button = page.get_by_role("button", name="Read aloud")
    button.click()
    page.wait_for_function("() => document.body.classList.contains('speaking')", timeout=10_000)
    page.wait_for_function("() => !document.body.classList.contains('speaking')", timeout=10_000)
    page.get_by_role("button", name="Read aloud").click()
    page.wait_for_function("() => document.body.classList.contains('speaking')", timeout=10_000)

    spoken = [r["json"]["input"] for r in upstream.requests if r["endpoint"] == "speech"]
    assert spoken == ["Read me aloud, please."]  # the replay came from the server's cache


def test_space_bar_records_and_escape_cancels(page: Page, upstream: Behaviour) -> None:
    page.locator("#chat-title").click()  # focus outside any text field
    page.keyboard.down("Space")
    expect(page.locator("#recording-status")).to_be_visible()
    page.wait_for_timeout(600)
    page.keyboard.press("Escape")
    page.keyboard.up("Space")

    expect(page.locator("#recording-status")).to_be_hidden()
    expect(page.locator("#toast")).to_have_text("Recording cancelled.")
    page.wait_for_timeout(300)
    assert page.locator(".message").count() == 0
    assert not [r for r in upstream.requests if r["endpoint"] == "transcriptions"]

    page.keyboard.down("Space")
    expect(page.locator("#recording-status")).to_be_visible()
    page.wait_for_timeout(1200)
    page.keyboard.up("Space")

    expect(page.locator(".message-user .bubble")).to_have_text([upstream.transcript])
    expect(page.locator(".message-ai")).to_have_count(1)


def test_dragging_off_the_button_cancels(page: Page, upstream: Behaviour) -> None:
    button = page.get_by_role("button", name="Hold to talk")
    button.hover()
    page.mouse.down()
    expect(page.locator("#recording-status")).to_be_visible()
    page.wait_for_timeout(600)
    page.mouse.move(200, 200, steps=5)
    expect(page.locator("#recording-text")).to_have_text("Release to cancel")
    page.mouse.up()

    expect(page.locator("#recording-status")).to_be_hidden()
    page.wait_for_timeout(300)
    assert page.locator(".message").count() == 0


def test_microphone_denied_shows_message_and_text_still_works(page: Page) -> None:
    page.evaluate(
        """() => { navigator.mediaDevices.getUserMedia = () =>
             Promise.reject(new DOMException('denied', 'NotAllowedError')); }"""
    )
    button = page.get_by_role("button", name="Hold to talk")
    button.hover()
    page.mouse.down()
    page.mouse.up()

    expect(page.locator("#error-text")).to_contain_text("Microphone access was denied")
    page.get_by_label("Message", exact=True).fill("Typing instead")
    page.get_by_label("Message", exact=True).press("Enter")
    expect(page.locator(".message-ai")).to_have_count(1)


def test_silence_shows_no_speech_hint(page: Page, upstream: Behaviour) -> None:
    upstream.transcript = ""

    hold_to_talk(page, 0.8)

    expect(page.locator("#error-text")).to_contain_text("No speech was detected")
    expect(page.locator("#error-retry")).to_be_hidden()
    expect(page.locator(".message")).to_have_count(0)


def test_failed_transcription_keeps_recording_for_retry(page: Page, upstream: Behaviour) -> None:
    upstream.fail_next("transcriptions", Failure(500))

    hold_to_talk(page, 0.8)

    expect(page.locator("#error-banner")).to_be_visible()
    expect(page.locator(".message")).to_have_count(0)
    page.get_by_role("button", name="Retry").click()

    expect(page.locator(".message-user .bubble")).to_have_text([upstream.transcript])
    expect(page.locator(".message-ai")).to_have_count(1)
    uploads = [r for r in upstream.requests if r["endpoint"] == "transcriptions"]
    assert len(uploads) == 2  # the same recording, sent again
    assert len(uploads[0]["body"]) == len(uploads[1]["body"])


def test_failed_reply_to_voice_is_retried_without_rerecording(
    page: Page, upstream: Behaviour
) -> None:
    upstream.fail_next("chat", Failure(500))

    hold_to_talk(page, 0.8)

    expect(page.locator("#error-text")).to_contain_text("Your message was kept")
    expect(page.locator(".message-user .bubble")).to_have_text([upstream.transcript])
    page.get_by_role("button", name="Retry").click()

    expect(page.locator(".message-ai .bubble")).to_have_text([f"Echo: {upstream.transcript}"])
    assert len([r for r in upstream.requests if r["endpoint"] == "transcriptions"]) == 1


def test_failed_speech_shows_reply_as_text(page: Page, upstream: Behaviour) -> None:
    upstream.fail_next("speech", Failure(500))

    hold_to_talk(page, 0.8)

    expect(page.locator("#toast")).to_have_text("Part of the reply could not be spoken.")
    expect(page.locator(".message .bubble")).to_have_text(
        [upstream.transcript, f"Echo: {upstream.transcript}"]
    )


def test_read_aloud_shows_it_is_reading_and_stops_on_click(page: Page, upstream: Behaviour) -> None:
    upstream.reply = "A long answer to read."
    upstream.speech_clip_seconds = 8.0  # long enough to be stopped while it plays
    page.get_by_label("Message", exact=True).fill("Say something")
    page.get_by_label("Message", exact=True).press("Enter")
    expect(page.locator(".message-ai .bubble")).to_have_text(["A long answer to read."])
    button = page.locator(".message-ai button.read-aloud")
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(button).to_have_text("Read aloud")

    button.click()
    page.wait_for_function("() => document.body.classList.contains('speaking')", timeout=10_000)
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(button).to_have_text("Stop reading")
    expect(button).to_have_class("button small ghost read-aloud speaking")
    expect(button.locator(".icon")).to_have_class("icon icon-stop")

    page.get_by_role("button", name="Stop reading").click()
    page.wait_for_function("() => !document.body.classList.contains('speaking')", timeout=5_000)
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(button).to_have_text("Read aloud")
    expect(button.locator(".icon")).to_have_class("icon icon-play")
