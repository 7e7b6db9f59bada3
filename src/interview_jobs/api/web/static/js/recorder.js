// The camera and microphone (getUserMedia) and one MediaRecorder per take. Every failure becomes a
// sentence for the user that says what to do, and none of them blocks the page's upload form.

// WebM first: its takes can be joined into one video in the page (webm.js). VP8 before VP9: it
// costs less CPU to encode live, and both are analysed alike. MP4 is what Safari records.
const TYPES = [
  "video/webm;codecs=vp8,opus",
  "video/webm;codecs=vp9,opus",
  "video/webm",
  "video/mp4;codecs=avc1,mp4a.40.2",
  "video/mp4",
];

const UPLOAD_INSTEAD = "You can still record your answers with another app and upload the video on “My interviews”.";

// Why this browser cannot record in the page, or null when it can.
export function recordingProblem(env = globalThis) {
  if (env.isSecureContext === false) {
    return `The camera can only be used on a secure (https://) page. ${UPLOAD_INSTEAD}`;
  }
  if (!env.navigator || !env.navigator.mediaDevices || typeof env.navigator.mediaDevices.getUserMedia !== "function") {
    return `This browser does not let the page use a camera. ${UPLOAD_INSTEAD}`;
  }
  if (typeof env.MediaRecorder !== "function") {
    return `This browser cannot record video in the page. ${UPLOAD_INSTEAD}`;
  }
  if (!pickMimeType(env.MediaRecorder)) {
    return `This browser cannot record a video format the system reads (WebM or MP4). ${UPLOAD_INSTEAD}`;
  }
  return null;
}

export function pickMimeType(Recorder = globalThis.MediaRecorder) {
  if (!Recorder || typeof Recorder.isTypeSupported !== "function") return "";
  return TYPES.find((type) => Recorder.isTypeSupported(type)) || "";
}

export const isWebM = (mimeType) => /^video\/webm/i.test(mimeType || "");

// The user's sentence for a getUserMedia() failure (a DOMException's name).
export function cameraErrorMessage(error) {
  const name = error && error.name;
  if (name === "NotAllowedError" || name === "SecurityError" || name === "PermissionDeniedError") {
    return (
      "The page may not use your camera and microphone. Allow them for this site (the camera icon " +
      `in the address bar) and press “Start” again. ${UPLOAD_INSTEAD}`
    );
  }
  if (name === "NotFoundError" || name === "DevicesNotFoundError" || name === "OverconstrainedError") {
    return `No camera or microphone was found. Connect one and press “Start” again. ${UPLOAD_INSTEAD}`;
  }
  if (name === "NotReadableError" || name === "TrackStartError" || name === "AbortError") {
    return (
      "The camera or microphone is in use by another program, or could not be started. Close the " +
      `other program and press “Start” again. ${UPLOAD_INSTEAD}`
    );
  }
  return `The camera could not be started (${(error && error.message) || name || "unknown error"}). ${UPLOAD_INSTEAD}`;
}

export class CameraError extends Error {
  constructor(message) {
    super(message);
    this.name = "CameraError";
  }
}

export async function openCamera() {
  const problem = recordingProblem();
  if (problem) throw new CameraError(problem);
  try {
    return await navigator.mediaDevices.getUserMedia({
      video: { width: { ideal: 1280 }, height: { ideal: 720 }, facingMode: "user" },
      audio: { echoCancellation: true, noiseSuppression: true },
    });
  } catch (error) {
    throw new CameraError(cameraErrorMessage(error));
  }
}

export function closeCamera(stream) {
  if (stream) for (const track of stream.getTracks()) track.stop();
}

// One take: start() now, stop() resolves to the recorded Blob. A camera that goes away while
// recording (unplugged, permission revoked) ends the take with what was recorded so far.
export class TakeRecorder {
  constructor(stream, mimeType) {
    this.chunks = [];
    this.recorder = new MediaRecorder(stream, mimeType ? { mimeType } : undefined);
    this.mimeType = this.recorder.mimeType || mimeType;
    this.recorder.addEventListener("dataavailable", (event) => {
      if (event.data && event.data.size) this.chunks.push(event.data);
    });
    this.stopped = new Promise((resolve, reject) => {
      this.recorder.addEventListener("stop", () => resolve(new Blob(this.chunks, { type: this.mimeType })));
      this.recorder.addEventListener("error", (event) => reject(event.error || new Error("The recording failed.")));
    });
    this.onEnded = () => {};
    for (const track of stream.getTracks()) {
      track.addEventListener("ended", () => {
        if (this.recorder.state !== "inactive") this.onEnded();
      });
    }
  }

  start() {
    // Chunks every second: a long take is never one huge buffer in the recorder.
    this.recorder.start(1000);
  }

  stop() {
    if (this.recorder.state !== "inactive") this.recorder.stop();
    return this.stopped;
  }
}
