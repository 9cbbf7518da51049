// Agents: the picker (mine and public ones), the card, the editor, delete.

import * as paths from "./endpoints.js";
import { cardFields, fillCardFields, showAgent } from "./agent-card.js";
import { api, config } from "./api.js";
import { loadChats, openChat } from "./chats.js";
import { showError } from "./banner.js";
import { fillAgentChoices, loadLifecycle, renderLifecycleNotice } from "./lifecycle.js";
import { showKnowledge, wireKnowledge } from "./knowledge.js";
import { currentAgent, mayEdit, state } from "./state.js";
import { fillToolPicker, toolFields } from "./toolpicker.js";
import { $, confirmAction, el, showFormError, toast } from "./ui.js";

const AGENT_KEY = "chatbot.agent";

function pickAgent(agents) {
  const remembered = Number(localStorage.getItem(AGENT_KEY));
  const starterName = config.starterAgent && config.starterAgent.name; // the server names it
  const starter =
    agents.find((a) => a.is_public && a.name === starterName) ||
    [...agents].filter((a) => a.is_public).sort((a, b) => a.id - b.id)[0];
  return agents.find((a) => a.id === remembered) || starter || agents[0] || null;
}

export async function loadAgents() {
  [state.agents] = await Promise.all([api(paths.agents({ page_size: 100 })), loadLifecycle()]);
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

export async function selectAgent(agentId) {
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
  fillToolPicker(agent).catch((error) => showFormError("agent-error", error.message));
  $("agent-name").maxLength = config.limits.name_chars;
  $("agent-prompt").maxLength = config.limits.prompt_chars;
  updatePromptCount();
  showFormError("agent-error", "");
  showKnowledge(agent, mayEdit(agent));
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
    ...toolFields(),
  };
  const submit = $("agent-submit");
  submit.disabled = true;
  try {
    const agent = editingAgentId
      ? await api(paths.agent(editingAgentId), { method: "PATCH", json: body })
      : await api(paths.agents(), { method: "POST", json: body });
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
    await api(paths.agent(agent.id), { method: "DELETE" });
    localStorage.removeItem(AGENT_KEY);
    state.agentId = null;
    await loadAgents();
    await selectAgent(state.agentId);
    toast("Agent deleted.");
  } catch (error) {
    showError(error.message);
  }
}

export function wireAgents() {
  wireKnowledge();
  $("agent-select").addEventListener("change", (event) =>
    selectAgent(Number(event.target.value)).catch((e) => showError(e.message)),
  );
  $("new-agent-button").addEventListener("click", () => openAgentEditor(null));
  $("edit-agent-button").addEventListener("click", () => openAgentEditor(currentAgent()));
  $("delete-agent-button").addEventListener("click", deleteAgent);
  $("agent-prompt").addEventListener("input", updatePromptCount);
  $("agent-form").addEventListener("submit", submitAgent);
}
