// Search (Ctrl+K): the caller's chats by title and message text (the server searches, with a
// snippet and character ranges to highlight) and the agents listed on the page by name and
// description. Server text goes in as text nodes; the highlights are <mark> elements around them.

import * as paths from "./endpoints.js";
import { pagination, send } from "./api.js";
import { openDialog } from "./dialogs.js";
import { state } from "./state.js";
import { $, el, formatTime } from "./ui.js";

const DEBOUNCE_MS = 200;
const PAGE_SIZE = 20;
const hooks = { openChat: null, selectAgent: null };
let timer = 0;
let seq = 0; // only the answer to the latest query is shown

/** `text` as a fragment with each [start, end) range (in characters, not UTF-16 units) marked. */
export function highlighted(text, ranges = []) {
  const chars = Array.from(text || "");
  const fragment = document.createDocumentFragment();
  let at = 0;
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  for (const [rawStart, rawEnd] of sorted) {
    const start = Math.max(at, Math.min(rawStart, chars.length));
    const end = Math.max(start, Math.min(rawEnd, chars.length));
    if (end === start) continue;
    if (start > at) fragment.append(chars.slice(at, start).join(""));
    fragment.append(el("mark", { text: chars.slice(start, end).join("") }));
    at = end;
  }
  if (at < chars.length) fragment.append(chars.slice(at).join(""));
  return fragment;
}

const fold = (char) => char.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
const isWordChar = (char) => /[\p{L}\p{N}]/u.test(char || "");

/** The query's words, as the server splits them (letters and digits). */
export function searchTerms(query) {
  return query.normalize("NFC").match(/[\p{L}\p{N}]+/gu) || [];
}

/** Where a term starts a word of `text`, ignoring case and accents: [[start, end], ...] in characters. */
export function matchRanges(text, query) {
  const hay = Array.from(text || "", fold);
  const ranges = [];
  for (const term of searchTerms(query)) {
    const needle = Array.from(term, fold);
    for (let i = 0; i + needle.length <= hay.length; i += 1) {
      if (isWordChar(hay[i - 1])) continue;
      if (needle.every((char, j) => hay[i + j] === char)) ranges.push([i, i + needle.length]);
    }
  }
  return ranges;
}

/** Every word of the query starts a word of the agent's name or description (like chat search). */
function agentMatches(agent, query) {
  const text = `${agent.name} ${agent.description || ""}`;
  const terms = searchTerms(query);
  return terms.length > 0 && terms.every((term) => matchRanges(text, term).length > 0);
}

function agentResult(agent, query) {
  const button = el("button", { class: "search-result", attrs: { type: "button" } });
  button.append(el("span", { class: "result-kind", text: "Agent" }));
  const name = el("span", { class: "result-title" });
  name.append(highlighted(agent.name, matchRanges(agent.name, query)));
  button.append(name);
  if (agent.description) {
    const line = el("span", { class: "result-snippet" });
    line.append(highlighted(agent.description, matchRanges(agent.description, query)));
    button.append(line);
  }
  button.addEventListener("click", () => choose(() => hooks.selectAgent(agent.id)));
  return button;
}

function chatResult(chat, query) {
  const button = el("button", { class: "search-result", attrs: { type: "button" } });
  const agent = state.agents.find((a) => a.id === chat.agent_id);
  button.append(el("span", { class: "result-kind", text: agent ? `Chat · ${agent.name}` : "Chat" }));
  const title = el("span", { class: "result-title" });
  title.append(highlighted(chat.title, chat.snippet ? [] : matchRanges(chat.title, query)));
  title.append(el("span", { class: "result-when", text: ` · ${formatTime(chat.updated_at)}` }));
  button.append(title);
  if (chat.snippet) {
    const line = el("span", { class: "result-snippet" });
    line.append(highlighted(chat.snippet.text, chat.snippet.highlights));
    button.append(line);
  }
  button.addEventListener("click", () => choose(() => hooks.openChat(chat)));
  return button;
}

function choose(action) {
  $("search-dialog").close();
  Promise.resolve(action()).catch(() => {});
}

function matchingAgents(query) {
  return state.agents.filter((agent) => agentMatches(agent, query));
}

function countText(agents, chats) {
  const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
  if (!agents && !chats) return "Nothing found.";
  return `${plural(chats, "chat")} and ${plural(agents, "agent")} found.`;
}

const found = { query: "", page: 1, totalPages: 1 }; // the chat results shown so far

async function fetchChats(query, page) {
  const path = paths.chats({ q: query, page, page_size: PAGE_SIZE });
  const response = await send(path);
  const chats = await response.json();
  const meta = pagination(response);
  return { chats, total: meta.total ?? chats.length, totalPages: meta.total_pages || 1 };
}

function resultGroup(label, items) {
  const group = el("ul", { class: "result-group", attrs: { "aria-label": label } });
  items.forEach((item) => group.append(el("li", { children: [item] })));
  return group;
}

function showResults(query, agents, { chats, total }) {
  const list = $("search-results");
  list.replaceChildren();
  if (agents.length) list.append(resultGroup("Agents", agents.map((agent) => agentResult(agent, query))));
  if (chats.length) list.append(resultGroup("Chats", chats.map((chat) => chatResult(chat, query))));
  $("search-more").hidden = found.page >= found.totalPages;
  $("search-status").textContent = countText(agents.length, total);
}

/** The next page of chat results, appended; the focus goes to the first new one. */
async function showMoreChats() {
  const mine = seq;
  const { chats, totalPages } = await fetchChats(found.query, found.page + 1);
  if (mine !== seq) return;
  found.page += 1;
  found.totalPages = totalPages;
  const group = $("search-results").querySelector('[aria-label="Chats"]');
  const items = chats.map((chat) => chatResult(chat, found.query));
  items.forEach((item) => group.append(el("li", { children: [item] })));
  $("search-more").hidden = found.page >= found.totalPages;
  if (items[0]) items[0].focus();
}

async function runSearch() {
  const query = $("search-input").value.trim();
  const mine = ++seq;
  $("search-more").hidden = true;
  if (!query) {
    $("search-results").replaceChildren();
    $("search-status").textContent = "Type to search your chats and the agents.";
    return;
  }
  try {
    const result = await fetchChats(query, 1);
    if (mine !== seq) return;
    Object.assign(found, { query, page: 1, totalPages: result.totalPages });
    showResults(query, matchingAgents(query), result);
  } catch (error) {
    if (mine === seq) $("search-status").textContent = `Search failed: ${error.message}`;
  }
}

export function openSearch() {
  openDialog($("search-dialog"), $("search-input"));
  $("search-input").select();
  runSearch();
}

function moveFocus(event) {
  const results = [...$("search-results").querySelectorAll(".search-result")];
  if (!results.length || !["ArrowDown", "ArrowUp"].includes(event.key)) return;
  event.preventDefault();
  const index = results.indexOf(document.activeElement);
  const step = event.key === "ArrowDown" ? 1 : -1;
  const next = index < 0 ? (step > 0 ? 0 : results.length - 1) : (index + step + results.length) % results.length;
  results[next].focus();
}

/** Wire the search box; `next` = {openChat(chat), selectAgent(agentId)}. */
export function setupSearch(next) {
  Object.assign(hooks, next);
  $("search-button").addEventListener("click", openSearch);
  $("search-input").addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(runSearch, DEBOUNCE_MS);
  });
  $("search-dialog").addEventListener("keydown", moveFocus);
  $("search-more").addEventListener("click", () =>
    showMoreChats().catch((error) => {
      $("search-status").textContent = `Search failed: ${error.message}`;
    }),
  );
  // Escape closes at once (a search field would first only clear itself).
  $("search-input").addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      $("search-dialog").close();
    }
  });
  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "k") {
      event.preventDefault();
      if (!document.querySelector("dialog[open]")) openSearch();
    }
  });
}
