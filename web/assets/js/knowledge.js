// Knowledge files in the agent editor (owners and admins): drop or pick files, see each one's
// status live (queued → processing → ready or failed), delete; and the citations shown under
// a reply that was answered from them.

import * as paths from "./endpoints.js";
import { api, send } from "./api.js";
import { $, confirmAction, el, toast } from "./ui.js";

const POLL_MS = 1000;
let agentId = null;
let timer = null;

const filesPath = (id) => `${paths.agent(id)}/files`;

/** Show the Files section for `agent` when the caller may change it (else hide it). */
export function showKnowledge(agent, editable) {
  agentId = agent && editable ? agent.id : null;
  $("agent-files").hidden = agentId === null;
  $("agent-file-list").replaceChildren();
  stopPolling();
  if (agentId !== null) refresh();
}

export function stopPolling() {
  clearTimeout(timer);
  timer = null;
}

async function refresh() {
  const id = agentId;
  if (id === null) return;
  let files = [];
  try {
    files = await api(`${filesPath(id)}?page_size=100`);
  } catch (error) {
    $("agent-files-error").textContent = error.message;
    $("agent-files-error").hidden = false;
    return;
  }
  if (id !== agentId) return;
  $("agent-file-list").replaceChildren(...files.map(fileRow));
  const busy = files.some((file) => file.status === "queued" || file.status === "processing");
  stopPolling();
  if (busy && $("agent-dialog").open) timer = setTimeout(refresh, POLL_MS);
}

function fileRow(file) {
  const status = file.status === "ready" ? `ready · ${file.chunks} passages` : file.status;
  const remove = el("button", { class: "button ghost small", text: "Delete", attrs: { type: "button", "aria-label": `Delete ${file.name}` } });
  remove.addEventListener("click", () => removeFile(file));
  return el("li", {
    class: `agent-file status-${file.status}`,
    attrs: { "data-file-id": file.id, "data-status": file.status },
    children: [
      el("span", { class: "agent-file-name", text: file.name }),
      el("span", { class: "agent-file-status", text: status, attrs: { role: "status" } }),
      file.status === "processing" ? el("progress", { attrs: { "aria-label": `Reading ${file.name}` } }) : null,
      file.error ? el("span", { class: "agent-file-error", text: file.error }) : null,
      remove,
    ],
  });
}

async function upload(files) {
  const id = agentId;
  if (id === null) return;
  $("agent-files-error").hidden = true;
  for (const file of files) {
    const form = new FormData();
    form.append("file", file, file.name);
    try {
      await send(filesPath(id), { method: "POST", body: form });
    } catch (error) {
      $("agent-files-error").textContent = `${file.name}: ${error.message}`;
      $("agent-files-error").hidden = false;
    }
  }
  await refresh();
}

async function removeFile(file) {
  if (!(await confirmAction(`Delete “${file.name}”?`, "The agent stops answering from it."))) return;
  await api(`${filesPath(agentId)}/${file.id}`, { method: "DELETE" });
  toast("File deleted.");
  await refresh();
}

export function wireKnowledge() {
  const zone = $("agent-drop");
  const input = $("agent-file-input");
  input.addEventListener("change", () => {
    upload([...input.files]);
    input.value = "";
  });
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("dragging");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("dragging");
    upload([...event.dataTransfer.files]);
  });
  $("agent-dialog").addEventListener("close", stopPolling);
}

/** The citations under a reply answered from an agent's files (collapsible, with snippets). */
export function showCitations(node, message) {
  const sources = (message && message.sources) || [];
  const old = node.querySelector(".citations");
  if (old && old.dataset.for === String(message.id) && old.dataset.count === String(sources.length)) return;
  if (old) old.remove();
  if (!sources.length) return;
  const items = sources.map((source, index) =>
    el("li", {
      children: [
        el("span", { class: "citation-file", text: `[${index + 1}] ${source.file_name}` }),
        el("span", { class: "citation-where", text: ` · passage ${source.chunk + 1}` }),
        source.snippet ? el("blockquote", { class: "citation-snippet", text: source.snippet }) : null,
      ],
    }),
  );
  const box = el("details", {
    class: "citations",
    attrs: { "data-for": message.id, "data-count": sources.length },
    children: [el("summary", { text: `Sources (${sources.length})` }), el("ol", { children: items })],
  });
  node.querySelector(".bubble").after(box);
}
