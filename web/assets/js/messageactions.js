// Per message: copy, regenerate (AI), edit (your own), and the version switcher ‹ 2/3 ›.
// While a reply is written: the Stop button (and Escape). After a reload, a reply still being
// written shows as pending and is followed to its end. The server decides; this only shows.
// Actions change the thread's state and render it; the buttons are drawn by messagelist.js.

import { ApiError, api, config, send, streamUnavailable } from "./api.js";
import * as paths from "./endpoints.js";
import { renderMessages } from "./messagelist.js";
import { readEvents } from "./sse.js";
import { isToolEvent, withToolStep } from "./toolsteps.js";
import { speechPlayer } from "./speechplayer.js";
import { state } from "./state.js";
import { addMessage, appendText, itemByKey, lastReply, removeFrom, settle } from "./thread.js";
import { $, toast } from "./ui.js";

const hooks = { reload: null, showError: null };
let writing = null; // {chatId, replyId} of the reply being written, or null

export function setActionHooks(next) {
  Object.assign(hooks, next);
}

// ---- the reply being written -------------------------------------------------------------

export function replyStarted(chatId, replyId) {
  writing = { chatId, replyId };
  $("stop-button").hidden = false;
}

export function replyEnded() {
  writing = null;
  $("stop-button").hidden = true;
}

export async function stopReply() {
  speechPlayer.stop(); // Stop silences a spoken reply as well as the text
  if (!writing) return;
  const { chatId, replyId } = writing;
  try {
    await send(paths.stopReply(chatId, replyId), { method: "POST", base: config.voiceUrl });
  } catch (error) {
    if (error.status !== 409) hooks.showError(error.message); // 409: it had just ended
  }
}

/** Show a reply's events in `reply` (a thread item) until it ends; resolves with `done`'s data.
 * `replayed`: the stream starts with the whole text so far (GET .../events), which replaces what
 * the page showed from history instead of being added to it. */
async function streamInto(reply, response, replayed = false) {
  let first = replayed;
  try {
    for await (const { event, data } of readEvents(response)) {
      if (event === "delta") {
        if (first) reply.message = { ...reply.message, content: "" };
        first = false;
        appendText(reply, data.content || "");
        renderMessages();
      } else if (isToolEvent(event)) {
        reply.message = withToolStep(reply.message, event, data);
        renderMessages();
      } else if (event === "done") {
        return data;
      } else if (event === "error") {
        throw new ApiError(data.code || 502, data, null);
      }
    }
  } finally {
    reply.view = { ...reply.view, streaming: false, pending: false };
    renderMessages();
  }
  throw new ApiError(0, { message: "The reply was interrupted before it finished." }, null);
}

/** After a reload: follow the reply still being written (shown pending) to its end. */
export async function resumePending(chatId) {
  const reply = lastReply();
  if (!reply || reply.message.status !== "pending" || state.busy) return;
  const replyId = reply.message.id;
  await follow(chatId, paths.messageEvents(chatId, replyId), { method: "GET" }, reply, replyId);
}

async function follow(chatId, path, options, reply, replyId = null, fallback = null) {
  const replayed = replyId !== null; // following a reply by id: GET .../events replays it
  state.busy = true;
  try {
    let response;
    try {
      response = await send(path, { ...options, headers: { Accept: "text/event-stream" }, base: config.voiceUrl });
    } catch (error) {
      if (!fallback || !streamUnavailable(error)) throw error;
      return await fallback(); // no voice service: the API writes the reply in one piece
    }
    replyStarted(chatId, replyId || Number(response.headers.get("X-AI-Message-Id")));
    const done = await streamInto(reply, response, replayed);
    if (done.ai_message) {
      settle(reply, done.ai_message);
      renderMessages();
    }
    return done;
  } catch (error) {
    hooks.showError(error.message);
    return null;
  } finally {
    replyEnded();
    state.busy = false;
  }
}

// ---- actions -----------------------------------------------------------------------------

/** A reply to be written, shown pending at the end. */
function pendingReply() {
  return addMessage({ message_by: "AI", content: "" }, { pending: true });
}

async function regenerate(item) {
  const chatId = state.chatId;
  const id = item.message.id;
  removeFrom(item);
  const reply = pendingReply();
  renderMessages();
  const plain = () => api(paths.regenerate(chatId, id), { method: "POST" });
  const done = await follow(chatId, paths.voiceRegenerate(chatId, id), { method: "POST" }, reply, null, plain);
  if (done) await hooks.reload();
}

function setEditing(item, editing) {
  item.view = { ...item.view, editing };
  renderMessages();
}

async function saveEdit(item, node) {
  const content = node.querySelector(".edit-box").value.trim();
  if (!content) return;
  const chatId = state.chatId;
  const { id, created_at: createdAt } = item.message;
  removeFrom(item);
  addMessage({ message_by: "USER", content, created_at: createdAt }, { pending: true });
  const reply = pendingReply();
  renderMessages();
  const options = { method: "POST", json: { content } };
  const plain = () => api(paths.editMessage(chatId, id), options);
  const done = await follow(chatId, paths.voiceEdit(chatId, id), options, reply, null, plain);
  if (done) await hooks.reload();
}

async function showVersion(item, step) {
  const version = item.message.version + step;
  await api(paths.selectVersion(state.chatId, item.message.id), { method: "POST", json: { version } });
  await hooks.reload();
}

async function copy(item) {
  try {
    await navigator.clipboard.writeText(item.message.content || ""); // the Markdown, as written
    toast("Copied.");
  } catch {
    toast("Could not copy: the browser refused.");
  }
}

const ACTIONS = {
  copy,
  regenerate,
  edit: (item) => item.view.editing || setEditing(item, true),
  "save-edit": saveEdit,
  "cancel-edit": (item) => setEditing(item, false),
  previous: (item) => showVersion(item, -1),
  next: (item) => showVersion(item, 1),
};

export function wireMessageActions() {
  $("messages").addEventListener("click", (event) => {
    const button = event.target.closest("[data-action]");
    const node = button && button.closest(".message");
    const item = node && itemByKey(node.dataset.key);
    if (!item || button.disabled || !ACTIONS[button.dataset.action]) return;
    if (state.busy && !["copy", "cancel-edit"].includes(button.dataset.action)) return;
    Promise.resolve(ACTIONS[button.dataset.action](item, node)).catch((error) => hooks.showError(error.message));
  });
  $("stop-button").addEventListener("click", stopReply);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && writing) stopReply();
  });
}
