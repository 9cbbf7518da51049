// The open chat: history, sending text (streamed, with a plain fallback), voice turns,
// errors with Retry. Nothing the user typed or recorded is dropped on failure.

import { ApiError, api, config, pagination, send, streamUnavailable } from "./api.js";
import { decorate, replyEnded, replyStarted, resumePending } from "./messageactions.js";
import { showMessageContent, streamMarkdown } from "./markdown.js";
import { fileNameFor } from "./recorder.js";
import { readEvents } from "./sse.js";
import { state } from "./state.js";
import { $, el, formatTime, toast } from "./ui.js";

const PAGE_SIZE = 30;
const hooks = { ensureChat: null, chatsChanged: null };

export function setConversationHooks(next) {
  Object.assign(hooks, next);
}

const list = () => $("messages");
const scroller = () => $("messages-scroll");

function nearBottom() {
  const box = scroller();
  return box.scrollHeight - box.scrollTop - box.clientHeight < 120;
}

export function scrollToBottom() {
  const box = scroller();
  box.scrollTop = box.scrollHeight;
}

function updateEmptyState() {
  $("empty-state").hidden = list().children.length > 0;
}

function messageNode(message, { pending = false } = {}) {
  const mine = message.message_by === "USER";
  const item = el("li", {
    class: `message ${mine ? "message-user" : "message-ai"}${pending || message.status === "pending" ? " pending" : ""}`,
    attrs: { "data-message-id": message.id || null, "data-by": message.message_by },
  });
  const bubble = el("div", { class: "bubble" });
  showMessageContent(bubble, message);
  const meta = el("div", { class: "meta" });
  meta.append(el("span", { class: "who", text: mine ? "You" : (message.agent_name || "Agent") }));
  meta.append(el("time", { class: "when", text: formatTime(message.created_at), attrs: { datetime: message.created_at } }));
  item.append(bubble, meta);
  decorate(item, message);
  return item;
}

function setMessage(node, message) {
  node.classList.remove("pending", "streaming");
  node.dataset.messageId = message.id;
  showMessageContent(node.querySelector(".bubble"), message);
  const when = node.querySelector(".when");
  when.textContent = formatTime(message.created_at);
  when.setAttribute("datetime", message.created_at);
  decorate(node, message);
}

function agentName() {
  const agent = state.agents.find((a) => a.id === state.agentId);
  return agent ? agent.name : "Agent";
}

export function appendMessage(message, options) {
  const stick = nearBottom() || message.message_by === "USER";
  const node = messageNode({ ...message, agent_name: agentName() }, options);
  list().append(node);
  updateEmptyState();
  if (stick) scrollToBottom();
  return node;
}

function setTyping(on) {
  $("typing").hidden = !on;
  list().setAttribute("aria-busy", on ? "true" : "false"); // announce the reply once, not per piece
  if (on && nearBottom()) scrollToBottom();
}

export function clearMessages() {
  list().replaceChildren();
  $("load-older").hidden = true;
  hideError();
  updateEmptyState();
}

/** Load the newest page of a chat (shown oldest first). */
export async function openHistory(chatId) {
  const seq = ++state.openSeq;
  clearMessages();
  state.olderPage = 1;
  state.totalPages = 1;
  if (!chatId) return;
  const response = await send(`/api/chats/${chatId}/messages?tail=true&page=1&page_size=${PAGE_SIZE}`);
  const messages = await response.json();
  if (seq !== state.openSeq) return;
  state.totalPages = pagination(response).total_pages || 1;
  messages.forEach((message) => list().append(messageNode({ ...message, agent_name: agentName() })));
  $("load-older").hidden = state.olderPage >= state.totalPages;
  updateEmptyState();
  scrollToBottom();
  resumePending(chatId); // a reply still being written (e.g. after a reload) is followed
}

export async function loadOlder() {
  if (!state.chatId || state.olderPage >= state.totalPages) return;
  const seq = state.openSeq;
  const page = state.olderPage + 1;
  const button = $("load-older");
  button.disabled = true;
  try {
    const response = await send(
      `/api/chats/${state.chatId}/messages?tail=true&page=${page}&page_size=${PAGE_SIZE}`,
    );
    const messages = await response.json();
    if (seq !== state.openSeq) return;
    state.olderPage = page;
    state.totalPages = pagination(response).total_pages || state.totalPages;
    const box = scroller();
    const before = box.scrollHeight;
    const known = new Set([...list().children].map((node) => node.dataset.messageId));
    const fragment = document.createDocumentFragment();
    messages
      .filter((message) => !known.has(String(message.id)))
      .forEach((message) => fragment.append(messageNode({ ...message, agent_name: agentName() })));
    list().prepend(fragment);
    box.scrollTop += box.scrollHeight - before;
    button.hidden = state.olderPage >= state.totalPages;
  } catch (error) {
    showError(error.message, loadOlder);
  } finally {
    button.disabled = false;
  }
}

// ---- errors -------------------------------------------------------------------------------

let retryAction = null;

export function showError(message, retry = null) {
  $("error-text").textContent = message;
  retryAction = retry;
  $("error-retry").hidden = !retry;
  $("error-banner").hidden = false;
}

export function hideError() {
  $("error-banner").hidden = true;
  retryAction = null;
}

export function retryLastFailure() {
  const action = retryAction;
  hideError();
  if (action) action();
}

function readableError(error) {
  if (error.errors?.reason === "quota") return error.message; // names the budget and its reset
  if (error.status === 429) {
    const wait = error.retryAfter ? ` Try again in ${Math.ceil(error.retryAfter)} s.` : " Try again shortly.";
    return `You are sending messages too quickly.${wait}`;
  }
  if (error.status === 413) return error.message || "That is larger than the allowed limit.";
  return error.message;
}

function kept(error) {
  return Boolean(error.errors && error.errors.user_message_id);
}

// ---- turns --------------------------------------------------------------------------------

function begin() {
  state.busy = true;
  hideError();
  $("send-button").disabled = true;
  $("ptt-button").disabled = true;
}

function finish() {
  state.busy = false;
  setTyping(false);
  $("send-button").disabled = false;
  $("ptt-button").disabled = $("ptt-button").classList.contains("unsupported");
}

function restoreText(text) {
  const input = $("composer-input");
  input.value = input.value ? `${text}\n${input.value}` : text;
  input.dispatchEvent(new Event("input"));
}

/** Send the composer's text; the reply streams in (falls back to the plain API). */
export async function sendText() {
  const input = $("composer-input");
  const text = input.value.trim();
  if (!text || state.busy) return;
  if (text.length > config.limits.message_chars) {
    showError(`Messages can be at most ${config.limits.message_chars} characters; this one has ${text.length}.`);
    return;
  }
  input.value = "";
  input.dispatchEvent(new Event("input"));
  await textTurn(text);
}

async function textTurn(text) {
  begin();
  const pending = appendMessage({ message_by: "USER", content: text }, { pending: true });
  const turn = { text, pending, chatId: null, started: false };
  try {
    turn.chatId = (await hooks.ensureChat()).id;
    await streamTurn(turn);
    hooks.chatsChanged();
  } catch (error) {
    turnFailed(error, turn, () => textTurn(text));
  } finally {
    finish();
  }
}

async function streamTurn(turn) {
  let response;
  try {
    response = await send(`/voice/chats/${turn.chatId}/messages/stream`, {
      method: "POST",
      json: { content: turn.text },
      headers: { Accept: "text/event-stream" },
      base: config.voiceUrl,
    });
  } catch (error) {
    if (!streamUnavailable(error)) throw error;
    return plainTurn(turn);
  }
  turn.started = true;
  replyStarted(turn.chatId, Number(response.headers.get("X-AI-Message-Id")));
  setTyping(true);
  let reply = null;
  let stream = null;
  try {
    for await (const { event, data } of readEvents(response)) {
      if (event === "delta") {
        if (!reply) {
          reply = appendMessage({ message_by: "AI", content: "" }, { pending: true });
          stream = streamMarkdown(reply.querySelector(".bubble"), { nearBottom, scrollToBottom });
        }
        reply.classList.add("streaming");
        stream.append(data.content || "");
      } else if (event === "done") {
        setMessage(turn.pending, data.user_message);
        if (reply) setMessage(reply, data.ai_message);
        else appendMessage(data.ai_message);
        return;
      } else if (event === "error") {
        throw new ApiError(data.code || 502, data, null);
      }
    }
  } catch (error) {
    if (reply) reply.remove();
    if (error instanceof ApiError) throw error;
    throw interrupted();
  } finally {
    replyEnded();
  }
  if (reply) reply.remove();
  throw interrupted();
}

function interrupted() {
  const error = new ApiError(0, { message: "The reply was interrupted before it finished." }, null);
  error.interrupted = true;
  return error;
}

async function plainTurn(turn) {
  setTyping(true);
  const data = await api(`/api/chats/${turn.chatId}/messages`, { method: "POST", json: { content: turn.text } });
  setMessage(turn.pending, data.user_message);
  appendMessage(data.ai_message);
}

/**
 * A turn failed. If the server kept the user's message, Retry asks for the reply again;
 * otherwise the message goes back where it came from and Retry sends it again.
 */
function turnFailed(error, turn, resend) {
  if (kept(error) || (turn.started && error.interrupted)) {
    if (kept(error)) turn.pending.dataset.messageId = error.errors.user_message_id;
    turn.pending.classList.remove("pending");
    const sendAgain = () => {
      turn.pending.remove();
      resend();
    };
    showError(`${readableError(error)} Your message was kept.`, () => retryReply(turn.chatId, sendAgain));
    return;
  }
  turn.pending.remove();
  updateEmptyState();
  if (turn.text !== undefined) restoreText(turn.text);
  showError(readableError(error), resend);
}

async function retryReply(chatId, resend) {
  begin();
  setTyping(true);
  let nothingToRetry = false;
  try {
    const data = await api(`/api/chats/${chatId}/messages/retry`, { method: "POST" });
    // A failed reply shown from history is answered in place.
    const shown = list().querySelector(`.message[data-message-id="${data.ai_message.id}"]`);
    if (shown) setMessage(shown, data.ai_message);
    else appendMessage(data.ai_message);
    hooks.chatsChanged();
  } catch (error) {
    // 409: nothing stored was left unanswered, so the message itself never arrived: send again.
    if (error.status === 409) nothingToRetry = true;
    else showError(readableError(error), () => retryReply(chatId, resend));
  } finally {
    finish();
  }
  if (nothingToRetry) resend();
}

// ---- voice --------------------------------------------------------------------------------

function audioFromBase64(base64, mimeType) {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return URL.createObjectURL(new Blob([bytes], { type: mimeType || "audio/mpeg" }));
}

function attachAudio(node, url) {
  const audio = el("audio", { class: "message-audio", attrs: { preload: "auto", src: url } });
  const button = el("button", {
    class: "button small ghost replay",
    text: "Replay",
    attrs: { type: "button", "aria-label": "Replay the spoken reply" },
  });
  button.prepend(el("span", { class: "icon icon-play", attrs: { "aria-hidden": "true" } }));
  button.addEventListener("click", () => {
    audio.currentTime = 0;
    audio.play().catch(() => toast("The browser blocked audio playback."));
  });
  audio.addEventListener("play", () => node.classList.add("speaking"));
  audio.addEventListener("pause", () => node.classList.remove("speaking"));
  audio.addEventListener("ended", () => node.classList.remove("speaking"));
  node.querySelector(".meta").append(button);
  node.append(audio);
  return audio;
}

/** Send a push-to-talk recording; show the transcript, the reply, and play the speech. */
export async function sendRecording(blob) {
  if (state.busy) return;
  if (blob.size > config.limits.audio_bytes) {
    showError("That recording is larger than the allowed size. Keep voice messages shorter.");
    return;
  }
  begin();
  const pending = appendMessage({ message_by: "USER", content: "Voice message…" }, { pending: true });
  pending.classList.add("voice");
  setTyping(true);
  const turn = { pending, chatId: null, started: false };
  const resend = () => sendRecording(blob);
  try {
    turn.chatId = (await hooks.ensureChat()).id;
    const form = new FormData();
    form.append("audio", blob, fileNameFor(blob.type));
    const data = await api(`/voice/chats/${turn.chatId}/messages`, {
      method: "POST",
      body: form,
      base: config.voiceUrl,
    });
    setMessage(pending, data.user_message);
    const reply = appendMessage(data.ai_message);
    if (data.audio_base64) {
      const audio = attachAudio(reply, audioFromBase64(data.audio_base64, data.audio_mime_type));
      audio.play().catch(() => toast("Press Replay to hear the answer."));
    }
    hooks.chatsChanged();
  } catch (error) {
    await voiceFailed(error, turn, resend);
  } finally {
    finish();
  }
}

async function voiceFailed(error, turn, resend) {
  if (error.status === 422 && /speech/i.test(error.message)) {
    turn.pending.remove();
    updateEmptyState();
    showError("No speech was detected. Hold the microphone button while you talk, then let go.");
    return;
  }
  const errors = error.errors || {};
  if (!kept(error) || !turn.chatId) {
    turnFailed(error, turn, resend);
    return;
  }
  // The transcript (and perhaps the reply) is stored: show them from the server.
  await openHistory(turn.chatId).catch(() => {});
  hooks.chatsChanged();
  if (errors.stage === "tts") {
    showError(`${readableError(error)} The reply is shown as text instead.`);
  } else {
    showError(`${readableError(error)} Your message was kept.`, () => retryReply(turn.chatId, resend));
  }
}
