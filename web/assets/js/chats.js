// The chat list of the chosen agent: open, new (created on the first message), rename, delete.

import * as paths from "./endpoints.js";
import { api } from "./api.js";
import { showError } from "./banner.js";
import { clearMessages, openHistory } from "./conversation.js";
import { closeSidebar } from "./layout.js";
import { currentChat, state } from "./state.js";
import { showChatExport } from "./transfer.js";
import { $, confirmAction, el, formatTime, showFormError, toast } from "./ui.js";

export async function loadChats() {
  if (!state.agentId) {
    state.chats = [];
  } else {
    state.chats = await api(paths.agentChats(state.agentId, { page_size: 50 }));
  }
  renderChats();
}

function renderChats() {
  const listNode = $("chat-list");
  listNode.replaceChildren();
  for (const chat of state.chats) {
    const active = chat.id === state.chatId;
    const item = el("li", { class: `chat-item${active ? " active" : ""}`, attrs: { "data-chat-id": chat.id } });
    const open = el("button", {
      class: "chat-open",
      attrs: { type: "button", "aria-current": active ? "true" : null },
    });
    open.append(el("span", { class: "chat-name", text: chat.title }));
    open.append(el("span", { class: "chat-when", text: formatTime(chat.updated_at), children: [importedBadge(chat)] }));
    open.addEventListener("click", () => {
      closeSidebar();
      openChat(chat.id).catch((error) => showError(error.message));
    });
    const rename = el("button", {
      class: "icon-button small",
      attrs: { type: "button", "aria-label": `Rename chat ${chat.title}`, title: "Rename" },
      children: [el("span", { class: "icon icon-edit", attrs: { "aria-hidden": "true" } })],
    });
    rename.addEventListener("click", () => openRename(chat));
    const remove = el("button", {
      class: "icon-button small danger",
      attrs: { type: "button", "aria-label": `Delete chat ${chat.title}`, title: "Delete" },
      children: [el("span", { class: "icon icon-trash", attrs: { "aria-hidden": "true" } })],
    });
    remove.addEventListener("click", () => deleteChat(chat));
    item.append(open, rename, remove);
    listNode.append(item);
  }
  $("chat-list-empty").hidden = state.chats.length > 0;
  const chat = currentChat();
  $("chat-title").textContent = chat ? chat.title : "New chat";
  showChatExport(Boolean(chat));
}

/** An imported copy keeps the original's title and times: the badge tells the two apart. */
function importedBadge(chat) {
  if (!chat.imported_at) return null;
  return el("span", {
    class: "chat-badge",
    text: "Imported",
    attrs: { title: `Imported from an export file on ${new Date(chat.imported_at).toLocaleString()}` },
  });
}

export async function openChat(chatId) {
  state.chatId = chatId;
  renderChats();
  await openHistory(chatId);
}

function newChat() {
  state.chatId = null;
  state.openSeq += 1;
  renderChats();
  clearMessages();
  closeSidebar();
  $("composer-input").focus();
}

/** The open chat, created on the first message so empty chats do not pile up. */
export async function ensureChat() {
  const existing = currentChat();
  if (existing) return existing;
  const chat = await api(paths.agentChats(state.agentId), { method: "POST", json: {} });
  state.chats.unshift(chat);
  state.chatId = chat.id;
  renderChats();
  return chat;
}

export async function refreshChats() {
  try {
    await loadChats();
  } catch {
    // The list refreshes on the next turn.
  }
}

let renamingChat = null;

function openRename(chat) {
  renamingChat = chat;
  $("rename-input").value = chat.title;
  showFormError("rename-error", "");
  $("rename-dialog").showModal();
  $("rename-input").select();
}

async function submitRename(event) {
  event.preventDefault();
  const title = $("rename-input").value.trim();
  if (!title) return showFormError("rename-error", "The title must not be empty.");
  try {
    await api(paths.chat(renamingChat.id), { method: "PATCH", json: { title } });
    $("rename-dialog").close();
    await loadChats();
  } catch (error) {
    showFormError("rename-error", error.message);
  }
}

async function deleteChat(chat) {
  const ok = await confirmAction("Delete chat?", `“${chat.title}” and its messages will be deleted.`);
  if (!ok) return;
  try {
    await api(paths.chat(chat.id), { method: "DELETE" });
    const wasOpen = chat.id === state.chatId;
    await loadChats();
    if (wasOpen) await openChat(state.chats[0] ? state.chats[0].id : null);
    toast("Chat deleted.");
  } catch (error) {
    showError(error.message);
  }
}

export function wireChats() {
  $("new-chat-button").addEventListener("click", newChat);
  $("rename-form").addEventListener("submit", submitRename);
}
