// Wires the chat UX features (search, export/import, agent cards, dialogs) to the page's
// own actions, so app.js only hands its functions over once.

import { showError } from "./banner.js";
import { sendText } from "./conversation.js";
import { setAgentCardHooks, wireCardFields } from "./agent-card.js";
import { setupDialogs } from "./dialogs.js";
import { setupSearch } from "./search.js";
import { state } from "./state.js";
import { setupTransfer } from "./transfer.js";
import { $ } from "./ui.js";

function startWith(text) {
  const input = $("composer-input");
  input.value = text;
  input.dispatchEvent(new Event("input"));
  sendText();
}

/** `app` = {selectAgent(id), openChat(id), loadChats(), closeSidebar()}. */
export function setupChatUx(app) {
  const openChatOf = async (chat) => {
    app.closeSidebar();
    if (chat.agent_id !== state.agentId) await app.selectAgent(chat.agent_id);
    await app.openChat(chat.id);
  };
  const guarded = (action) => (...args) => action(...args).catch((error) => showError(error.message));
  setupDialogs();
  wireCardFields();
  setAgentCardHooks({ startWith });
  setupSearch({ openChat: guarded(openChatOf), selectAgent: guarded(app.selectAgent) });
  setupTransfer({
    showError,
    chatsChanged: async (chats) => {
      await app.loadChats();
      if (chats[0]) await openChatOf(chats[0]);
    },
  });
}
