// The open chat's messages as state: the message objects as the server returns them, oldest
// first, plus what only the page knows (a message not stored yet, a reply being written, an
// open editor). Modules change this state, then call renderMessages() (messagelist.js), the
// only code that touches the message DOM.

let localCount = 0;

export const thread = {
  // [{key, message, view: {pending, streaming, voice, follow, spoken, editing}}]
  items: [],
  // What the next render does with the scroll position: "bottom", "keep" (older messages were
  // put above: the ones in sight stay put) or null (follow the end when the reader is there).
  scroll: null,
  typing: false, // a reply is on its way (the typing dots; the list is busy until it is done)
};

function keyOf(message) {
  localCount += 1;
  return message.id ? `m${message.id}` : `local-${localCount}`;
}

function itemOf(message, view = {}) {
  return { key: keyOf(message), message, view };
}

/** Show `messages` (a chat just opened), scrolled to the newest. */
export function resetThread(messages = []) {
  thread.items = messages.map((message) => itemOf(message));
  thread.scroll = "bottom";
}

/** An older page of history goes above what is shown (messages already shown are skipped). */
export function prependOlder(messages) {
  const known = new Set(thread.items.map((item) => item.message.id));
  const older = messages.filter((message) => !known.has(message.id)).map((message) => itemOf(message));
  thread.items.unshift(...older);
  thread.scroll = "keep";
}

/** Add a message at the end; returns its item (to settle or remove it later). */
export function addMessage(message, view = {}) {
  const item = itemOf(message, view);
  thread.items.push(item);
  return item;
}

/** The server's copy of an item's message arrived: it replaces what the page showed. */
export function settle(item, message) {
  const next = message.id ? `m${message.id}` : item.key;
  if (next !== item.key) {
    item.was = item.key; // the renderer moves the node to the new key instead of rebuilding it
    item.key = next;
  }
  item.message = message;
  item.view = { voice: item.view.voice, spoken: item.view.spoken }; // how it was sent and heard
}

/** More of a reply being written. */
export function appendText(item, text) {
  item.message = { ...item.message, content: (item.message.content || "") + text };
  item.view.streaming = true;
}

export function removeItem(item) {
  thread.items = thread.items.filter((other) => other !== item);
}

/** Remove `item` and everything after it (an answer is rewritten from there). */
export function removeFrom(item) {
  const index = thread.items.indexOf(item);
  if (index !== -1) thread.items.splice(index);
}

export function itemByKey(key) {
  return thread.items.find((item) => item.key === key) || null;
}

export function itemById(id) {
  return thread.items.find((item) => item.message.id === id) || null;
}

export function lastReply() {
  return [...thread.items].reverse().find((item) => item.message.message_by === "AI") || null;
}
