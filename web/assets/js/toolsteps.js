// Tool calls of a reply: one collapsible step each (name, arguments, result, time) above the
// answer, live while the reply streams. Everything a tool returned is shown as text (the
// element's textContent), never parsed as HTML or Markdown: a tool's output is data.

import { el } from "./ui.js";

const STATUS_LABEL = { ok: "done", error: "failed", timeout: "timed out" };

/** `message` with a streamed `tool_call` / `tool_result` event applied (a new object). */
export function withToolStep(message, event, data) {
  const calls = [...(message.tool_calls || [])];
  if (event === "tool_call") {
    calls.push({ id: data.id, name: data.name, arguments: data.arguments, status: "running", result: "" });
  } else {
    const index = calls.findIndex((call) => call.id === data.id);
    const ended = { status: data.status, result: data.result };
    if (index >= 0) calls[index] = { ...calls[index], ...ended };
    else calls.push({ id: data.id, name: "", arguments: null, ...ended });
  }
  return { ...message, tool_calls: calls };
}

export function isToolEvent(event) {
  return event === "tool_call" || event === "tool_result";
}

/** The steps list of a message node, kept just above its bubble (made or removed here). */
export function showToolSteps(node, bubble, calls) {
  let list = node.querySelector(":scope > .tool-steps");
  if (!calls || !calls.length) {
    if (list) list.remove();
    return;
  }
  if (!list) {
    list = el("ol", { class: "tool-steps", attrs: { "aria-label": "Tool calls" } });
    node.insertBefore(list, bubble);
  }
  const open = new Set([...list.querySelectorAll("details[open]")].map((d) => d.dataset.callId));
  list.replaceChildren(...calls.map((call) => step(call, open.has(call.id))));
}

function step(call, open) {
  const status = call.status || "running";
  const time = call.duration_ms != null ? ` · ${(call.duration_ms / 1000).toFixed(1)} s` : "";
  const summary = el("summary", {
    children: [
      el("span", { class: "tool-step-name", text: call.name || "tool" }),
      el("span", { class: `tool-step-status ${status}`, text: `${STATUS_LABEL[status] || "running…"}${time}` }),
    ],
  });
  const details = el("details", {
    class: "tool-step",
    children: [summary, section("Arguments", argumentsText(call.arguments)), section("Result", call.result || "")],
  });
  details.dataset.callId = call.id;
  details.open = open;
  return el("li", { children: [details] });
}

function section(label, text) {
  // textContent only: tool output is shown exactly as text.
  return el("div", { class: "tool-step-part", children: [el("span", { class: "hint", text: label }), el("pre", { text })] });
}

function argumentsText(value) {
  if (value == null) return "";
  return typeof value === "string" ? value : JSON.stringify(value, null, 2);
}
