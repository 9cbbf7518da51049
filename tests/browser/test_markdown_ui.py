"""AI replies render as Markdown (tables, lists, highlighted code with a Copy button) and
nothing active in a reply survives: no script runs, no remote request, no CSP violation."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Request, expect

from tests.browser.test_accounts_ui import sign_up
from tests.fake_openai import Behaviour

pytestmark = pytest.mark.browser

RICH_REPLY = """Here is **a plan** with a table:

| Day | Place |
| --- | ----- |
| Mon | Rome  |
| Tue | Pisa  |

- pack light
- book early

```python
def greet(name):
    return f"Hello {name}"
```

See [the guide](https://example.org/guide) for more."""

# Every trick from the issue: HTML, script URLs, event handlers, frames and a remote image.
HOSTILE_REPLY = """<img src=x onerror=alert(1)>

[click me](javascript:alert(1))

<a href="data:text/html,<script>alert(2)</script>">data link</a>

<svg onload=alert(3)></svg>

<iframe src="https://evil.example/frame"></iframe>

![tracker](https://evil.example/pixel.png)

[data md](data:text/html;base64,PHNjcmlwdD5hbGVydCg0KTwvc2NyaXB0Pg==)

<form action="https://evil.example/"><button>go</button></form>"""


def send(page: Page, text: str) -> None:
    page.get_by_label("Message", exact=True).fill(text)
    page.get_by_label("Message", exact=True).press("Enter")


def finished_reply(page: Page):  # type: ignore[no-untyped-def]
    reply = page.locator(".message-ai:not(.streaming):not(.pending) .bubble")
    expect(reply).to_have_count(1)
    return reply


def test_reply_markdown_renders_table_list_and_highlighted_code(
    page: Page, upstream: Behaviour
) -> None:
    upstream.reply = RICH_REPLY
    send(page, "Plan a trip")

    reply = finished_reply(page)
    expect(reply.locator("strong")).to_have_text("a plan")
    expect(reply.locator("table th")).to_have_text(["Day", "Place"])
    expect(reply.locator("table td")).to_have_text(["Mon", "Rome", "Tue", "Pisa"])
    expect(reply.locator("ul li")).to_have_text(["pack light", "book early"])
    code = reply.locator("pre code.language-python")
    expect(code).to_contain_text('return f"Hello {name}"')
    expect(code.locator(".hljs-keyword").first).to_have_text("def")
    link = reply.get_by_role("link", name="the guide")
    expect(link).to_have_attribute("href", "https://example.org/guide")
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    assert "**" not in reply.inner_text()


def test_copy_button_copies_the_code_block(page: Page, upstream: Behaviour, services) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=services.api_url)
    upstream.reply = RICH_REPLY
    send(page, "Show me code")

    finished_reply(page).get_by_role("button", name="Copy python code").click()

    expect(page.locator(".copy-code")).to_have_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == 'def greet(name):\n    return f"Hello {name}"'


def test_user_message_stays_plain_text(page: Page) -> None:
    send(page, "**not bold** and `not code`")

    expect(page.locator(".message-user .bubble")).to_have_text("**not bold** and `not code`")
    assert page.locator(".message-user strong, .message-user code").count() == 0


def test_hostile_reply_shows_no_active_content(page: Page, upstream: Behaviour, services) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    remote: list[str] = []

    def note_remote(request: Request) -> None:
        if not request.url.startswith((services.api_url, str(services.voice_url))):
            remote.append(request.url)

    page.on("request", note_remote)
    upstream.reply = HOSTILE_REPLY
    send(page, "Say something nasty")

    reply = finished_reply(page)
    expect(reply).to_contain_text("<img src=x onerror=alert(1)>")  # HTML is shown as text
    expect(reply).to_contain_text("<iframe")
    active = "img, svg, iframe, script, form, input, button:not(.copy-code), object, embed, style"
    assert page.locator(f"#messages .bubble :is({active})").count() == 0
    hrefs = page.eval_on_selector_all("#messages a", "links => links.map(link => link.href)")
    assert hrefs == ["https://evil.example/pixel.png"], hrefs  # the image, as a link only
    handlers = page.evaluate(
        """() => [...document.querySelectorAll('#messages *')].flatMap(node =>
            [...node.attributes].map(a => a.name).filter(name => name.startsWith('on')))"""
    )
    assert handlers == []
    tracker = reply.get_by_role("link", name="tracker")
    expect(tracker).to_have_attribute("rel", "noopener noreferrer")
    page.wait_for_timeout(300)  # room for anything that would fire late
    assert dialogs == []
    assert remote == []


def test_streamed_markdown_grows_block_by_block(page: Page, upstream: Behaviour, services) -> None:
    if services.voice_url is None:
        pytest.skip("the voice service is not running (voice/asgi.py missing or WITHOUT_VOICE=1)")
    upstream.reply = "First paragraph here.\n\n" + " ".join(f"word{i}" for i in range(40))
    upstream.stream_chunk_delay = 0.1
    send(page, "Stream some markdown")

    streaming = page.locator(".message-ai.streaming .bubble")
    expect(streaming.locator("p").first).to_have_text("First paragraph here.")
    # The finished first block is the same node while the reply grows (rendered once).
    page.evaluate("window.firstBlock = document.querySelector('.message-ai.streaming .bubble p')")
    expect(streaming.locator("p").nth(1)).to_contain_text("word5")
    assert page.evaluate(
        "document.querySelector('.message-ai.streaming .bubble p') === window.firstBlock"
    )
    reply = finished_reply(page)
    expect(reply.locator("p")).to_have_count(2)
    expect(reply.locator("p").nth(1)).to_contain_text("word39")


VENDORED = [
    "/assets/vendor/marked/marked.esm.js",
    "/assets/vendor/dompurify/purify.es.js",
    "/assets/vendor/highlight/highlight.min.js",
]


def test_libraries_are_served_locally_under_the_strict_csp(page: Page, services) -> None:
    for base in filter(None, (services.api_url, services.voice_url)):
        index = page.request.get(f"{base}/")
        policy = index.headers["content-security-policy"]
        for directive in ("script-src 'self'", "style-src 'self'", "object-src 'none'"):
            assert directive in policy
        # Only 'wasm-unsafe-eval' (WebAssembly for conversation mode): no eval, no inline code.
        assert "'unsafe-eval'" not in policy and "'unsafe-inline'" not in policy
        for path in VENDORED:
            response = page.request.get(f"{base}{path}")
            assert response.status == 200, path
            assert response.headers["content-type"].startswith("text/javascript"), path
    # The page loaded them as modules from its own origin (a CDN would be refused by the CSP).
    loaded = page.evaluate(
        "performance.getEntriesByType('resource').map(entry => new URL(entry.name).pathname)"
    )
    assert set(VENDORED) <= set(loaded)


def test_agent_description_markdown_is_as_safe_as_replies(page: Page) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_up(page, "describer")
    page.get_by_role("button", name="New agent").click()
    dialog = page.locator("#agent-dialog")
    dialog.get_by_label("Name").fill("Sneaky")
    dialog.get_by_label("System prompt").fill("Be sneaky.")
    dialog.get_by_label("Description (public, Markdown)").fill(
        "**Bold** <img src=x onerror=alert(1)> [x](javascript:alert(2)) ![t](https://evil.example/t.png)"
    )
    dialog.get_by_role("button", name="Save").click()

    for box in (page.locator("#agent-description"), page.locator("#agent-card-description")):
        expect(box.locator("strong")).to_have_text("Bold")
        expect(box).to_contain_text("<img src=x onerror=alert(1)>")
        assert box.locator("img, script").count() == 0
        hrefs = box.evaluate("node => [...node.querySelectorAll('a')].map(a => a.href)")
        assert hrefs == ["https://evil.example/t.png"]
    assert dialogs == []
