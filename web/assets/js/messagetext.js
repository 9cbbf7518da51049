// The one place a message's text is put on the page: every bubble, streamed or stored, goes
// through here. AI replies are rendered as (sanitised) Markdown, what people type stays text.

import { renderMarkdown } from "./markdown.js";

export function showText(bubble, text) {
  const item = bubble.closest(".message");
  if (item && item.dataset.by === "AI") renderMarkdown(bubble, text);
  else bubble.textContent = text;
}
