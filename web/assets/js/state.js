// What the page currently shows, shared by the modules.

export const state = {
  me: null, // {id, username, is_admin, is_guest}
  agents: [],
  agentId: null,
  chats: [],
  chatId: null,
  busy: false, // a turn is in flight
  olderPage: 1, // the newest history page loaded so far (tail pagination)
  totalPages: 1,
  openSeq: 0, // bumps on every chat switch so late responses for an old chat are ignored
};

export function currentAgent() {
  return state.agents.find((agent) => agent.id === state.agentId) || null;
}

export function currentChat() {
  return state.chats.find((chat) => chat.id === state.chatId) || null;
}

export function mayEdit(agent) {
  if (agent && typeof agent.can_edit === "boolean") return agent.can_edit; // the server decides
  const me = state.me;
  return Boolean(me && agent && !me.is_guest && (me.is_admin || agent.owner_id === me.id));
}
