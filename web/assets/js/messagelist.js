// The message list's DOM, made to match the thread's state by one function, renderMessages().
// Nodes are keyed by message and reused, so a reply being written only grows its last block
// (markdown.js streams it), and focus, an open editor and the scroll position survive a render.
// Every bubble, streamed or stored, is written here: AI replies as (sanitised) Markdown, what
// people type as text. The message actions a message allows are the server's (status, versions).

import { renderMarkdown, sourceOf, streamMarkdown } from "./markdown.js";
import { showCitations } from "./knowledge.js";
import { readAloudButton } from "./readaloud.js";
import { state } from "./state.js";
import { thread } from "./thread.js";
import { showToolSteps } from "./toolsteps.js";
import { $, el, formatTime } from "./ui.js";

const nodes = new Map(); // item key -> its <li>
const shown = new WeakMap(); // <li> -> what it shows: {message, view, actions}
const streams = new WeakMap(); // bubble -> {markdown, text} while a reply is written into it

const list = () => $("messages");
const scroller = () => $("messages-scroll");

export function nearBottom() {
  const box = scroller();
  return box.scrollHeight - box.scrollTop - box.clientHeight < 120;
}

export function scrollToBottom() {
  const box = scroller();
  box.scrollTop = box.scrollHeight;
}

/** Make the message list show `current` (the thread): add, update, move and drop nodes. */
export function renderMessages(current = thread) {
  const box = scroller();
  const before = box.scrollHeight;
  const keep = current.scroll === "keep";
  const stick = !keep && (current.scroll === "bottom" || nearBottom() || addsOwnMessage(current));
  current.scroll = null;
  const wanted = current.items.map(nodeFor);
  const keys = new Set(current.items.map((item) => item.key));
  for (const [key, node] of nodes) {
    if (!keys.has(key)) {
      node.remove();
      nodes.delete(key);
    }
  }
  wanted.forEach((node, index) => {
    update(node, current.items[index]);
    const expected = index ? wanted[index - 1].nextSibling : list().firstChild;
    if (node !== expected) list().insertBefore(node, expected);
  });
  $("empty-state").hidden = current.items.length > 0;
  $("typing").hidden = !current.typing;
  list().setAttribute("aria-busy", current.typing ? "true" : "false"); // announce a reply once, not per piece
  if (keep) box.scrollTop += box.scrollHeight - before;
  else if (stick) scrollToBottom();
}

/** What the user just sent is always brought into sight. */
function addsOwnMessage(current) {
  const isNew = (item) => !nodes.has(item.key) && !(item.was && nodes.has(item.was));
  return current.items.some((item) => item.message.message_by === "USER" && isNew(item));
}

function nodeFor(item) {
  if (!nodes.has(item.key) && item.was && nodes.has(item.was)) {
    nodes.set(item.key, nodes.get(item.was));
    nodes.delete(item.was);
  }
  delete item.was;
  if (!nodes.has(item.key)) {
    const node = el("li", { children: [el("div", { class: "bubble" }), meta()] });
    nodes.set(item.key, node);
  }
  return nodes.get(item.key);
}

function meta() {
  return el("div", { class: "meta", children: [el("span", { class: "who" }), el("time", { class: "when" })] });
}

function sameView(a, b) {
  const names = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...names].every((name) => a[name] === b[name]);
}

function update(node, item) {
  const last = shown.get(node) || { message: null, view: {}, actions: null };
  if (last.message === item.message && sameView(last.view, item.view)) return;
  const { message, view } = item;
  const mine = message.message_by === "USER";
  const pending = view.pending || message.status === "pending";
  node.className = `message ${mine ? "message-user" : "message-ai"}`;
  node.classList.toggle("pending", Boolean(pending));
  node.classList.toggle("streaming", Boolean(view.streaming));
  node.classList.toggle("voice", Boolean(view.voice));
  setData(node, { key: item.key, messageId: message.id, by: message.message_by, version: message.version });
  setData(node, { status: message.status || "complete", spoken: view.spoken });
  showContent(node.querySelector(".bubble"), item, node);
  showToolSteps(node, node.querySelector(".bubble"), message.tool_calls);
  showMeta(node, message, mine);
  showCitations(node, message);
  const actions = actionsKey(message, view);
  if (actions !== last.actions) showActions(node, message, view);
  showEditor(node, message, view, last.view);
  shown.set(node, { message, view: { ...view }, actions });
}

function setData(node, values) {
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined || value === null) delete node.dataset[name];
    else node.dataset[name] = String(value);
  }
}

function showMeta(node, message, mine) {
  const agent = state.agents.find((a) => a.id === state.agentId);
  node.querySelector(".who").textContent = mine ? "You" : message.agent_name || (agent ? agent.name : "Agent");
  const when = node.querySelector(".when");
  when.textContent = formatTime(message.created_at);
  if (message.created_at) when.setAttribute("datetime", message.created_at);
  else when.removeAttribute("datetime");
}

// ---- the bubble ---------------------------------------------------------------------------

function showContent(bubble, item, node) {
  const text = item.message.content || "";
  if (item.message.message_by !== "AI") {
    if (bubble.textContent !== text) bubble.textContent = text;
    return;
  }
  if (item.view.streaming) {
    streamInto(bubble, text, item.view.follow ? followView(node) : { nearBottom, scrollToBottom });
    return;
  }
  // A reply that streamed is rendered once in full (late link definitions, loose lists);
  // renderMarkdown also ends the stream's pending frame.
  const streamed = streams.delete(bubble);
  if (streamed || sourceOf(bubble) !== text) renderMarkdown(bubble, text);
}

/** Feed the stream only what is new, so finished blocks are rendered once and kept. */
function streamInto(bubble, text, view) {
  let stream = streams.get(bubble);
  if (!stream || !text.startsWith(stream.text)) {
    stream = { markdown: streamMarkdown(bubble, view), text: "" };
    streams.set(bubble, stream);
  }
  stream.markdown.append(text.slice(stream.text.length));
  stream.text = text;
}

/** A spoken reply is followed to its end wherever the reader scrolled. */
function followView(node) {
  return { nearBottom: () => true, scrollToBottom: () => node.scrollIntoView({ block: "end" }) };
}

// ---- actions and the editor ---------------------------------------------------------------

function actionsKey(message, view) {
  if (!message.id || view.pending) return "";
  const { id, status, version, version_count: count, message_by: by } = message;
  return [id, by, status, version, count, Boolean(message.content), state.chatId].join("|");
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

function showActions(node, message, view) {
  node.querySelector(".message-actions")?.remove();
  if (!message.id || view.pending) return;
  const bar = el("div", { class: "message-actions" });
  const reply = message.message_by === "AI";
  const written = reply && message.status !== "pending";
  bar.append(actionButton("copy", "Copy", "Copy message"));
  if (written) bar.append(actionButton("regenerate", "Regenerate", "Regenerate: write a new version of this reply"));
  if (!reply) bar.append(actionButton("edit", "Edit", "Edit this message"));
  if (written && message.content && state.chatId) bar.append(readAloudButton(state.chatId, message.id));
  if (message.version_count > 1) bar.append(versionSwitcher(message));
  if (message.status === "failed") bar.append(el("span", { class: "message-note", text: "This reply failed." }));
  if (message.status === "stopped") bar.append(el("span", { class: "message-note", text: "Stopped." }));
  node.append(bar);
}

function showEditor(node, message, view, before) {
  if (Boolean(view.editing) === Boolean(before.editing)) return;
  const bubble = node.querySelector(".bubble");
  node.querySelector(".edit-form")?.remove();
  bubble.hidden = Boolean(view.editing);
  if (!view.editing) return;
  const box = el("textarea", { class: "edit-box", attrs: { "aria-label": "Edit message", rows: 3 } });
  box.value = message.content || "";
  const button = (text, kind, action) =>
    el("button", { class: `button small ${kind}`, text, attrs: { type: "button", "data-action": action } });
  const buttons = [button("Cancel", "ghost", "cancel-edit"), button("Send", "primary", "save-edit")];
  const actions = el("div", { class: "edit-actions", children: buttons });
  node.insertBefore(el("div", { class: "edit-form", children: [box, actions] }), bubble.nextSibling);
  box.focus();
}
