// Conversation mode: hands-free voice. The browser listens (voice-activity detection, vad.js),
// sends each utterance when the speaker pauses as a streamed voice turn (voiceturn.js), plays
// the spoken reply (speechplayer.js) and keeps listening. Talking over the reply interrupts it:
// playback stops and the reply is stopped on the server. The phase is shown and announced:
// starting → listening → thinking (the utterance went up) → speaking (the reply plays) → ...
// Leaving the mode releases the microphone. A failed turn is said in words; listening goes on.

import { showError } from "./banner.js";
import { stopReply } from "./messageactions.js";
import { speechPlayer } from "./speechplayer.js";
import { state } from "./state.js";
import { $, toast } from "./ui.js";
import { startDetector, wavFromSamples } from "./vad.js";
import { sendRecording, silenceTurn } from "./voiceturn.js";

const PHASES = {
  starting: "Starting the microphone…",
  listening: "Listening",
  hearing: "Listening: hearing you",
  thinking: "Thinking",
  speaking: "Speaking: talk to interrupt",
};

// null while the mode is off; else {phase, detector, turns (the chain of turns), pending
// (utterances sent or waiting), marks (timestamps of the last utterance, for latency)}.
let mode = null;

function button() {
  return $("handsfree-button");
}

/** Show and announce the phase (body[data-handsfree] for styles and tests). */
function setPhase(phase) {
  if (!mode) return;
  const previous = mode.phase;
  if (previous === phase) return; // said once: every clip of a reply must not re-announce it
  mode.phase = phase;
  document.body.dataset.handsfree = phase;
  $("handsfree-text").textContent = PHASES[phase];
  // "hearing" is shown, not announced: a screen reader talking over the speaker would be heard.
  if (phase !== "hearing" && !(phase === "listening" && previous === "hearing")) {
    $("handsfree-live").textContent = PHASES[phase];
  }
}

/**
 * The phase once nothing new happened: speaking while the reply plays (and between its
 * sentences, once it started), thinking while a turn runs, else listening.
 */
function settlePhase() {
  if (!mode) return;
  $("ptt-button").disabled = true; // a turn's end re-enables it (conversation.js finish())
  if (mode.phase === "hearing") return;
  if (speechPlayer.playing || (mode.pending > 0 && mode.replyHeard)) setPhase("speaking");
  else setPhase(mode.pending > 0 ? "thinking" : "listening");
}

function showMode(on) {
  const toggle = button();
  toggle.setAttribute("aria-label", on ? "End conversation" : "Start conversation");
  toggle.title = on ? "End conversation (hands-free)" : "Start conversation (hands-free)";
  toggle.classList.toggle("active", on);
  $("handsfree-status").hidden = !on;
  // One microphone at a time: push-to-talk waits while the mode listens.
  $("ptt-button").disabled = on;
  if (!on) {
    delete document.body.dataset.handsfree;
    $("handsfree-live").textContent = "Conversation ended";
  }
}

// ---- what the detector hears -------------------------------------------------------------

function onSpeechStart() {
  if (!mode) return;
  if (mode.phase === "listening") setPhase("hearing");
}

/** Speech longer than the minimum: if the agent is talking (or about to), the speaker wins. */
function onSpeechConfirmed() {
  if (!mode) return;
  if (mode.pending > 0 || speechPlayer.playing) interrupt();
  setPhase("hearing");
}

function onMisfire() {
  // Too short to be speech (a cough, a click): nothing was sent.
  if (mode && mode.phase === "hearing") {
    mode.phase = "listening";
    settlePhase();
  }
}

function onSpeechEnd(samples, lastVoicedAt) {
  if (!mode) return;
  const now = performance.now();
  mode.marks = { speechEnd: lastVoicedAt || now, paused: now, firstSound: null };
  send(wavFromSamples(samples));
}

/** Barge-in: silence the reply now and stop it on the server (its text so far is kept). */
function interrupt() {
  mode.interruptions += 1;
  mode.replyHeard = false;
  document.body.dataset.handsfreeInterruptions = String(mode.interruptions);
  silenceTurn({ stop: true }); // its audio still on the way is dropped; stopped once its id is known
  stopReply().catch(() => {}); // stops playback, and POSTs stop while the reply is written
}

// ---- turns -------------------------------------------------------------------------------

/** Utterances go up one at a time, in order: the next waits for the previous turn's end. */
function send(blob) {
  const current = mode;
  current.pending += 1;
  current.replyHeard = false;
  setPhase("thinking");
  current.turns = current.turns.then(async () => {
    if (mode !== current) return; // the mode ended (or restarted) meanwhile
    if (state.busy) {
      showError("A reply is still being written; that utterance was not sent. Still listening.");
      return;
    }
    await sendRecording(blob, { handsFree: true });
  });
  current.turns = current.turns
    .catch((error) => showError(`${error.message} Still listening.`))
    .finally(() => {
      current.pending -= 1;
      settlePhase();
    });
}

function onPlayback(playing) {
  if (!mode) return;
  if (playing) mode.replyHeard = true;
  const marks = mode.marks;
  if (playing && marks && marks.paused && !marks.firstSound) {
    // Milliseconds to the first sound of the reply: from the end of speech (what the speaker
    // waits: it includes the pause that ends the utterance) and from that pause's detection.
    marks.firstSound = performance.now();
    document.body.dataset.handsfreeLatency = String(Math.round(marks.firstSound - marks.speechEnd));
    document.body.dataset.handsfreeReplyLatency = String(Math.round(marks.firstSound - marks.paused));
  }
  settlePhase();
}

// ---- entering and leaving ----------------------------------------------------------------

function microphoneError(error) {
  const name = error && error.name;
  if (name === "NotAllowedError" || name === "SecurityError") {
    return "Microphone access was denied. Allow it in your browser's site settings to talk hands-free; typing still works.";
  }
  if (name === "NotFoundError" || name === "NotReadableError" || name === "OverconstrainedError") {
    return "No microphone is available. You can still type.";
  }
  return `Conversation mode could not start: ${(error && error.message) || error}`;
}

async function start() {
  speechPlayer.unlock(); // inside the click: the reply may play later
  const current = {
    phase: null,
    detector: null,
    turns: Promise.resolve(),
    pending: 0,
    marks: null,
    interruptions: 0,
    replyHeard: false,
  };
  mode = current;
  showMode(true);
  setPhase("starting");
  try {
    const detector = await startDetector({ onSpeechStart, onSpeechConfirmed, onSpeechEnd, onMisfire });
    if (mode !== current) {
      await detector.stop(); // ended while the microphone was starting
      return;
    }
    current.detector = detector;
    setPhase("listening");
  } catch (error) {
    if (mode === current) await stop();
    showError(microphoneError(error));
  }
}

async function stop() {
  const current = mode;
  if (!current) return;
  mode = null;
  showMode(false);
  silenceTurn();
  speechPlayer.stop(); // the reply's text is still written; it is no longer read out
  if (current.detector) await current.detector.stop();
}

function supported() {
  const media = navigator.mediaDevices;
  return Boolean(media && media.getUserMedia && window.AudioContext && window.AudioWorkletNode);
}

export function setupHandsFree() {
  const toggle = button();
  if (!supported()) {
    toggle.disabled = true;
    toggle.title = "This browser cannot listen hands-free; push-to-talk and typing still work.";
    return;
  }
  toggle.addEventListener("click", () => {
    if (mode) stop().catch((error) => toast(error.message));
    else start();
  });
  speechPlayer.addListener(onPlayback);
}
