// Agent cards: an emoji or initials avatar with a colour, the public description (Markdown),
// and the conversation starters on an empty chat (as many as config.json's limits allow). The
// system prompt is not shown here: the server sends it only to the agent's owner and admins.

import { config } from "./api.js";
import { renderMarkdown } from "./markdown.js";
import { $, el } from "./ui.js";

// Used when an agent has no colour of its own; each carries white text at >= 4.5:1.
const PALETTE = ["#4f46e5", "#0f766e", "#b42318", "#7c3aed", "#1d4ed8", "#a21caf", "#15803d", "#9a3412"];
const hooks = { startWith: null };

export function setAgentCardHooks(next) {
  Object.assign(hooks, next);
}

function initials(name) {
  const words = (name || "?").trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0], words[1]] : [words[0] || "?"];
  return letters.map((word) => Array.from(word)[0]).join("").toUpperCase();
}

/** Relative luminance of #rrggbb (WCAG), to pick dark or light text on it. */
function luminance(hex) {
  const channel = (i) => {
    const value = parseInt(hex.slice(i, i + 2), 16) / 255;
    return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

export function avatarColor(agent) {
  const color = agent && agent.avatar_color;
  if (color && /^#[0-9a-f]{6}$/i.test(color)) return color;
  return PALETTE[Math.abs(Number(agent && agent.id) || 0) % PALETTE.length];
}

/** The agent's avatar: its emoji, else its initials, on its colour. Decorative (the name is beside it). */
export function avatarNode(agent, size = "") {
  const color = avatarColor(agent);
  const node = el("span", {
    class: `avatar${size ? ` avatar-${size}` : ""}`,
    text: (agent && agent.avatar_emoji) || initials(agent && agent.name),
    attrs: { "aria-hidden": "true" },
  });
  // A CSSOM property, not a style attribute: allowed by the CSP's style-src 'self'.
  node.style.setProperty("--avatar-bg", color);
  // White text needs luminance <= 0.18 for 4.5:1; otherwise dark text.
  node.classList.toggle("avatar-light", luminance(color) > 0.18);
  return node;
}

function starterButton(text) {
  const button = el("button", { class: "starter", text, attrs: { type: "button" } });
  button.addEventListener("click", () => hooks.startWith(text));
  return button;
}

function renderDescription(box, agent, fallback) {
  const description = (agent && agent.description) || "";
  if (description) renderMarkdown(box, description);
  else box.replaceChildren(fallback ? el("span", { class: "hint", text: fallback }) : "");
}

/** The card on an empty chat: avatar, name, description and starters. */
function renderCard(agent) {
  const card = $("agent-card");
  card.hidden = !agent;
  if (!agent) return;
  $("agent-card-avatar").replaceChildren(avatarNode(agent, "large"));
  $("agent-card-name").textContent = agent.name;
  renderDescription($("agent-card-description"), agent, "");
  const most = config.limits.starters;
  const starters = most ? (agent.starters || []).slice(0, most) : agent.starters || [];
  const list = $("agent-starters");
  list.replaceChildren(...starters.map((text) => el("li", { children: [starterButton(text)] })));
  list.hidden = !starters.length;
}

/** Show the chosen agent in the sidebar and on the empty chat. */
export function showAgent(agent) {
  $("agent-avatar").replaceChildren(agent ? avatarNode(agent) : "");
  $("agent-avatar").hidden = !(agent && agent.description);
  renderDescription($("agent-description"), agent, agent ? "" : "No agents available.");
  renderCard(agent);
}

// ---- the editor's card fields ---------------------------------------------------------------

/** One input per starter the server allows (without config.json: one per starter, at least one). */
function starterInputs(count) {
  const box = $("agent-starter-inputs");
  while (box.children.length > count) box.lastElementChild.remove();
  for (let index = box.children.length + 1; index <= count; index += 1) {
    const attrs = { id: `agent-starter-${index}`, "aria-label": `Starter ${index}` };
    box.append(el("input", { class: "agent-starter-input", attrs }));
  }
  $("agent-starters-legend").textContent = `Conversation starters (up to ${count})`;
}

/** Fill the agent editor's card fields from `agent` (null: a new agent). */
export function fillCardFields(agent) {
  $("agent-description-input").value = (agent && agent.description) || "";
  const starters = (agent && agent.starters) || [];
  starterInputs(config.limits.starters || Math.max(starters.length, 1));
  document.querySelectorAll(".agent-starter-input").forEach((input, index) => {
    input.value = starters[index] || "";
  });
  $("agent-emoji").value = (agent && agent.avatar_emoji) || "";
  $("agent-color-custom").checked = Boolean(agent && agent.avatar_color);
  $("agent-color").value = (agent && agent.avatar_color) || avatarColor(agent);
  $("agent-color").disabled = !$("agent-color-custom").checked;
  limitLength($("agent-description-input"), config.limits.description_chars);
  document.querySelectorAll(".agent-starter-input").forEach((input) => limitLength(input, config.limits.starter_chars));
  limitLength($("agent-emoji"), config.limits.avatar_emoji_chars);
}

// The limits are the server's: applied when /config.json names them, else its 422 says which.
function limitLength(input, limit) {
  if (limit) input.maxLength = limit;
  else input.removeAttribute("maxlength");
}

/** The card fields as the API takes them. */
export function cardFields() {
  const starters = [...document.querySelectorAll(".agent-starter-input")]
    .map((input) => input.value.trim())
    .filter(Boolean);
  return {
    description: $("agent-description-input").value.trim(),
    starters,
    avatar_emoji: $("agent-emoji").value.trim() || null,
    avatar_color: $("agent-color-custom").checked ? $("agent-color").value : null,
  };
}

export function wireCardFields() {
  $("agent-color-custom").addEventListener("change", (event) => {
    $("agent-color").disabled = !event.target.checked;
  });
}
