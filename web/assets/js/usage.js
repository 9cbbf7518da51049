// A quiet notice of the caller's remaining token budget, shown only near the limit. The
// numbers come from GET /api/usage; it refreshes when the caller or the messages change.

import * as paths from "./endpoints.js";
import { api } from "./api.js";
import { $ } from "./ui.js";

const NEAR_LIMIT = 0.2; // show the notice once less than a fifth of a budget is left
const LABELS = { user: "your daily budget", guest: "the guest daily budget", guest_ip: "your network's guest budget" };

function resetTime(iso) {
  return iso ? new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "";
}

/** The budget closest to its limit, or null when none is limited. */
export function tightest(budgets) {
  const limited = budgets.filter((budget) => budget.limit);
  limited.sort((a, b) => a.remaining / a.limit - b.remaining / b.limit);
  return limited[0] || null;
}

export function noticeText(budget) {
  if (!budget || budget.remaining / budget.limit >= NEAR_LIMIT) return "";
  const label = LABELS[budget.name] || "your budget";
  const resets = resetTime(budget.resets_at);
  if (budget.remaining <= 0) return `You have used ${label}; it resets at ${resets}.`;
  return `${budget.remaining.toLocaleString()} tokens left in ${label} (resets at ${resets}).`;
}

async function refreshUsage() {
  const notice = $("usage-notice");
  try {
    const usage = await api(paths.usage());
    notice.textContent = noticeText(tightest(usage.budgets));
  } catch {
    notice.textContent = ""; // the notice is a courtesy; a failed check shows nothing
  }
  notice.hidden = !notice.textContent;
}

let timer = null;

function soon() {
  clearTimeout(timer);
  timer = setTimeout(refreshUsage, 400);
}

export function setupUsageNotice() {
  const watch = new MutationObserver(soon);
  watch.observe($("messages"), { childList: true });
  watch.observe($("account-name"), { childList: true, characterData: true, subtree: true });
}
