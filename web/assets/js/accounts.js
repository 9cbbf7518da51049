// The account: who is signed in (a guest or a user), signing up, logging in and out.

import * as client from "./api.js";
import { api } from "./api.js";
import { showError } from "./conversation.js";
import { state } from "./state.js";
import { $, showFormError, toast } from "./ui.js";

const hooks = { reloadEverything: async () => {} };

export async function loadMe() {
  state.me = await api("/api/auth/me");
  const guest = state.me.is_guest;
  $("account-name").textContent = guest ? "Guest" : state.me.username;
  $("account-name").classList.toggle("guest", guest);
  $("login-button").hidden = !guest;
  $("register-button").hidden = !guest;
  $("logout-button").hidden = guest;
  $("new-agent-button").disabled = guest;
  $("new-agent-button").title = guest ? "Sign up to create agents" : "";
  $("guest-agent-hint").hidden = !guest;
}

let authMode = "login";

function openAuth(mode) {
  authMode = mode;
  const register = mode === "register";
  $("auth-title").textContent = register ? "Create an account" : "Log in";
  $("auth-submit").textContent = register ? "Sign up" : "Log in";
  $("auth-switch").textContent = register ? "Have an account? Log in" : "Need an account? Sign up";
  $("auth-password").autocomplete = register ? "new-password" : "current-password";
  $("auth-password").minLength = register ? 8 : 0;
  $("auth-hint").textContent = register
    ? "3–64 letters, digits, '.', '_' or '-'; a password of at least 8 characters."
    : "";
  showFormError("auth-error", "");
  $("auth-dialog").showModal();
  $("auth-username").focus();
}

async function submitAuth(event) {
  event.preventDefault();
  const username = $("auth-username").value.trim();
  const password = $("auth-password").value;
  const submit = $("auth-submit");
  submit.disabled = true;
  try {
    const kept = authMode === "register"
      ? await client.register(username, password)
      : await client.login(username, password);
    $("auth-dialog").close();
    $("auth-form").reset();
    await hooks.reloadEverything();
    const greeting = authMode === "register" ? `Welcome, ${state.me.username}!` : `Logged in as ${state.me.username}.`;
    toast(`${greeting}${keptSentence(kept)}`, kept ? 6 : 4);
  } catch (error) {
    showFormError("auth-error", error.message);
  } finally {
    submit.disabled = false;
  }
}

function keptSentence(kept) {
  if (!kept) return "";
  return kept === 1 ? " Your guest chat was kept." : ` Your ${kept} guest chats were kept.`;
}

async function logout() {
  await client.logout();
  await hooks.reloadEverything();
  toast("Logged out. You are chatting as a guest.");
}

/** Buttons and the sign-in dialog; `reloadEverything` runs after the account changes. */
export function wireAccounts(reloadEverything) {
  hooks.reloadEverything = reloadEverything;
  $("login-button").addEventListener("click", () => openAuth("login"));
  $("register-button").addEventListener("click", () => openAuth("register"));
  $("auth-switch").addEventListener("click", () => openAuth(authMode === "login" ? "register" : "login"));
  $("auth-form").addEventListener("submit", submitAuth);
  $("logout-button").addEventListener("click", () => logout().catch((e) => showError(e.message)));
}
