// The open chat: history, sending text (streamed, with a plain fallback), errors with Retry.
// Nothing the user typed or recorded is dropped on failure. Messages live in the thread's
// state (thread.js); every change is followed by renderMessages() (messagelist.js).

import { ApiError, api, config, pagination, send, streamUnavailable } from "./api.js";
import { hideError, kept, readableError, showError } from "./banner.js";
import * as paths from "./endpoints.js";
import { renderMessages } from "./messagelist.js";
import { replyEnded, replyStarted, resumePending } from "./messageactions.js";
import { readEvents } from "./sse.js";
import { isToolEvent, withToolStep } from "./toolsteps.js";
import { state } from "./state.js";
import { addMessage, appendText, itemById, prependOlder, removeItem, resetThread, settle, thread } from "./thread.js";
import { $ } from "./ui.js";

const PAGE_SIZE = 30;
const hooks = { ensureChat: null, chatsChanged: null };
export const conversationHooks = hooks;
let shownChatId = null; // the chat whose messages the thread holds

export function setConversationHooks(next) {
  Object.assign(hooks, next);
}

export function setTyping(on) {
  thread.typing = on;
  renderMessages();
}

export function clearMessages() {
  shownChatId = null;
  resetThread();
  renderMessages();
  $("load-older").hidden = true;
  hideError();
}

function historyPage(chatId, page) {
  return send(paths.chatMessages(chatId, { tail: true, page, page_size: PAGE_SIZE }));
}

/** Load the newest page of a chat (shown oldest first). Reloading the chat that is shown
 * keeps its messages in sight until the new page replaces them (nodes are reused). */
export async function openHistory(chatId) {
  const seq = ++state.openSeq;
  if (!chatId || chatId !== shownChatId) clearMessages();
  else hideError();
  state.olderPage = 1;
  state.totalPages = 1;
  if (!chatId) return;
  const response = await historyPage(chatId, 1);
  const messages = await response.json();
  if (seq !== state.openSeq) return;
  state.totalPages = pagination(response).total_pages || 1;
  shownChatId = chatId;
  resetThread(messages);
  renderMessages();
  $("load-older").hidden = state.olderPage >= state.totalPages;
  resumePending(chatId); // a reply still being written (e.g. after a reload) is followed
}

export async function loadOlder() {
  if (!state.chatId || state.olderPage >= state.totalPages) return;
  const seq = state.openSeq;
  const page = state.olderPage + 1;
  const button = $("load-older");
  button.disabled = true;
  try {
    const response = await historyPage(state.chatId, page);
    const messages = await response.json();
    if (seq !== state.openSeq) return;
    state.olderPage = page;
    state.totalPages = pagination(response).total_pages || state.totalPages;
    prependOlder(messages);
    renderMessages();
    button.hidden = state.olderPage >= state.totalPages;
  } catch (error) {
    showError(error.message, loadOlder);
  } finally {
    button.disabled = false;
  }
}

// ---- turns --------------------------------------------------------------------------------

export function begin() {
  state.busy = true;
  hideError();
  $("send-button").disabled = true;
  $("ptt-button").disabled = true;
}

export function finish() {
  state.busy = false;
  setTyping(false);
  $("send-button").disabled = false;
  $("ptt-button").disabled = $("ptt-button").classList.contains("unsupported");
}

function restoreText(text) {
  const input = $("composer-input");
  input.value = input.value ? `${text}\n${input.value}` : text;
  input.dispatchEvent(new Event("input"));
}

/** Send the composer's text; the reply streams in (falls back to the plain API). */
export async function sendText() {
  const input = $("composer-input");
  const text = input.value.trim();
  if (!text || state.busy) return;
  if (text.length > config.limits.message_chars) {
    showError(`Messages can be at most ${config.limits.message_chars} characters; this one has ${text.length}.`);
    return;
  }
  input.value = "";
  input.dispatchEvent(new Event("input"));
  await textTurn(text);
}

/** Ask the user's message to be shown (pending until the server stores it). */
export function askQuestion(content, view = {}) {
  const question = addMessage({ message_by: "USER", content }, { pending: true, ...view });
  renderMessages();
  return question;
}

async function textTurn(text) {
  begin();
  const turn = { text, question: askQuestion(text), chatId: null, started: false };
  try {
    turn.chatId = (await hooks.ensureChat()).id;
    shownChatId = turn.chatId;
    await streamTurn(turn);
    hooks.chatsChanged();
  } catch (error) {
    turnFailed(error, turn, () => textTurn(text));
  } finally {
    finish();
  }
}

async function streamTurn(turn) {
  let response;
  try {
    response = await send(paths.voiceStream(turn.chatId), {
      method: "POST",
      json: { content: turn.text },
      headers: { Accept: "text/event-stream" },
      base: config.voiceUrl,
    });
  } catch (error) {
    if (!streamUnavailable(error)) throw error;
    return plainTurn(turn);
  }
  turn.started = true;
  replyStarted(turn.chatId, Number(response.headers.get("X-AI-Message-Id")));
  setTyping(true);
  try {
    await showReplyEvents(response, turn);
  } finally {
    replyEnded();
  }
}

/** The streamed reply's events into the thread, until `done` (or an error is thrown). */
async function showReplyEvents(response, turn) {
  let reply = null;
  try {
    for await (const { event, data } of readEvents(response)) {
      if (event === "delta") {
        reply = reply || addMessage({ message_by: "AI", content: "" }, { pending: true });
        appendText(reply, data.content || "");
        renderMessages();
      } else if (isToolEvent(event)) {
        reply = reply || addMessage({ message_by: "AI", content: "" }, { pending: true });
        reply.message = withToolStep(reply.message, event, data);
        renderMessages();
      } else if (event === "done") {
        settle(turn.question, data.user_message);
        if (reply) settle(reply, data.ai_message);
        else addMessage(data.ai_message);
        renderMessages();
        return;
      } else if (event === "error") {
        throw new ApiError(data.code || 502, data, null);
      }
    }
  } catch (error) {
    dropReply(reply);
    throw error instanceof ApiError ? error : interrupted();
  }
  dropReply(reply);
  throw interrupted();
}

function dropReply(reply) {
  if (!reply) return;
  removeItem(reply);
  renderMessages();
}

function interrupted() {
  const error = new ApiError(0, { message: "The reply was interrupted before it finished." }, null);
  error.interrupted = true;
  return error;
}

async function plainTurn(turn) {
  setTyping(true);
  const data = await api(paths.chatMessages(turn.chatId), { method: "POST", json: { content: turn.text } });
  settle(turn.question, data.user_message);
  addMessage(data.ai_message);
  renderMessages();
}

/**
 * A turn failed. If the server kept the user's message, Retry asks for the reply again;
 * otherwise the message goes back where it came from and Retry sends it again.
 */
export function turnFailed(error, turn, resend) {
  const { question } = turn;
  if (kept(error) || (turn.started && error.interrupted)) {
    if (kept(error)) settle(question, { ...question.message, id: error.errors.user_message_id });
    else question.view = { ...question.view, pending: false };
    renderMessages();
    const sendAgain = () => {
      removeItem(question);
      renderMessages();
      resend();
    };
    showError(`${readableError(error)} Your message was kept.`, () => retryReply(turn.chatId, sendAgain));
    return;
  }
  removeItem(question);
  renderMessages();
  if (turn.text !== undefined) restoreText(turn.text);
  showError(readableError(error), resend);
}

export async function retryReply(chatId, resend) {
  begin();
  setTyping(true);
  let nothingToRetry = false;
  try {
    const data = await api(paths.retryReply(chatId), { method: "POST" });
    const shown = itemById(data.ai_message.id); // a failed reply shown from history is answered in place
    if (shown) settle(shown, data.ai_message);
    else addMessage(data.ai_message);
    renderMessages();
    hooks.chatsChanged();
  } catch (error) {
    // 409: nothing stored was left unanswered, so the message itself never arrived: send again.
    if (error.status === 409) nothingToRetry = true;
    else showError(readableError(error), () => retryReply(chatId, resend));
  } finally {
    finish();
  }
  if (nothingToRetry) resend();
}
