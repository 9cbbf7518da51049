// Per message: copy, regenerate (AI), edit (your own), and the version switcher ‹ 2/3 ›.
// While a reply is written: the Stop button (and Escape). After a reload, a reply still being
// written shows as pending and is followed to its end. The server decides; this only shows.

import { ApiError, api, config, send, streamUnavailable } from "./api.js";
import { sourceOf } from "./markdown.js";
import { showText } from "./messagetext.js";
import { readEvents } from "./sse.js";
import { state } from "./state.js";
import { $, el, toast } from "./ui.js";
import { readAloudButton } from "./readaloud.js";
import { speechPlayer } from "./speechplayer.js";

const hooks = { reload: null, showError: null };
let writing = null; // {chatId, replyId} of the reply being written, or null

export function setActionHooks(next) {
  Object.assign(hooks, next);
}

function actionButton(action, label, title) {
  return el("button", {
    class: `message-action action-${action}`,
    text: label,
    attrs: { type: "button", "data-action": action, "aria-label": title, title },
  });
}

function versionSwitcher(message) {
  const box = el("span", { class: "versions", attrs: { role: "group", "aria-label": "Versions" } });
  const previous = actionButton("previous", "‹", "Previous version");
  const next = actionButton("next", "›", "Next version");
  previous.disabled = message.version <= 1;
  next.disabled = message.version >= message.version_count;
  const label = el("span", { class: "version-label", text: `${message.version}/${message.version_count}` });
  box.append(previous, label, next);
  return box;
}

/** Give a message node its status and the actions the message allows. */
export function decorate(node, message) {
  node.dataset.status = message.status || "complete";
  if (message.version) node.dataset.version = message.version;
  node.querySelector(".message-actions")?.remove();
  if (!message.id) return;
  const bar = el("div", { class: "message-actions" });
  bar.append(actionButton("copy", "Copy", "Copy message"));
  if (message.message_by === "AI" && message.status !== "pending") {
    bar.append(actionButton("regenerate", "Regenerate", "Regenerate: write a new version of this reply"));
  }
  if (message.message_by === "USER") bar.append(actionButton("edit", "Edit", "Edit this message"));
  if (message.message_by === "AI" && message.status !== "pending" && message.content && state.chatId) {
    bar.append(readAloudButton(state.chatId, message.id));
  }
  if (message.version_count > 1) bar.append(versionSwitcher(message));
  if (message.status === "failed") bar.append(el("span", { class: "message-note", text: "This reply failed." }));
  if (message.status === "stopped") bar.append(el("span", { class: "message-note", text: "Stopped." }));
  node.append(bar);
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
    await send(`/voice/chats/${chatId}/messages/${replyId}/stop`, { method: "POST", base: config.voiceUrl });
  } catch (error) {
    if (error.status !== 409) hooks.showError(error.message); // 409: it had just ended
  }
}

/** Show a reply's events in `node` until it ends; resolves with the `done` data. */
export async function streamInto(node, response) {
  let text = node.querySelector(".bubble").textContent;
  node.classList.add("streaming");
  try {
    for await (const { event, data } of readEvents(response)) {
      if (event === "delta") {
        text += data.content || "";
        showText(node.querySelector(".bubble"), text);
      } else if (event === "done") {
        return data;
      } else if (event === "error") {
        throw new ApiError(data.code || 502, data, null);
      }
    }
  } finally {
    node.classList.remove("streaming", "pending");
  }
  throw new ApiError(0, { message: "The reply was interrupted before it finished." }, null);
}

/** After a reload: follow the reply still being written (shown pending) to its end. */
export async function resumePending(chatId) {
  const node = [...$("messages").querySelectorAll(".message-ai")].pop();
  if (!node || node.dataset.status !== "pending" || state.busy) return;
  const replyId = Number(node.dataset.messageId);
  await follow(chatId, `/voice/chats/${chatId}/messages/${replyId}/events`, { method: "GET" }, node, replyId);
}

async function follow(chatId, path, options, node, replyId = null, fallback = null) {
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
    const done = await streamInto(node, response);
    if (done.ai_message) {
      node.dataset.messageId = done.ai_message.id;
      showText(node.querySelector(".bubble"), done.ai_message.content);
      decorate(node, done.ai_message);
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

function removeFrom(node) {
  while (node.nextElementSibling) node.nextElementSibling.remove();
  node.remove();
}

function pendingReply() {
  const node = el("li", { class: "message message-ai pending", attrs: { "data-by": "AI" } });
  node.append(el("div", { class: "bubble", text: "" }));
  $("messages").append(node);
  return node;
}

async function regenerate(node) {
  const chatId = state.chatId;
  const id = node.dataset.messageId;
  removeFrom(node);
  const plain = () => api(`/api/chats/${chatId}/messages/${id}/regenerate`, { method: "POST" });
  const done = await follow(chatId, `/voice/chats/${chatId}/messages/${id}/regenerate`, { method: "POST" }, pendingReply(), null, plain);
  if (done) await hooks.reload();
}

function startEdit(node) {
  if (node.querySelector(".edit-box")) return;
  const bubble = node.querySelector(".bubble");
  const box = el("textarea", { class: "edit-box", attrs: { "aria-label": "Edit message", rows: 3 } });
  box.value = bubble.textContent;
  const save = el("button", { class: "button small primary", text: "Send", attrs: { type: "button", "data-action": "save-edit" } });
  const cancel = el("button", { class: "button small ghost", text: "Cancel", attrs: { type: "button", "data-action": "cancel-edit" } });
  const form = el("div", { class: "edit-form", children: [box, el("div", { class: "edit-actions", children: [cancel, save] })] });
  bubble.hidden = true;
  node.insertBefore(form, bubble.nextSibling);
  box.focus();
}

function cancelEdit(node) {
  node.querySelector(".edit-form")?.remove();
  node.querySelector(".bubble").hidden = false;
}

async function saveEdit(node) {
  const content = node.querySelector(".edit-box").value.trim();
  if (!content) return;
  const chatId = state.chatId;
  const id = node.dataset.messageId;
  cancelEdit(node);
  const question = node.cloneNode(true);
  question.querySelector(".message-actions")?.remove();
  showText(question.querySelector(".bubble"), content);
  question.classList.add("pending");
  removeFrom(node);
  $("messages").append(question);
  const options = { method: "POST", json: { content } };
  const plain = () => api(`/api/chats/${chatId}/messages/${id}/edit`, options);
  const done = await follow(chatId, `/voice/chats/${chatId}/messages/${id}/edit`, options, pendingReply(), null, plain);
  if (done) await hooks.reload();
}

async function showVersion(node, step) {
  const version = Number(node.dataset.version) + step;
  await api(`/api/chats/${state.chatId}/messages/${node.dataset.messageId}/select`, { method: "POST", json: { version } });
  await hooks.reload();
}

async function copy(node) {
  try {
    const bubble = node.querySelector(".bubble");
    await navigator.clipboard.writeText(sourceOf(bubble) ?? bubble.textContent);
    toast("Copied.");
  } catch {
    toast("Could not copy: the browser refused.");
  }
}

const ACTIONS = {
  copy,
  regenerate,
  edit: startEdit,
  "save-edit": saveEdit,
  "cancel-edit": cancelEdit,
  previous: (node) => showVersion(node, -1),
  next: (node) => showVersion(node, 1),
};

export function wireMessageActions() {
  $("messages").addEventListener("click", (event) => {
    const button = event.target.closest("[data-action]");
    const node = button && button.closest(".message");
    if (!node || button.disabled) return;
    if (state.busy && !["copy", "cancel-edit"].includes(button.dataset.action)) return;
    Promise.resolve(ACTIONS[button.dataset.action](node)).catch((error) => hooks.showError(error.message));
  });
  $("stop-button").addEventListener("click", stopReply);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && writing) stopReply();
  });
}
