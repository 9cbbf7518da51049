// The one place a message's text is put on the page: every bubble, streamed or stored, goes
// through showText (so rendering, e.g. Markdown for AI replies, hooks in here once).

export function showText(bubble, text) {
  bubble.textContent = text;
}
