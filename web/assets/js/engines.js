// How the page names the engine that writes the replies, from /config.json's `providers`
// (`llm`: openai | local | offline; `llm_engine` and `llm_model` say which one exactly;
// `openai_server`: the host an `openai` stage talks to: api.openai.com, or another server
// speaking its API, from OPENAI_BASE_URL).

/** How an `openai` stage is named: OpenAI itself, or the OpenAI-compatible server it talks to. */
export function openaiLabel(providers) {
  const server = providers && providers.openai_server;
  return !server || server === "api.openai.com" ? "OpenAI" : `OpenAI-compatible (${server})`;
}

const REPLY_ENGINES = {
  openai: (model, providers) => openaiLabel(providers),
  "local-server": (model) => (model ? `local server (${model})` : "local server"),
  bundled: (model) => (model ? `small local model (${model})` : "small local model"),
  none: () => "local model (not installed)",
  offline: () => "offline",
};

export function replyEngineLabel(providers) {
  const { llm, llm_engine: engine, llm_model: model } = providers || {};
  const named = REPLY_ENGINES[engine] || REPLY_ENGINES[llm];
  return named ? named(model, providers) : llm || "unknown";
}
