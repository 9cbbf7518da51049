// Push-to-talk: hold the mic button (mouse, touch, pen) or the Space bar to record; release to
// send. Escape, or dragging the pointer off the button before release, cancels.

import { showError } from "./banner.js";
import { sendRecording } from "./voiceturn.js";
import { Recorder, recordingSupported } from "./recorder.js";
import { state } from "./state.js";
import { $, formatDuration, isTextField, toast } from "./ui.js";

const MIN_SECONDS = 0.4;
const MAX_SECONDS = 300;

const recorder = new Recorder();
// idle → starting (waiting for the microphone) → recording → idle
let ptt = { phase: "idle" };
let timer = null;

function button() {
  return $("ptt-button");
}

function showRecording(on) {
  $("recording-status").hidden = !on;
  button().classList.toggle("recording", on);
  button().setAttribute("aria-pressed", on ? "true" : "false");
  button().setAttribute("aria-label", on ? "Recording: release to send" : "Hold to talk");
  clearInterval(timer);
  if (!on) return;
  $("recording-time").textContent = "0:00";
  timer = setInterval(() => {
    const seconds = recorder.elapsedSeconds();
    $("recording-time").textContent = formatDuration(seconds);
    if (seconds > MAX_SECONDS) release(false);
  }, 200);
}

function setOutside(outside) {
  ptt.outside = outside;
  $("recording-status").classList.toggle("cancelling", outside);
  $("recording-text").textContent = outside ? "Release to cancel" : "Recording";
}

async function press(source, pointerId = null) {
  if (ptt.phase !== "idle" || document.body.dataset.handsfree) return; // conversation mode listens
  if (state.busy) {
    toast("Wait for the current reply to finish.");
    return;
  }
  ptt = { phase: "starting", source, pointerId, outside: false, released: false, cancelled: false };
  try {
    await recorder.start();
  } catch (error) {
    ptt = { phase: "idle" };
    showError(error.message);
    return;
  }
  if (ptt.released) {
    const cancelled = ptt.cancelled;
    recorder.cancel();
    ptt = { phase: "idle" };
    if (!cancelled) toast("Hold the button while you talk, then let go to send.");
    return;
  }
  ptt.phase = "recording";
  setOutside(false);
  showRecording(true);
}

async function release(cancel) {
  if (ptt.phase === "starting") {
    ptt.released = true;
    ptt.cancelled = cancel;
    return;
  }
  if (ptt.phase !== "recording") return;
  ptt = { phase: "idle" };
  showRecording(false);
  setOutside(false);
  if (cancel) {
    recorder.cancel();
    toast("Recording cancelled.");
    return;
  }
  const result = await recorder.stop();
  if (!result || result.seconds < MIN_SECONDS || !result.blob.size) {
    toast("Too short: hold the button while you talk.");
    return;
  }
  sendRecording(result.blob);
}

function outsideButton(event) {
  const rect = button().getBoundingClientRect();
  const margin = 24;
  return (
    event.clientX < rect.left - margin ||
    event.clientX > rect.right + margin ||
    event.clientY < rect.top - margin ||
    event.clientY > rect.bottom + margin
  );
}

function wirePointer() {
  const mic = button();
  mic.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    event.preventDefault();
    // Touch captures the pointer to the button; release it so moves off it can cancel.
    if (mic.hasPointerCapture(event.pointerId)) mic.releasePointerCapture(event.pointerId);
    press("pointer", event.pointerId);
  });
  window.addEventListener("pointermove", (event) => {
    if (ptt.source !== "pointer" || ptt.pointerId !== event.pointerId) return;
    if (ptt.phase === "recording") setOutside(outsideButton(event));
    else if (ptt.phase === "starting") ptt.outside = outsideButton(event);
  });
  const end = (event) => {
    if (ptt.source !== "pointer" || ptt.pointerId !== event.pointerId) return;
    release(event.type === "pointercancel" || ptt.outside || outsideButton(event));
  };
  window.addEventListener("pointerup", end);
  window.addEventListener("pointercancel", end);
  mic.addEventListener("contextmenu", (event) => event.preventDefault());
}

function dialogOpen() {
  return Boolean(document.querySelector("dialog[open]"));
}

function wireKeyboard() {
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && ptt.phase !== "idle") {
      event.preventDefault();
      release(true);
      return;
    }
    if (event.code !== "Space" || isTextField(document.activeElement) || dialogOpen()) return;
    event.preventDefault(); // no page scroll, no button click
    if (!event.repeat) press("key");
  });
  document.addEventListener("keyup", (event) => {
    if (event.code !== "Space" || ptt.source !== "key") return;
    event.preventDefault();
    release(false);
  });
}

export function setupPushToTalk() {
  if (!recordingSupported()) {
    button().disabled = true;
    button().title = "This browser cannot record audio; typing still works.";
    button().classList.add("unsupported");
    return;
  }
  wirePointer();
  wireKeyboard();
}
