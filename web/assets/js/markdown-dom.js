// What rendered Markdown gets once it is DOM: links open in a new tab without handing over the
// page, code blocks get a Copy button, wide tables and code scroll on their own (by keyboard too).

import { el, toast } from "./ui.js";

function language(pre) {
  const code = pre.querySelector("code");
  const match = code && /\blanguage-([\w+#.-]+)/.exec(code.className);
  return match ? match[1] : "";
}

async function copyCode(button, pre) {
  try {
    await navigator.clipboard.writeText(pre.textContent);
    button.textContent = "Copied";
    toast("Code copied.");
    setTimeout(() => {
      button.textContent = "Copy";
    }, 2000);
  } catch {
    toast("The browser did not allow copying. Select the code and copy it instead.");
  }
}

function wrapCode(pre) {
  const lang = language(pre);
  const block = el("div", { class: "code-block" });
  const head = el("div", { class: "code-head" });
  head.append(el("span", { class: "code-lang", text: lang || "code" }));
  const button = el("button", {
    class: "button small ghost copy-code",
    text: "Copy",
    attrs: { type: "button", "aria-label": lang ? `Copy ${lang} code` : "Copy code" },
  });
  button.addEventListener("click", () => copyCode(button, pre));
  head.append(button);
  pre.replaceWith(block);
  pre.setAttribute("tabindex", "0");
  block.append(head, pre);
}

function wrapTable(table) {
  const box = el("div", { class: "table-scroll", attrs: { tabindex: "0", role: "region", "aria-label": "Table" } });
  table.replaceWith(box);
  box.append(table);
}

/** Finish a sanitized fragment in place. */
export function decorate(fragment) {
  fragment.querySelectorAll("a[href]").forEach((link) => {
    link.setAttribute("target", "_blank");
    link.setAttribute("rel", "noopener noreferrer");
  });
  fragment.querySelectorAll("pre").forEach(wrapCode);
  fragment.querySelectorAll("table").forEach(wrapTable);
}
