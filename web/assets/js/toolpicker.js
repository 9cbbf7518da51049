// The agent editor's tools: a checkbox per tool the configured servers offer (GET /api/tools),
// with its description, and the agent's reasoning effort. A tool the agent has but no server
// lists now (its server is down) stays checked, so saving does not drop it.

import * as paths from "./endpoints.js";
import { api } from "./api.js";
import { $, el } from "./ui.js";

let listed = null; // GET /api/tools, read once per page

export async function fillToolPicker(agent) {
  $("agent-effort").value = (agent && agent.reasoning_effort) || "";
  const chosen = new Set((agent && agent.tools) || []);
  const box = $("agent-tool-list");
  box.replaceChildren();
  listed = listed || (await api(paths.tools()));
  const known = new Set(listed.map((tool) => tool.name));
  const missing = [...chosen].filter((name) => !known.has(name)).map((name) => ({ name, description: "(not available now)" }));
  const all = [...listed, ...missing];
  box.replaceChildren(...all.map((tool) => option(tool, chosen.has(tool.name))));
  $("agent-tools-empty").hidden = all.length > 0;
}

function option(tool, checked) {
  const input = el("input", { attrs: { type: "checkbox", value: tool.name, checked } });
  return el("label", {
    class: "checkbox tool-option",
    children: [
      input,
      el("span", { class: "tool-option-name", text: tool.name }),
      el("span", { class: "hint tool-option-description", text: tool.description || "" }),
    ],
  });
}

/** The editor's tool fields as the API takes them. */
export function toolFields() {
  const tools = [...$("agent-tool-list").querySelectorAll("input:checked")].map((input) => input.value);
  return { tools, reasoning_effort: $("agent-effort").value || null };
}
