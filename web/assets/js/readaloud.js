// Read aloud: a speaker button on a message plays it in the agent's voice. The server caches
// each clip, so pressing it again costs no second synthesis. Uses the one speech pipeline.
// While a message is read, its button shows it (pressed, a stop icon, "Stop reading") and a
// click stops it. The state is kept by message id: a re-rendered action bar shows it too.

import * as paths from "./endpoints.js";
import { config, send } from "./api.js";
import { speechPlayer } from "./speechplayer.js";
import { el, toast } from "./ui.js";

let speakingId = null; // the message being read aloud (fetching or playing), or null

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
  if (!playing && speakingId !== null) showSpeaking(null);
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
    const response = await send(paths.messageSpeech(chatId, messageId), {
      base: config.voiceUrl,
      headers: { Accept: "audio/*" },
    });
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
