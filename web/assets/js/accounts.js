// The account: who is signed in (a guest or a user), signing up, logging in and out.

import * as paths from "./endpoints.js";
import * as client from "./api.js";
import { api, config } from "./api.js";
import { showError } from "./banner.js";
import { state } from "./state.js";
import { $, showFormError, toast } from "./ui.js";

const hooks = { reloadEverything: async () => {} };

export async function loadMe() {
  state.me = await api(paths.authMe());
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
  applyAccountRules(register);
  showFormError("auth-error", "");
  $("auth-dialog").showModal();
  $("auth-username").focus();
}

/** The inputs' limits and the hint, from the rules the API checks (config.json's `accounts`). */
function applyAccountRules(register) {
  const rules = config.accounts;
  const username = $("auth-username");
  const password = $("auth-password");
  setLimit(username, "minlength", register && rules.username_min_chars);
  setLimit(username, "maxlength", rules.username_max_chars);
  setLimit(username, "pattern", rules.username_pattern && htmlPattern(rules.username_pattern));
  setLimit(password, "minlength", register && rules.password_min_chars);
  setLimit(password, "maxlength", rules.password_max_chars);
  $("auth-hint").textContent = register ? accountHint(rules) : "";
}

function setLimit(input, attribute, value) {
  if (value) input.setAttribute(attribute, String(value));
  else input.removeAttribute(attribute);
}

/** A JSON Schema pattern (^...$) as an HTML `pattern`: anchored already, and compiled with the
 * `v` flag, where a literal "-" in a character class must be escaped. */
function htmlPattern(pattern) {
  return pattern.replace(/^\^/, "").replace(/\$$/, "").replace(/([^\\])-\]/g, "$1\\-]");
}

function accountHint(rules) {
  if (!rules.username_min_chars) return "";
  const name = `${rules.username_min_chars}–${rules.username_max_chars} ${rules.username_characters}`;
  return `${name}; a password of at least ${rules.password_min_chars} characters.`;
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
