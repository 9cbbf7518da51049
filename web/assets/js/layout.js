// The page around the chat: the sidebar on small screens, the composer, the provider status.

import { config } from "./api.js";
import { sendText } from "./conversation.js";
import { openaiLabel, replyEngineLabel } from "./engines.js";
import { $, el } from "./ui.js";

export function showProviders(providers) {
  const names = { openai: openaiLabel(providers), offline: "offline" };
  const label = (value) => names[value] || value || "unknown";
  const { llm, stt, tts } = providers || {};
  const same = llm === stt && stt === tts;
  const replies = replyEngineLabel(providers);
  const text = same && llm === "offline"
    ? "Offline mode: no AI model configured"
    : same
    ? `AI: ${replies}`
    : `Replies: ${replies} · Speech: ${label(stt)} · Voice: ${label(tts)}`;
  for (const box of [$("provider-status"), $("provider-status-side")]) {
    box.replaceChildren();
    if (!llm) continue;
    box.classList.toggle("offline", [llm, stt, tts].includes("offline"));
    box.append(el("span", { class: "dot", attrs: { "aria-hidden": "true" } }), el("span", { text }));
    const engine = (name) => (providers[name] && providers[name] !== "openai" ? ` (${providers[name]})` : "");
    box.title =
      `Replies: ${replies}, speech-to-text: ${label(stt)}${engine("stt_engine")}, ` +
      `text-to-speech: ${label(tts)}${engine("tts_engine")}`;
  }
}

export function openSidebar() {
  document.body.classList.add("sidebar-open");
  $("sidebar-toggle").setAttribute("aria-expanded", "true");
  $("sidebar-backdrop").hidden = false;
}

export function closeSidebar() {
  document.body.classList.remove("sidebar-open");
  $("sidebar-toggle").setAttribute("aria-expanded", "false");
  $("sidebar-backdrop").hidden = true;
}

export function wireComposer() {
  const input = $("composer-input");
  const resize = () => {
    input.rows = Math.min(8, Math.max(1, input.value.split("\n").length));
    const limit = config.limits.message_chars;
    const length = input.value.length;
    const counter = $("char-count");
    counter.textContent = length > limit * 0.8 ? `${length} / ${limit}` : "";
    counter.classList.toggle("over", length > limit);
  };
  input.addEventListener("input", resize);
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      sendText();
    }
  });
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    sendText();
  });
}

export function wireSidebar() {
  $("sidebar-toggle").addEventListener("click", () =>
    document.body.classList.contains("sidebar-open") ? closeSidebar() : openSidebar(),
  );
  $("sidebar-backdrop").addEventListener("click", closeSidebar);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && document.body.classList.contains("sidebar-open")) closeSidebar();
  });
}
