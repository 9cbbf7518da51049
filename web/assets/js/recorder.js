// Push-to-talk recording with MediaRecorder: start() on press, stop() on release (resolves to
// a Blob), cancel() to throw the recording away.

const PREFERRED_TYPES = ["audio/webm;codecs=opus", "audio/webm", "audio/mp4", "audio/ogg;codecs=opus"];

export class MicrophoneError extends Error {
  constructor(kind, message) {
    super(message);
    this.kind = kind;
  }
}

export function recordingSupported() {
  return Boolean(navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.MediaRecorder);
}

function pickMimeType() {
  return PREFERRED_TYPES.find((type) => MediaRecorder.isTypeSupported(type)) || "";
}

export function fileNameFor(mimeType) {
  if (mimeType.includes("mp4")) return "recording.mp4";
  if (mimeType.includes("ogg")) return "recording.ogg";
  if (mimeType.includes("wav")) return "recording.wav"; // conversation mode's utterances
  return "recording.webm";
}

export class Recorder {
  constructor() {
    this.stream = null;
    this.recorder = null;
    this.chunks = [];
    this.startedAt = 0;
  }

  get active() {
    return this.recorder !== null;
  }

  async start() {
    if (!recordingSupported()) {
      throw new MicrophoneError("unsupported", "This browser cannot record audio. You can still type.");
    }
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (error) {
      const denied = error && (error.name === "NotAllowedError" || error.name === "SecurityError");
      throw new MicrophoneError(
        denied ? "denied" : "unavailable",
        denied
          ? "Microphone access was denied. Allow it in your browser's site settings to talk; typing still works."
          : "No microphone is available. You can still type.",
      );
    }
    const mimeType = pickMimeType();
    this.chunks = [];
    this.recorder = new MediaRecorder(this.stream, mimeType ? { mimeType } : undefined);
    this.recorder.addEventListener("dataavailable", (event) => {
      if (event.data && event.data.size) this.chunks.push(event.data);
    });
    this.recorder.start(250);
    this.startedAt = performance.now();
  }

  elapsedSeconds() {
    return this.startedAt ? (performance.now() - this.startedAt) / 1000 : 0;
  }

  /** Stop and return {blob, seconds}. */
  stop() {
    const recorder = this.recorder;
    if (!recorder) return Promise.resolve(null);
    const seconds = this.elapsedSeconds();
    return new Promise((resolve) => {
      recorder.addEventListener(
        "stop",
        () => {
          const type = recorder.mimeType || (this.chunks[0] && this.chunks[0].type) || "audio/webm";
          const blob = new Blob(this.chunks, { type });
          this.release();
          resolve({ blob, seconds });
        },
        { once: true },
      );
      recorder.stop();
    });
  }

  cancel() {
    if (this.recorder && this.recorder.state !== "inactive") {
      try {
        this.recorder.stop();
      } catch {
        // already stopped
      }
    }
    this.release();
  }

  release() {
    if (this.stream) this.stream.getTracks().forEach((track) => track.stop());
    this.stream = null;
    this.recorder = null;
    this.chunks = [];
    this.startedAt = 0;
  }
}
