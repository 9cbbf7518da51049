// The page: wires the account, agents, chats, the conversation and push-to-talk together.

import { loadMe, wireAccounts } from "./accounts.js";
import { loadAgents, selectAgent, wireAgents } from "./agents.js";
import * as client from "./api.js";
import { config } from "./api.js";
import { setupChatUx } from "./chat-ux.js";
import { ensureChat, loadChats, openChat, refreshChats, wireChats } from "./chats.js";
import { hideError, retryLastFailure, showError } from "./banner.js";
import { loadOlder, openHistory, setConversationHooks } from "./conversation.js";
import { closeSidebar, showProviders, wireComposer, wireSidebar } from "./layout.js";
import { setActionHooks, wireMessageActions } from "./messageactions.js";
import { setupAdmin } from "./admin.js";
import { setupHandsFree } from "./handsfree.js";
import { setupPushToTalk } from "./ptt.js";
import { setupUsageNotice } from "./usage.js";
import { state } from "./state.js";
import { $, toast, wireDialogCloseButtons } from "./ui.js";

function wire() {
  wireDialogCloseButtons();
  wireComposer();
  wireSidebar();
  wireAccounts(reloadEverything);
  wireAgents();
  wireChats();
  $("load-older").addEventListener("click", loadOlder);
  $("error-retry").addEventListener("click", retryLastFailure);
  $("error-dismiss").addEventListener("click", hideError);
  setupPushToTalk();
  setupHandsFree();
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
