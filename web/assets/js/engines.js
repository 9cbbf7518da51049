// How the page names the engine that writes the replies, from /config.json's `providers`
// (`llm`: openai | local | offline; `llm_engine` and `llm_model` say which one exactly).

const REPLY_ENGINES = {
  openai: () => "OpenAI",
  "local-server": (model) => (model ? `local server (${model})` : "local server"),
  bundled: (model) => (model ? `small local model (${model})` : "small local model"),
  none: () => "local model (not installed)",
  offline: () => "offline",
};

export function replyEngineLabel(providers) {
  const { llm, llm_engine: engine, llm_model: model } = providers || {};
  const named = REPLY_ENGINES[engine] || REPLY_ENGINES[llm];
  return named ? named(model) : llm || "unknown";
}
