// Read aloud: a speaker button on a message plays it in the agent's voice. The server caches
// each clip, so pressing it again costs no second synthesis. Uses the one speech pipeline.
// A clip synthesised by a provider that streams comes in PCM parts (`?audio=parts`), played as
// they arrive: a long message starts at once instead of once all of it is spoken.
// While a message is read, its button shows it (pressed, a stop icon, "Stop reading") and a
// click stops it. The state is kept by message id: a re-rendered action bar shows it too.

import * as paths from "./endpoints.js";
import { ApiError, config, send } from "./api.js";
import { readEvents } from "./sse.js";
import { speechPlayer } from "./speechplayer.js";
import { el, toast } from "./ui.js";

let speakingId = null; // the message being read aloud (fetching or playing), or null
let streaming = null; // the message whose parts are still arriving (a pause is not the end)

function setSpeaking(button, on) {
  const label = on ? "Stop reading" : "Read aloud";
  button.classList.toggle("speaking", on);
  button.setAttribute("aria-pressed", on ? "true" : "false");
  button.setAttribute("aria-label", label);
  button.title = label;
  button.querySelector(".icon").className = `icon ${on ? "icon-stop" : "icon-play"}`;
  button.querySelector(".read-aloud-label").textContent = label;
}

function showSpeaking(messageId) {
  speakingId = messageId;
  for (const button of document.querySelectorAll("button.read-aloud")) {
    setSpeaking(button, messageId !== null && button.dataset.messageId === String(messageId));
  }
}

speechPlayer.addListener((playing) => {
  if (!playing && streaming === null && speakingId !== null) showSpeaking(null);
});

async function readAloud(chatId, messageId) {
  if (speakingId === messageId) {
    speechPlayer.stop();
    showSpeaking(null); // also when the clip was still on its way (nothing played yet)
    return;
  }
  speechPlayer.unlock(); // inside the click: browsers allow sound only after a gesture
  speechPlayer.stop();
  showSpeaking(messageId);
  try {
    const response = await send(`${paths.messageSpeech(chatId, messageId)}?audio=parts`, {
      base: config.voiceUrl,
      headers: { Accept: "audio/*, text/event-stream" },
    });
    if ((response.headers.get("Content-Type") || "").startsWith("text/event-stream")) {
      await playParts(response, messageId);
      return;
    }
    const audio = await response.arrayBuffer();
    if (speakingId !== messageId) return; // stopped, or another message asked, meanwhile
    await speechPlayer.enqueue(audio);
  } catch (error) {
    if (speakingId === messageId) {
      speechPlayer.stop();
      showSpeaking(null);
    }
    toast(error.message || "The message could not be read aloud.");
  }
}

/** Play a read-aloud's PCM parts as they come; stopping it cancels the rest of the stream. */
async function playParts(response, messageId) {
  streaming = messageId;
  try {
    for await (const { event, data } of readEvents(response)) {
      if (speakingId !== messageId) break;
      if (event === "audio_part") {
        speechPlayer.enqueuePart(data).catch(() => {});
      } else if (event === "error") {
        throw new ApiError(data.code || 502, data, null);
      } else if (event === "done") {
        break;
      }
    }
  } finally {
    if (streaming === messageId) streaming = null;
    response.body.cancel().catch(() => {});
    if (speakingId === messageId && !speechPlayer.playing) showSpeaking(null);
  }
}

/** A "read aloud" button for message `messageId` of chat `chatId`. */
export function readAloudButton(chatId, messageId) {
  const button = el("button", {
    class: "button small ghost read-aloud",
    attrs: { type: "button", "data-message-id": String(messageId) },
  });
  button.append(
    el("span", { class: "icon icon-play", attrs: { "aria-hidden": "true" } }),
    el("span", { class: "read-aloud-label" }),
  );
  setSpeaking(button, speakingId === messageId);
  button.addEventListener("click", () => readAloud(chatId, messageId));
  return button;
}
