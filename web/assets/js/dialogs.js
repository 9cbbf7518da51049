// Dialogs keep the keyboard inside while open (Tab and Shift+Tab wrap around) and give focus
// back to what had it when they close. Every <dialog> on the page gets this once at start.

const FOCUSABLE =
  "a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), select:not([disabled]), " +
  "textarea:not([disabled]), [tabindex]:not([tabindex='-1'])";

function focusables(dialog) {
  return [...dialog.querySelectorAll(FOCUSABLE)].filter((node) => !node.closest("[hidden]") && node.offsetParent);
}

function trapTab(dialog, event) {
  if (event.key !== "Tab") return;
  const items = focusables(dialog);
  if (!items.length) return;
  const first = items[0];
  const last = items[items.length - 1];
  const inside = dialog.contains(document.activeElement);
  if (event.shiftKey && (document.activeElement === first || !inside)) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && (document.activeElement === last || !inside)) {
    event.preventDefault();
    first.focus();
  }
}

let lastOutside = null; // the element that had focus before a dialog opened

export function setupDialogs() {
  document.addEventListener("focusin", (event) => {
    if (!event.target.closest("dialog")) lastOutside = event.target;
  });
  document.querySelectorAll("dialog").forEach((dialog) => {
    dialog.addEventListener("keydown", (event) => trapTab(dialog, event));
    dialog.addEventListener("close", () => {
      const lost = !document.activeElement || document.activeElement === document.body || dialog.contains(document.activeElement);
      if (lost && lastOutside && lastOutside.isConnected) lastOutside.focus();
    });
  });
}

/** Open a modal dialog with the focus on `focus` (else its first control). */
export function openDialog(dialog, focus = null) {
  dialog.showModal();
  const target = focus || focusables(dialog)[0];
  if (target) target.focus();
}
