// Voice-activity detection for conversation mode: Silero VAD (v5) run by ONNX Runtime Web in
// the page, both vendored from npm (bin/vendor-web) and loaded from this origin only when the
// mode is first started (about 14 MB, most of it ONNX Runtime's WebAssembly). The detector
// hears the microphone through an audio worklet and reports speech start, speech confirmed
// (longer than the minimum) and speech end with the utterance as 16 kHz samples.

import { config } from "./api.js";

const BASE = "/assets/vendor/vad/";
const SAMPLE_RATE = 16000; // what the detector hands to onSpeechEnd
const FRAME_MS = 32; // Silero v5 scores 512-sample frames
// Before the first word the detector keeps this much audio, so the utterance is not clipped.
const PRE_SPEECH_MS = 300;

let loading = null;

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.addEventListener("load", resolve, { once: true });
    script.addEventListener("error", () => reject(new Error(`Could not load ${src}`)), { once: true });
    document.head.append(script);
  });
}

/** The vad-web bundle is a classic script that finds ONNX Runtime as the global `ort`. */
function loadLibraries() {
  if (!loading) {
    loading = loadScript(`${BASE}ort/ort.wasm.min.js`).then(() => loadScript(`${BASE}bundle.min.js`));
    loading.catch(() => {
      loading = null; // a failed load (offline) may be tried again next time
    });
  }
  return loading;
}

/** The microphone as the detector wants it; `streams` keeps it so leaving can stop it. */
function microphone(streams) {
  return async () => {
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    });
    streams.push(stream);
    return stream;
  };
}

/**
 * Start listening; call from the click that starts the mode. `handlers`: onSpeechStart(),
 * onSpeechConfirmed(), onSpeechEnd(samples, lastVoicedAt), onMisfire(). Resolves to {stop()}
 * (which releases the microphone) once the microphone is on. `lastVoicedAt` (performance.now())
 * is when speech really ended, before the pause that confirmed it.
 */
export async function startDetector(handlers) {
  // Made before the first await, still inside the click: a context made later (after ~14 MB
  // load on a slow phone) could start suspended by the autoplay policy and never hear a frame.
  const context = new AudioContext();
  try {
    return await listen(handlers, context);
  } catch (error) {
    context.close().catch(() => {});
    throw error;
  }
}

async function listen(handlers, context) {
  await loadLibraries();
  const streams = [];
  const detector = await window.vad.MicVAD.new(detectorOptions(handlers, streams, context));
  return {
    async stop() {
      try {
        await detector.destroy();
      } finally {
        // Released whatever state the detector was in: the browser's mic indicator goes off.
        streams.forEach((stream) => stream.getTracks().forEach((track) => track.stop()));
        await context.close().catch(() => {});
      }
    },
  };
}

/** MicVAD's options: the thresholds from /config.json, this origin's files, the handlers. */
function detectorOptions(handlers, streams, context) {
  const thresholds = config.vad || {};
  const positive = thresholds.positive_threshold ?? 0.5;
  let lastVoiced = 0; // when the last frame above the threshold was heard: the real end of speech
  return {
    audioContext: context,
    model: "v5",
    baseAssetPath: BASE,
    onnxWASMBasePath: `${BASE}ort/`,
    positiveSpeechThreshold: positive,
    negativeSpeechThreshold: thresholds.negative_threshold ?? 0.35,
    minSpeechMs: Math.max(thresholds.min_speech_ms ?? 250, FRAME_MS), // under a frame: never confirmed
    redemptionMs: thresholds.pause_ms ?? 800,
    preSpeechPadMs: PRE_SPEECH_MS,
    getStream: microphone(streams),
    resumeStream: microphone(streams),
    onFrameProcessed: (probabilities) => {
      if (probabilities.isSpeech >= positive) lastVoiced = performance.now();
    },
    onSpeechStart: handlers.onSpeechStart,
    onSpeechRealStart: handlers.onSpeechConfirmed,
    onSpeechEnd: (samples) => handlers.onSpeechEnd(samples, lastVoiced),
    onVADMisfire: handlers.onMisfire,
    startOnLoad: true,
  };
}

/** 16 kHz mono float samples (-1..1) as a 16-bit PCM WAV file. */
export function wavFromSamples(samples, rate = SAMPLE_RATE) {
  const bytes = new ArrayBuffer(44 + samples.length * 2);
  const view = new DataView(bytes);
  const text = (offset, value) => [...value].forEach((c, i) => view.setUint8(offset + i, c.charCodeAt(0)));
  text(0, "RIFF");
  view.setUint32(4, 36 + samples.length * 2, true);
  text(8, "WAVEfmt ");
  view.setUint32(16, 16, true); // fmt chunk size
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, rate, true);
  view.setUint32(28, rate * 2, true); // bytes per second
  view.setUint16(32, 2, true); // bytes per frame
  view.setUint16(34, 16, true); // bits per sample
  text(36, "data");
  view.setUint32(40, samples.length * 2, true);
  samples.forEach((sample, i) => {
    const clipped = Math.max(-1, Math.min(1, sample));
    view.setInt16(44 + i * 2, clipped < 0 ? clipped * 0x8000 : clipped * 0x7fff, true);
  });
  return new Blob([bytes], { type: "audio/wav" });
}
