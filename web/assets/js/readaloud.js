// Read aloud: a speaker button on a message plays it in the agent's voice. The server caches
// each clip, so pressing it again costs no second synthesis. Uses the one speech pipeline.

import * as paths from "./endpoints.js";
import { config, send } from "./api.js";
import { speechPlayer } from "./speechplayer.js";
import { el, toast } from "./ui.js";

let speakingButton = null;

function setSpeaking(button, on) {
  button.classList.toggle("speaking", on);
  button.setAttribute("aria-pressed", on ? "true" : "false");
  button.setAttribute("aria-label", on ? "Stop reading aloud" : "Read aloud");
}

speechPlayer.addListener((playing) => {
  if (!playing && speakingButton) {
    setSpeaking(speakingButton, false);
    speakingButton = null;
  }
});

async function readAloud(button, chatId, messageId) {
  if (speakingButton === button) {
    speechPlayer.stop();
    return;
  }
  speechPlayer.unlock(); // inside the click: browsers allow sound only after a gesture
  speechPlayer.stop();
  speakingButton = button;
  setSpeaking(button, true);
  try {
    const response = await send(paths.messageSpeech(chatId, messageId), {
      base: config.voiceUrl,
      headers: { Accept: "audio/*" },
    });
    if (speakingButton !== button) return;
    await speechPlayer.enqueue(await response.arrayBuffer());
  } catch (error) {
    if (speakingButton === button) speechPlayer.stop();
    toast(error.message || "The message could not be read aloud.");
  }
}

/** A "read aloud" button for message `messageId` of chat `chatId`. */
export function readAloudButton(chatId, messageId) {
  const button = el("button", {
    class: "button small ghost read-aloud",
    attrs: { type: "button", "aria-label": "Read aloud", "aria-pressed": "false", title: "Read aloud" },
  });
  button.append(el("span", { class: "icon icon-play", attrs: { "aria-hidden": "true" } }));
  button.addEventListener("click", () => readAloud(button, chatId, messageId));
  return button;
}
