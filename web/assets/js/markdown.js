// Markdown in AI replies and agent descriptions. Three layers, each enough on its own for the
// worst cases: marked's renderer here writes raw HTML back as text and only http(s)/mailto links,
// DOMPurify then keeps a short list of passive tags and attributes, and the result goes into the
// page as DOM nodes (the CSP forbids inline script and style anyway).

import DOMPurify from "../vendor/dompurify/purify.es.js";
import hljs from "../vendor/highlight/highlight.min.js";
import { Marked } from "../vendor/marked/marked.esm.js";
import { decorate } from "./markdown-dom.js";

const SAFE_PROTOCOLS = new Set(["http:", "https:", "mailto:"]);

const PURIFY = {
  ALLOWED_TAGS: [
    "a", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "li",
    "ol", "p", "pre", "span", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
  ],
  ALLOWED_ATTR: ["href", "title", "class", "start", "align"],
  ALLOWED_URI_REGEXP: /^(?:https?:|mailto:)/i,
  ALLOW_DATA_ATTR: false,
  RETURN_DOM_FRAGMENT: true,
};

export function escapeHtml(text) {
  return String(text)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** The URL when it is absolute and http(s) or mailto; null for javascript:, data:, relative… */
export function safeUrl(href) {
  try {
    const url = new URL(href);
    return SAFE_PROTOCOLS.has(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

function highlighted(code, lang) {
  const language = (lang || "").trim().split(/\s+/)[0].toLowerCase();
  if (language && hljs.getLanguage(language)) {
    const html = hljs.highlight(code, { language, ignoreIllegals: true }).value;
    return `<code class="hljs language-${escapeHtml(language)}">${html}</code>`;
  }
  return `<code class="hljs">${escapeHtml(code)}</code>`;
}

const renderer = {
  // HTML written in a message is shown literally, as text.
  html({ text }) {
    return escapeHtml(text);
  },
  code({ text, lang }) {
    return `<pre>${highlighted(text.replace(/\n$/, ""), lang)}</pre>\n`;
  },
  link({ href, title, tokens }) {
    const label = this.parser.parseInline(tokens);
    const url = safeUrl(href);
    if (!url) return label;
    const titled = title ? ` title="${escapeHtml(title)}"` : "";
    return `<a href="${escapeHtml(url)}"${titled}>${label}</a>`;
  },
  // Images are never loaded (a reply must not be able to track its reader): a link instead.
  image({ href, text }) {
    const url = safeUrl(href);
    const label = escapeHtml(text || href);
    if (!url || url.startsWith("mailto:")) return label;
    return `<a class="image-link" href="${escapeHtml(url)}">${label || "image"}</a>`;
  },
  checkbox({ checked }) {
    return checked ? "☑ " : "☐ ";
  },
};

const markdown = new Marked({ gfm: true, breaks: true, async: false });
markdown.use({ renderer });

function fragmentFrom(tokens) {
  const html = markdown.parser(tokens);
  const fragment = DOMPurify.sanitize(html, PURIFY);
  decorate(fragment);
  return fragment;
}

const streams = new WeakMap(); // element -> its streamMarkdown() renderer, while one runs

/** Render Markdown text into element (replacing its content), safely. */
const sources = new WeakMap();

/** The Markdown an element was last rendered from (unchanged text is not rendered again). */
export function sourceOf(element) {
  return sources.get(element);
}

export function renderMarkdown(element, text) {
  const stream = streams.get(element);
  if (stream) stream.cancel(); // the full text wins over a frame still waiting
  sources.set(element, String(text || ""));
  element.classList.add("markdown");
  element.replaceChildren(fragmentFrom(markdown.lexer(normalize(text))));
}

function normalize(text) {
  return String(text || "").replace(/\r\n?/g, "\n");
}

function lastContentIndex(tokens) {
  for (let index = tokens.length - 1; index >= 0; index -= 1) {
    if (tokens[index].type !== "space") return index;
  }
  return 0;
}

/**
 * Markdown for a reply that grows. Blocks before the last one are finished: they are rendered
 * once and kept; only the last block is lexed and rendered again, at most once per animation
 * frame, so a long reply costs about what it would cost rendered once. `view` (optional)
 * keeps the reply in sight: {nearBottom() -> bool, scrollToBottom()}.
 */
class MarkdownStream {
  constructor(element, view) {
    this.element = element;
    this.view = view;
    this.text = "";
    this.done = 0; // characters of `text` already rendered as finished blocks
    this.tail = []; // the nodes of the last, unfinished block
    this.frame = 0;
    element.classList.add("markdown");
    element.replaceChildren();
    streams.set(element, this);
  }

  append(delta) {
    this.text += normalize(delta);
    if (!this.frame) this.frame = requestAnimationFrame(() => this.flush());
  }

  flush() {
    this.frame = 0;
    const stick = this.view && this.view.nearBottom();
    const rest = this.text.slice(this.done);
    const tokens = markdown.lexer(rest);
    const last = lastContentIndex(tokens);
    const finishedRaw = tokens.slice(0, last).map((token) => token.raw).join("");
    this.tail.forEach((node) => node.remove());
    if (last > 0 && rest.startsWith(finishedRaw)) {
      this.element.append(fragmentFrom(tokens.splice(0, last)));
      this.done += finishedRaw.length;
    }
    const fragment = fragmentFrom(tokens);
    this.tail = [...fragment.childNodes];
    this.element.append(fragment);
    if (stick) this.view.scrollToBottom();
  }

  /** The whole reply is known: render it once in full (links defined late, loose lists). */
  finish(full = this.text) {
    renderMarkdown(this.element, full);
  }

  cancel() {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
    streams.delete(this.element);
  }
}

export function streamMarkdown(element, view = null) {
  return new MarkdownStream(element, view);
}
