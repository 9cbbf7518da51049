// Model lifecycle in the UI: the agent editor offers the upstream's models (free text still
// allowed) and the active speech provider's voices, and a notice tells an agent's owner (and
// admins, also about the configured defaults) that a model is retiring or missing. The server
// decides what is retiring and who may act (GET /api/models); this module only shows it.

import * as paths from "./endpoints.js";
import { api } from "./api.js";
import { $, el } from "./ui.js";

const catalog = { models: [], voices: [], defaultModel: "", defaultVoice: "", warnings: [] };

/** Fetch the models, voices and the caller's warnings; the UI keeps working without them. */
export async function loadLifecycle() {
  try {
    const data = await api(paths.models());
    catalog.models = data.models || [];
    catalog.voices = data.voices || [];
    catalog.defaultModel = data.default_model || "";
    catalog.defaultVoice = data.default_voice || "";
    catalog.warnings = data.warnings || [];
  } catch {
    catalog.warnings = [];
  }
}

function modelLabel(model) {
  return model.shutdown_date ? `${model.id} (shuts down ${model.shutdown_date})` : model.id;
}

/** Fill the editor's model suggestions and voice list for `agent` (null: a new agent). */
export function fillAgentChoices(agent) {
  const list = $("agent-model-options");
  list.replaceChildren(
    ...catalog.models.map((model) => el("option", { attrs: { value: model.id, label: modelLabel(model) } })),
  );
  $("agent-model").placeholder = catalog.defaultModel ? `Default (${catalog.defaultModel})` : "Default model";
  if (!catalog.voices.length) return;
  const select = $("agent-voice");
  const current = (agent && agent.voice) || "";
  const voices = current && !catalog.voices.includes(current) ? [...catalog.voices, current] : catalog.voices;
  const defaultLabel = catalog.defaultVoice ? `Default (${catalog.defaultVoice})` : "Default";
  select.replaceChildren(
    el("option", { text: defaultLabel, attrs: { value: "" } }),
    ...voices.map((voice) => el("option", { text: voice, attrs: { value: voice } })),
  );
  select.value = current;
}

function warningsFor(agent) {
  return catalog.warnings.filter(
    (warning) => warning.default || (agent && warning.agent_ids.includes(agent.id)),
  );
}

function sentence(warning, agent) {
  const whose = warning.default ? "The default model" : `${agent ? agent.name : "This agent"}'s model`;
  if (warning.kind === "missing") return `${whose} ${warning.model} is not offered by the AI provider. ${fix(warning)}`;
  if (warning.days_left !== null && warning.days_left < 0) {
    return `${whose} ${warning.model} was shut down on ${warning.shutdown_date}. ${fix(warning)}`;
  }
  const days = warning.days_left === 1 ? "1 day" : `${warning.days_left} days`;
  return `${whose} ${warning.model} shuts down on ${warning.shutdown_date} (${days} left). ${fix(warning)}`;
}

function fix(warning) {
  return warning.default
    ? "Change the configured default (OPENAI_*_MODEL) to a current model."
    : "Edit the agent to choose another model.";
}

/** Show (or hide) the notice for the agent on screen; urgent within 30 days of the date. */
export function renderLifecycleNotice(agent) {
  const box = $("lifecycle-notice");
  const warnings = warningsFor(agent);
  box.hidden = warnings.length === 0;
  if (box.hidden) {
    box.replaceChildren();
    return;
  }
  const urgent = warnings.some((warning) => warning.urgent);
  box.classList.toggle("urgent", urgent);
  box.setAttribute("role", urgent ? "alert" : "status");
  box.replaceChildren(...warnings.map((warning) => el("p", { text: sentence(warning, agent) })));
}
