// Export (one chat as Markdown or JSON, all chats as one JSON file) and import of that file.
// Downloads go through fetch (they need the bearer token), then a blob link the browser saves.

import * as paths from "./endpoints.js";
import { api, send } from "./api.js";
import { openDialog } from "./dialogs.js";
import { currentChat } from "./state.js";
import { $, toast } from "./ui.js";

const hooks = { chatsChanged: null, showError: null };

function fileName(response, fallback) {
  const disposition = response.headers.get("Content-Disposition") || "";
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  if (star) return decodeURIComponent(star[1]);
  const plain = /filename="?([^";]+)"?/i.exec(disposition);
  return plain ? plain[1] : fallback;
}

async function download(path, fallback) {
  const response = await send(path, { headers: { Accept: "*/*" } });
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName(response, fallback);
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return link.download;
}

async function exportChat(format) {
  const chat = currentChat();
  $("export-dialog").close();
  if (!chat) return;
  const extension = format === "markdown" ? "md" : "json";
  const name = await download(paths.chatExport(chat.id, format), `chat-${chat.id}.${extension}`);
  toast(`Downloaded ${name}.`);
}

async function exportAll() {
  const name = await download(paths.chatsExport(), "chats.json");
  toast(`Downloaded ${name}.`);
}

async function importFile(file) {
  const body = await file.text();
  const data = await api(paths.chatsImport(), {
    method: "POST",
    body,
    headers: { "Content-Type": "application/json" },
  });
  const count = data.imported_chats;
  toast(count === 1 ? "Imported 1 chat." : `Imported ${count} chats.`);
  await hooks.chatsChanged(data.chats || []);
}

const guarded = (action) => (...args) =>
  action(...args).catch((error) => hooks.showError(error.message));

/** Wire the export and import controls; `next` = {chatsChanged(chats), showError(message)}. */
export function setupTransfer(next) {
  Object.assign(hooks, next);
  $("chat-export").addEventListener("click", () => {
    const chat = currentChat();
    $("export-chat-name").textContent = chat ? `“${chat.title}”` : "";
    openDialog($("export-dialog"));
  });
  $("export-markdown").addEventListener("click", guarded(() => exportChat("markdown")));
  $("export-json").addEventListener("click", guarded(() => exportChat("json")));
  $("export-all").addEventListener("click", guarded(exportAll));
  $("import-button").addEventListener("click", () => $("import-file").click());
  $("import-file").addEventListener(
    "change",
    guarded(async (event) => {
      const [file] = event.target.files;
      event.target.value = "";
      if (file) await importFile(file);
    }),
  );
}

/** Export controls for the open chat exist only when a chat is open. */
export function showChatExport(chatOpen) {
  $("chat-export").hidden = !chatOpen;
}
