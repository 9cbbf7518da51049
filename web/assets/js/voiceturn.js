// Push-to-talk turns: the recording goes up, the reply streams back as text and as speech,
// sentence by sentence, so the first sentence is heard while the rest is still being written.
// With a speech provider that streams, a sentence comes in raw PCM parts (`?audio=parts`) and
// starts playing before its synthesis ends. One audio pipeline (speechplayer.js) plays every
// clip; Stop silences it with the reply.

import { ApiError, config, send } from "./api.js";
import { kept, readableError, showError } from "./banner.js";
import {
  askQuestion,
  begin,
  conversationHooks,
  finish,
  openHistory,
  retryReply,
  setTyping,
  turnFailed,
} from "./conversation.js";
import * as paths from "./endpoints.js";
import { renderMessages } from "./messagelist.js";
import { replyEnded, replyStarted, stopReply } from "./messageactions.js";
import { fileNameFor } from "./recorder.js";
import { readEvents } from "./sse.js";
import { isToolEvent, withToolStep } from "./toolsteps.js";
import { bytesFromBase64, speechPlayer } from "./speechplayer.js";
import { state } from "./state.js";
import { addMessage, appendText, removeItem, settle } from "./thread.js";
import { toast } from "./ui.js";

let current = null; // the voice turn being read

/**
 * Drop the rest of the current turn's audio (conversation mode leaving, or interrupted by the
 * speaker). `stop`: also stop the reply on the server as soon as its id is known.
 */
export function silenceTurn({ stop = false } = {}) {
  if (!current) return;
  current.silenced = true;
  current.stop = current.stop || stop;
}

/**
 * Send a recording; show the transcript, write and speak the reply as it comes. `handsFree`:
 * it came from conversation mode (no button was held), which changes the no-speech hint.
 */
export async function sendRecording(blob, { handsFree = false } = {}) {
  if (state.busy) return;
  if (blob.size > config.limits.audio_bytes) {
    showError("That recording is larger than the allowed size. Keep voice messages shorter.");
    return;
  }
  speechPlayer.unlock(); // still inside the push-to-talk gesture: sound may start later
  speechPlayer.stop();
  begin();
  const question = askQuestion("Voice message…", { voice: true });
  setTyping(true);
  const turn = { question, chatId: null, started: false, handsFree, silenced: false };
  current = turn;
  try {
    turn.chatId = (await conversationHooks.ensureChat()).id;
    const form = new FormData();
    form.append("audio", blob, fileNameFor(blob.type));
    const response = await send(`${paths.voiceTurn(turn.chatId)}?audio=parts`, {
      method: "POST",
      body: form,
      base: config.voiceUrl,
      headers: { Accept: "text/event-stream" },
    });
    await spokenReply(response, turn);
    conversationHooks.chatsChanged();
  } catch (error) {
    await voiceFailed(error, turn, () => sendRecording(blob, { handsFree }));
  } finally {
    if (current === turn) current = null;
    replyEnded();
    finish();
  }
}

/** Read the turn's events: transcript, deltas, sentence audio, then done or error. */
async function spokenReply(response, turn) {
  const view = { reply: null, spoken: 0 };
  for await (const { event, data } of readEvents(response)) {
    if (event === "transcript") {
      settle(turn.question, data.user_message);
      renderMessages();
      turn.started = true;
      replyStarted(turn.chatId, Number(response.headers.get("X-AI-Message-Id")));
      if (turn.stop) stopReply().catch(() => {}); // interrupted before its id was known
    } else if (event === "delta") {
      appendText(replyOf(view), data.content || "");
      renderMessages();
    } else if (isToolEvent(event)) {
      const reply = replyOf(view);
      reply.message = withToolStep(reply.message, event, data);
      renderMessages();
    } else if (event === "audio") {
      sentenceSpoken(view);
      if (!turn.silenced) speechPlayer.enqueue(bytesFromBase64(data.audio_base64)).catch(() => {});
    } else if (event === "audio_part") {
      if (data.last) sentenceSpoken(view);
      if (!turn.silenced && data.audio_base64) speechPlayer.enqueuePart(data).catch(() => {});
    } else if (event === "done") {
      settle(replyOf(view), data.ai_message);
      renderMessages();
      if (data.unspoken && data.unspoken.length) toast("Part of the reply could not be spoken.");
      return;
    } else if (event === "error") {
      throw new ApiError(data.code || 502, data, null);
    }
  }
  // Not `interrupted()`: a cut voice turn is sent again whole (the recording is still here).
  throw new ApiError(0, { message: "The reply was interrupted before it finished." }, null);
}

function sentenceSpoken(view) {
  view.spoken += 1;
  if (view.reply) {
    view.reply.view.spoken = view.spoken;
    renderMessages();
  }
}

/** The reply's item, added when its first words (or its end) arrive; followed into sight. */
function replyOf(view) {
  view.reply = view.reply || addMessage({ message_by: "AI", content: "" }, { pending: true, follow: true });
  return view.reply;
}

async function voiceFailed(error, turn, resend) {
  speechPlayer.stop();
  if (error.errors && error.errors.reason === "no_speech") {
    noSpeech(turn);
    return;
  }
  if (!kept(error) || !turn.chatId) {
    turnFailed(error, turn, resend);
    return;
  }
  // The transcript (and the failed reply) are stored: show them from the server.
  await openHistory(turn.chatId).catch(() => {});
  conversationHooks.chatsChanged();
  showError(`${readableError(error)} Your message was kept.`, () => retryReply(turn.chatId, resend));
}

function noSpeech(turn) {
  removeItem(turn.question);
  renderMessages();
  showError(
    turn.handsFree
      ? "No speech was detected in that. Still listening: say it again."
      : "No speech was detected. Hold the microphone button while you talk, then let go.",
  );
}
