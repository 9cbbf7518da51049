// The page: account, agents, chats and the composer, wired to the API and the voice service.

import { cardFields, fillCardFields, showAgent } from "./agent-card.js";
import * as client from "./api.js";
import { api, config } from "./api.js";
import { setupChatUx } from "./chat-ux.js";
import { showChatExport } from "./transfer.js";
import {
  clearMessages,
  hideError,
  loadOlder,
  openHistory,
  retryLastFailure,
  sendText,
  setConversationHooks,
  showError,
} from "./conversation.js";
import { replyEngineLabel } from "./engines.js";
import { setActionHooks, wireMessageActions } from "./messageactions.js";
import { setupPushToTalk } from "./ptt.js";
import { fillAgentChoices, loadLifecycle, renderLifecycleNotice } from "./lifecycle.js";
import { setupAdmin } from "./admin.js";
import { setupUsageNotice } from "./usage.js";
import { currentAgent, currentChat, mayEdit, state } from "./state.js";
import { $, confirmAction, el, formatTime, showFormError, toast, wireDialogCloseButtons } from "./ui.js";

const AGENT_KEY = "chatbot.agent";
const STARTER_NAME = "Helpful Assistant";

// ---- account ------------------------------------------------------------------------------

async function loadMe() {
  state.me = await api("/api/auth/me");
  const guest = state.me.is_guest;
  $("account-name").textContent = guest ? "Guest" : state.me.username;
  $("account-name").classList.toggle("guest", guest);
  $("login-button").hidden = !guest;
  $("register-button").hidden = !guest;
  $("logout-button").hidden = guest;
  $("new-agent-button").disabled = guest;
  $("new-agent-button").title = guest ? "Sign up to create agents" : "";
  $("guest-agent-hint").hidden = !guest;
}

let authMode = "login";

function openAuth(mode) {
  authMode = mode;
  const register = mode === "register";
  $("auth-title").textContent = register ? "Create an account" : "Log in";
  $("auth-submit").textContent = register ? "Sign up" : "Log in";
  $("auth-switch").textContent = register ? "Have an account? Log in" : "Need an account? Sign up";
  $("auth-password").autocomplete = register ? "new-password" : "current-password";
  $("auth-password").minLength = register ? 8 : 0;
  $("auth-hint").textContent = register
    ? "3–64 letters, digits, '.', '_' or '-'; a password of at least 8 characters."
    : "";
  showFormError("auth-error", "");
  $("auth-dialog").showModal();
  $("auth-username").focus();
}

async function submitAuth(event) {
  event.preventDefault();
  const username = $("auth-username").value.trim();
  const password = $("auth-password").value;
  const submit = $("auth-submit");
  submit.disabled = true;
  try {
    const kept = authMode === "register"
      ? await client.register(username, password)
      : await client.login(username, password);
    $("auth-dialog").close();
    $("auth-form").reset();
    await reloadEverything();
    const greeting = authMode === "register" ? `Welcome, ${state.me.username}!` : `Logged in as ${state.me.username}.`;
    toast(`${greeting}${keptSentence(kept)}`, kept ? 6 : 4);
  } catch (error) {
    showFormError("auth-error", error.message);
  } finally {
    submit.disabled = false;
  }
}

function keptSentence(kept) {
  if (!kept) return "";
  return kept === 1 ? " Your guest chat was kept." : ` Your ${kept} guest chats were kept.`;
}

async function logout() {
  await client.logout();
  await reloadEverything();
  toast("Logged out. You are chatting as a guest.");
}

// ---- providers ----------------------------------------------------------------------------

function showProviders(providers) {
  const names = { openai: "OpenAI", offline: "offline" };
  const label = (value) => names[value] || value || "unknown";
  const { llm, stt, tts } = providers || {};
  const same = llm === stt && stt === tts;
  const replies = replyEngineLabel(providers);
  const text = same && llm === "offline"
    ? "Offline mode: no AI model configured"
    : same
    ? `AI: ${replies}`
    : `Replies: ${replies} · Speech: ${label(stt)} · Voice: ${label(tts)}`;
  for (const box of [$("provider-status"), $("provider-status-side")]) {
    box.replaceChildren();
    if (!llm) continue;
    box.classList.toggle("offline", [llm, stt, tts].includes("offline"));
    box.append(el("span", { class: "dot", attrs: { "aria-hidden": "true" } }), el("span", { text }));
    const engine = (name) => (providers[name] && providers[name] !== "openai" ? ` (${providers[name]})` : "");
    box.title =
      `Replies: ${replies}, speech-to-text: ${label(stt)}${engine("stt_engine")}, ` +
      `text-to-speech: ${label(tts)}${engine("tts_engine")}`;
  }
}

// ---- agents -------------------------------------------------------------------------------

function pickAgent(agents) {
  const remembered = Number(localStorage.getItem(AGENT_KEY));
  const starter =
    agents.find((a) => a.is_public && a.name === STARTER_NAME) ||
    [...agents].filter((a) => a.is_public).sort((a, b) => a.id - b.id)[0];
  return agents.find((a) => a.id === remembered) || starter || agents[0] || null;
}

async function loadAgents() {
  [state.agents] = await Promise.all([api("/api/agents?page_size=100"), loadLifecycle()]);
  const chosen = state.agents.find((a) => a.id === state.agentId) || pickAgent(state.agents);
  state.agentId = chosen ? chosen.id : null;
  renderAgents();
}

function renderAgents() {
  const select = $("agent-select");
  const mine = state.agents.filter((a) => state.me && !state.me.is_guest && a.owner_id === state.me.id);
  const others = state.agents.filter((a) => !mine.includes(a));
  select.replaceChildren();
  for (const [label, group] of [["My agents", mine], ["Public agents", others]]) {
    if (!group.length) continue;
    const optgroup = el("optgroup", { attrs: { label } });
    group.forEach((agent) => optgroup.append(el("option", { text: agent.name, attrs: { value: agent.id } })));
    select.append(optgroup);
  }
  if (state.agentId) select.value = String(state.agentId);
  const agent = currentAgent();
  showAgent(agent);
  $("agent-actions").hidden = !mayEdit(agent);
  $("chat-agent").textContent = agent ? `with ${agent.name}${agent.is_public ? " · public" : ""}` : "";
  renderLifecycleNotice(agent);
}

async function selectAgent(agentId) {
  state.agentId = agentId;
  localStorage.setItem(AGENT_KEY, String(agentId));
  renderAgents();
  await loadChats();
  await openChat(state.chats[0] ? state.chats[0].id : null);
}

let editingAgentId = null;

function openAgentEditor(agent) {
  editingAgentId = agent ? agent.id : null;
  $("agent-dialog-title").textContent = agent ? "Edit agent" : "New agent";
  $("agent-name").value = agent ? agent.name : "";
  $("agent-prompt").value = (agent && agent.prompt) || "";
  fillCardFields(agent);
  $("agent-public").checked = agent ? agent.is_public : false;
  $("agent-voice").value = (agent && agent.voice) || "";
  $("agent-model").value = (agent && agent.model) || "";
  fillAgentChoices(agent);
  $("agent-name").maxLength = config.limits.name_chars;
  $("agent-prompt").maxLength = config.limits.prompt_chars;
  updatePromptCount();
  showFormError("agent-error", "");
  $("agent-dialog").showModal();
  $("agent-name").focus();
}

function updatePromptCount() {
  $("agent-prompt-count").textContent = `${$("agent-prompt").value.length} / ${config.limits.prompt_chars} characters`;
}

async function submitAgent(event) {
  event.preventDefault();
  const body = {
    name: $("agent-name").value.trim(),
    prompt: $("agent-prompt").value.trim(),
    is_public: $("agent-public").checked,
    voice: $("agent-voice").value || null,
    model: $("agent-model").value.trim() || null,
    ...cardFields(),
  };
  const submit = $("agent-submit");
  submit.disabled = true;
  try {
    const agent = editingAgentId
      ? await api(`/api/agents/${editingAgentId}`, { method: "PATCH", json: body })
      : await api("/api/agents", { method: "POST", json: body });
    $("agent-dialog").close();
    state.agentId = agent.id;
    await loadAgents();
    await selectAgent(agent.id);
    toast(editingAgentId ? "Agent saved." : `Agent “${agent.name}” created.`);
  } catch (error) {
    showFormError("agent-error", error.message);
  } finally {
    submit.disabled = false;
  }
}

async function deleteAgent() {
  const agent = currentAgent();
  if (!agent) return;
  const ok = await confirmAction("Delete agent?", `“${agent.name}” and all chats with it will be deleted.`);
  if (!ok) return;
  try {
    await api(`/api/agents/${agent.id}`, { method: "DELETE" });
    localStorage.removeItem(AGENT_KEY);
    state.agentId = null;
    await loadAgents();
    await selectAgent(state.agentId);
    toast("Agent deleted.");
  } catch (error) {
    showError(error.message);
  }
}

// ---- chats --------------------------------------------------------------------------------

async function loadChats() {
  if (!state.agentId) {
    state.chats = [];
  } else {
    state.chats = await api(`/api/agents/${state.agentId}/chats?page_size=50`);
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
    open.append(el("span", { class: "chat-when", text: formatTime(chat.updated_at) }));
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

async function openChat(chatId) {
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
async function ensureChat() {
  const existing = currentChat();
  if (existing) return existing;
  const chat = await api(`/api/agents/${state.agentId}/chats`, { method: "POST", json: {} });
  state.chats.unshift(chat);
  state.chatId = chat.id;
  renderChats();
  return chat;
}

async function refreshChats() {
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
    await api(`/api/chats/${renamingChat.id}`, { method: "PATCH", json: { title } });
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
    await api(`/api/chats/${chat.id}`, { method: "DELETE" });
    const wasOpen = chat.id === state.chatId;
    await loadChats();
    if (wasOpen) await openChat(state.chats[0] ? state.chats[0].id : null);
    toast("Chat deleted.");
  } catch (error) {
    showError(error.message);
  }
}

// ---- layout and composer ------------------------------------------------------------------

function openSidebar() {
  document.body.classList.add("sidebar-open");
  $("sidebar-toggle").setAttribute("aria-expanded", "true");
  $("sidebar-backdrop").hidden = false;
}

function closeSidebar() {
  document.body.classList.remove("sidebar-open");
  $("sidebar-toggle").setAttribute("aria-expanded", "false");
  $("sidebar-backdrop").hidden = true;
}

function wireComposer() {
  const input = $("composer-input");
  const resize = () => {
    input.rows = Math.min(8, Math.max(1, input.value.split("\n").length));
    const limit = config.limits.message_chars;
    const length = input.value.length;
    const counter = $("char-count");
    counter.textContent = length > limit * 0.8 ? `${length} / ${limit}` : "";
    counter.classList.toggle("over", length > limit);
  };
  input.addEventListener("input", resize);
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      sendText();
    }
  });
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    sendText();
  });
}

function wire() {
  wireDialogCloseButtons();
  wireComposer();
  $("sidebar-toggle").addEventListener("click", () =>
    document.body.classList.contains("sidebar-open") ? closeSidebar() : openSidebar(),
  );
  $("sidebar-backdrop").addEventListener("click", closeSidebar);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && document.body.classList.contains("sidebar-open")) closeSidebar();
  });
  $("login-button").addEventListener("click", () => openAuth("login"));
  $("register-button").addEventListener("click", () => openAuth("register"));
  $("auth-switch").addEventListener("click", () => openAuth(authMode === "login" ? "register" : "login"));
  $("auth-form").addEventListener("submit", submitAuth);
  $("logout-button").addEventListener("click", () => logout().catch((e) => showError(e.message)));
  $("agent-select").addEventListener("change", (event) =>
    selectAgent(Number(event.target.value)).catch((e) => showError(e.message)),
  );
  $("new-agent-button").addEventListener("click", () => openAgentEditor(null));
  $("edit-agent-button").addEventListener("click", () => openAgentEditor(currentAgent()));
  $("delete-agent-button").addEventListener("click", deleteAgent);
  $("agent-prompt").addEventListener("input", updatePromptCount);
  $("agent-form").addEventListener("submit", submitAgent);
  $("new-chat-button").addEventListener("click", newChat);
  $("rename-form").addEventListener("submit", submitRename);
  $("load-older").addEventListener("click", loadOlder);
  $("error-retry").addEventListener("click", retryLastFailure);
  $("error-dismiss").addEventListener("click", hideError);
  setupPushToTalk();
  wireMessageActions();
  setupChatUx({ selectAgent, openChat, loadChats, closeSidebar });
}

async function reloadEverything() {
  await loadMe();
  state.agentId = null;
  state.chatId = null;
  await loadAgents();
  await loadChats();
  await openChat(state.chats[0] ? state.chats[0].id : null);
}

async function boot() {
  wire();
  setupAdmin();
  setupUsageNotice();
  setConversationHooks({ ensureChat, chatsChanged: refreshChats });
  setActionHooks({ reload: () => openHistory(state.chatId), showError });
  client.onSessionChange((_session, reason) => {
    if (reason === "expired") {
      toast("Your session expired. Log in again to see your chats.", 8);
      reloadEverything().catch(() => {});
    }
  });
  await client.loadConfig();
  showProviders(config.providers);
  try {
    await client.ensureSession();
    await reloadEverything();
    document.body.classList.add("ready");
  } catch (error) {
    showError(`Could not start: ${error.message}`, () => window.location.reload());
  }
}

boot();
