// Every request path the page uses, in one place: the API's (`/api/...`, sent to config.apiUrl)
// and the voice service's (`voice...`, sent to config.voiceUrl). Other modules import these
// functions and never spell a path, so a moved route is changed here only.

/** `path` with the query parameters that are set (null and undefined are left out). */
function withQuery(path, query) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== null && value !== undefined && value !== "") params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

const chatPath = (chatId) => `/api/chats/${chatId}`;
const messagePath = (chatId, messageId) => `${chatPath(chatId)}/messages/${messageId}`;
const voiceChat = (chatId) => `/voice/chats/${chatId}`;
const voiceMessage = (chatId, messageId) => `${voiceChat(chatId)}/messages/${messageId}`;

// ---- the page's configuration and the session ---------------------------------------------

export const uiConfig = () => "/config.json";
export const authGuest = () => "/api/auth/guest";
export const authRefresh = () => "/api/auth/refresh";
export const authLogin = () => "/api/auth/login";
export const authRegister = () => "/api/auth/register";
export const authLogout = () => "/api/auth/logout";
export const authMe = () => "/api/auth/me";

// ---- agents, models, usage, administration ------------------------------------------------

export const agents = (query = {}) => withQuery("/api/agents", query);
export const agent = (agentId) => `/api/agents/${agentId}`;
export const agentChats = (agentId, query = {}) => withQuery(`${agent(agentId)}/chats`, query);
export const models = () => "/api/models";
export const usage = () => "/api/usage";
export const adminUsers = (query = {}) => withQuery("/api/admin/users", query);
export const adminUser = (userId) => `/api/admin/users/${userId}`;
export const adminUsage = (query = {}) => withQuery("/api/admin/usage", query);
export const tools = () => "/api/tools";
export const adminToolServers = () => "/api/admin/tool-servers";

// ---- chats --------------------------------------------------------------------------------

export const chats = (query = {}) => withQuery("/api/chats", query);
export const chat = (chatId) => chatPath(chatId);
export const chatExport = (chatId, format) => withQuery(`${chatPath(chatId)}/export`, { format });
export const chatsExport = () => "/api/chats/export";
export const chatsImport = () => "/api/chats/import";

// ---- messages (plain API: the whole reply in one response) --------------------------------

export const chatMessages = (chatId, query = {}) => withQuery(`${chatPath(chatId)}/messages`, query);
export const retryReply = (chatId) => `${chatPath(chatId)}/messages/retry`;
export const regenerate = (chatId, messageId) => `${messagePath(chatId, messageId)}/regenerate`;
export const editMessage = (chatId, messageId) => `${messagePath(chatId, messageId)}/edit`;
export const selectVersion = (chatId, messageId) => `${messagePath(chatId, messageId)}/select`;

// ---- the voice service: streamed replies, spoken turns, speech ----------------------------

export const voiceStream = (chatId) => `${voiceChat(chatId)}/messages/stream`;
export const voiceTurn = (chatId) => `${voiceChat(chatId)}/messages`;
export const voiceRegenerate = (chatId, messageId) => `${voiceMessage(chatId, messageId)}/regenerate`;
export const voiceEdit = (chatId, messageId) => `${voiceMessage(chatId, messageId)}/edit`;
export const messageEvents = (chatId, messageId) => `${voiceMessage(chatId, messageId)}/events`;
export const stopReply = (chatId, messageId) => `${voiceMessage(chatId, messageId)}/stop`;
export const messageSpeech = (chatId, messageId) => `${voiceMessage(chatId, messageId)}/speech`;
