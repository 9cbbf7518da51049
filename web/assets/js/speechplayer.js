/**
 * One audio pipeline for spoken replies: clips (one per sentence) are decoded in arrival order
 * and scheduled back to back on a Web Audio clock, so they play gaplessly while later sentences
 * are still being written. Works wherever Web Audio decodes the clip format (WAV, MP3: Chromium,
 * Firefox, Safari). Raw PCM parts of a sentence still being synthesised (`enqueuePcm`) join the
 * same queue, so a sentence starts playing before its synthesis ends. `stop()` silences
 * everything at once.
 */

const Context = window.AudioContext || window.webkitAudioContext;

export class SpeechPlayer {
  constructor() {
    this.context = null;
    this.sources = new Set();
    this.nextStart = 0;
    this.decoding = Promise.resolve();
    this.generation = 0;
    this.listeners = new Set();
  }

  /** Call `listener(playing)` whenever playback starts or ends. */
  addListener(listener) {
    this.listeners.add(listener);
  }

  onstatechange(playing) {
    document.body.classList.toggle("speaking", playing);
    this.listeners.forEach((listener) => listener(playing));
  }

  /** Create/resume the audio context; call from a user gesture (autoplay policies). */
  unlock() {
    if (!Context) return;
    if (!this.context) this.context = new Context();
    if (this.context.state === "suspended") this.context.resume().catch(() => {});
  }

  get playing() {
    return this.sources.size > 0;
  }

  /** Queue one clip (an ArrayBuffer of encoded audio) after everything queued before it. */
  enqueue(encoded) {
    this.unlock();
    if (!this.context) return Promise.reject(new Error("Web Audio is not available."));
    const generation = this.generation;
    const step = this.decoding
      .then(() => this.context.decodeAudioData(encoded.slice(0)))
      .then((buffer) => {
        if (generation === this.generation) this.schedule(buffer);
      });
    this.decoding = step.catch(() => {}); // one undecodable clip must not silence the rest
    return step;
  }

  /**
   * Queue raw PCM (mono, 16-bit little-endian, `rate` samples a second: the `audio_part`
   * events) after everything queued before it; no decoding, so it plays as soon as it comes.
   */
  enqueuePcm(bytes, rate) {
    this.unlock();
    if (!this.context) return Promise.reject(new Error("Web Audio is not available."));
    const generation = this.generation;
    const step = this.decoding.then(() => {
      if (generation === this.generation) this.schedule(pcmBuffer(this.context, bytes, rate));
    });
    this.decoding = step.catch(() => {});
    return step;
  }

  /** Queue one `audio_part` event's data (base64 PCM and its mime type naming the rate). */
  enqueuePart(part) {
    return this.enqueuePcm(bytesFromBase64(part.audio_base64), pcmRate(part.mime_type));
  }

  schedule(buffer) {
    const source = this.context.createBufferSource();
    source.buffer = buffer;
    source.connect(this.context.destination);
    const startAt = Math.max(this.context.currentTime + 0.02, this.nextStart);
    source.start(startAt);
    this.nextStart = startAt + buffer.duration;
    this.sources.add(source);
    this.onstatechange(true);
    source.addEventListener("ended", () => {
      this.sources.delete(source);
      if (!this.playing) this.onstatechange(false);
    });
  }

  /** Play one whole clip now, replacing whatever was playing. */
  playNow(encoded) {
    this.stop();
    return this.enqueue(encoded);
  }

  /** Silence everything queued or playing; clips still decoding are dropped. */
  stop() {
    this.generation += 1;
    this.decoding = Promise.resolve();
    for (const source of this.sources) {
      try {
        source.stop();
      } catch {
        /* already stopped */
      }
    }
    this.sources.clear();
    this.nextStart = 0;
    this.onstatechange(false);
  }
}

/** 16-bit little-endian PCM samples as a one-channel AudioBuffer. */
function pcmBuffer(context, bytes, rate) {
  const view = new DataView(bytes);
  const count = Math.floor(bytes.byteLength / 2);
  const buffer = context.createBuffer(1, Math.max(count, 1), rate);
  const channel = buffer.getChannelData(0);
  for (let i = 0; i < count; i += 1) channel[i] = view.getInt16(i * 2, true) / 32768;
  return buffer;
}

/** The sample rate named in a PCM part's mime type (`audio/pcm;rate=24000`). */
function pcmRate(mimeType) {
  const match = /rate=(\d+)/.exec(mimeType || "");
  return match ? Number(match[1]) : 24000;
}

/** Base64 (as sent in `audio` events) to an ArrayBuffer for `enqueue`. */
export function bytesFromBase64(base64) {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}

export const speechPlayer = new SpeechPlayer();
