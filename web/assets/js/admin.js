// The admin page (a dialog): accounts with their usage, disable/enable, admin rights, and
// usage totals by model. Shown to admins only; the server decides and enforces who is one.

import * as paths from "./endpoints.js";
import { api } from "./api.js";
import { state } from "./state.js";
import { $, el, showFormError } from "./ui.js";

function showEntry() {
  $("admin-button").hidden = !(state.me && state.me.is_admin);
}

function userRow(user) {
  const disable = el("button", {
    class: user.disabled ? "button small" : "button small ghost danger",
    text: user.disabled ? "Enable" : "Disable",
    attrs: { type: "button", "aria-label": `${user.disabled ? "Enable" : "Disable"} ${user.username}` },
  });
  disable.addEventListener("click", () => change(user, { disabled: !user.disabled }));
  const role = el("button", {
    class: "button small ghost",
    text: user.is_admin ? "Revoke admin" : "Make admin",
    attrs: { type: "button", "aria-label": `${user.is_admin ? "Revoke admin from" : "Make admin"} ${user.username}` },
  });
  role.addEventListener("click", () => change(user, { is_admin: !user.is_admin }));
  const status = [user.is_admin ? "admin" : "user", user.disabled ? "disabled" : ""].filter(Boolean);
  return el("tr", {
    class: user.disabled ? "admin-user disabled" : "admin-user",
    attrs: { "data-username": user.username },
    children: [
      el("td", { text: user.username }),
      el("td", { class: "admin-status", text: status.join(", ") }),
      el("td", { class: "number", text: user.tokens_today.toLocaleString() }),
      el("td", { class: "number", text: user.tokens_total.toLocaleString() }),
      el("td", { class: "admin-actions", children: [disable, role] }),
    ],
  });
}

async function loadUsers() {
  const query = $("admin-search").value.trim();
  const users = await api(paths.adminUsers({ page_size: 100, q: query }));
  $("admin-users").replaceChildren(...users.map(userRow));
  $("admin-users-empty").hidden = users.length > 0;
}

function counted(number, one, many) {
  return `${number.toLocaleString()} ${number === 1 ? one : many}`;
}

/** One model's usage in its own units: tokens and replies for chat, characters read aloud for
 * speech synthesis, seconds listened to for transcription (a speech engine writes no replies). */
export function usageSentence(row) {
  const parts = [];
  if (row.llm_calls || row.tokens) {
    parts.push(`${counted(row.tokens, "token", "tokens")} in ${counted(row.llm_calls, "reply", "replies")}`);
  }
  if (row.speech_characters) parts.push(`${counted(row.speech_characters, "character", "characters")} spoken`);
  if (row.speech_seconds) parts.push(`${counted(row.speech_seconds, "second", "seconds")} of speech transcribed`);
  if (row.embedding_calls) {
    parts.push(`${counted(row.embedding_tokens, "token", "tokens")} embedded in ${counted(row.embedding_calls, "call", "calls")}`);
  }
  return `${row.key}: ${parts.join("; ") || "no usage"}`;
}

async function loadTotals() {
  const totals = await api(paths.adminUsage({ group_by: "model", days: 30 }));
  const rows = totals.map((row) => el("li", { text: usageSentence(row) }));
  $("admin-usage").replaceChildren(...(rows.length ? rows : [el("li", { text: "No usage yet." })]));
}

async function loadToolServers() {
  const servers = await api(paths.adminToolServers());
  const rows = servers.map((server) => {
    const state = server.connected ? "connected" : "not connected";
    const error = server.last_error ? ` · last error: ${server.last_error}` : "";
    const text = `${server.name} (${server.transport}): ${state}, ${server.tool_count} tools${error}`;
    return el("li", { class: server.connected ? "" : "tool-server-down", text });
  });
  $("admin-tool-servers").replaceChildren(...(rows.length ? rows : [el("li", { text: "No tool servers configured." })]));
}

async function change(user, changes) {
  showFormError("admin-error", "");
  try {
    await api(paths.adminUser(user.id), { method: "PATCH", json: changes });
    await loadUsers();
  } catch (error) {
    showFormError("admin-error", error.message);
  }
}

async function openAdmin() {
  showFormError("admin-error", "");
  $("admin-dialog").showModal();
  try {
    await Promise.all([loadUsers(), loadTotals(), loadToolServers()]);
  } catch (error) {
    showFormError("admin-error", error.message);
  }
}

let searchTimer = null;

export function setupAdmin() {
  $("admin-button").addEventListener("click", openAdmin);
  $("admin-search").addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => loadUsers().catch((e) => showFormError("admin-error", e.message)), 250);
  });
  // loadMe() rewrites the account name whenever the caller changes; follow it.
  new MutationObserver(showEntry).observe($("account-name"), {
    childList: true,
    characterData: true,
    subtree: true,
  });
}
