// Checks a chosen file before it is uploaded: not empty, within the server's size limit, and a
// video container the server accepts — decided from the first bytes, as the server does
// (contracts/media.py), so a renamed text file is caught here and not after a long upload.
import { bytes } from "./util.js";

export const ACCEPTED = "an MP4, MOV, WebM or MKV video";
const ISO_FIRST_BOXES = new Set(["ftyp", "moov", "mdat", "wide", "free", "skip", "pnot"]);

export function sniffContainer(head) {
  if (head.length >= 8) {
    const box = String.fromCharCode(head[4], head[5], head[6], head[7]);
    if (ISO_FIRST_BOXES.has(box)) return "mp4";
  }
  if (head.length >= 4 && head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) {
    return "matroska";
  }
  return null;
}

export function maxUploadBytes() {
  const meta = document.querySelector('meta[name="ij-max-upload-bytes"]');
  const value = meta ? Number(meta.content) : NaN;
  return Number.isFinite(value) && value > 0 ? value : 2 * 1024 ** 3;
}

// Resolves to null when the file may be uploaded, or to a sentence saying why not.
export async function checkVideoFile(file, limit = maxUploadBytes()) {
  if (file.size === 0) return `“${file.name}” is empty.`;
  if (file.size > limit) {
    return `“${file.name}” is ${bytes(file.size)}; the largest video the server accepts is ${bytes(limit)}.`;
  }
  let head;
  try {
    head = new Uint8Array(await file.slice(0, 64).arrayBuffer());
  } catch {
    return `“${file.name}” could not be read.`;
  }
  if (!sniffContainer(head)) {
    return `“${file.name}” is not a video the system can analyse: choose ${ACCEPTED}.`;
  }
  return null;
}

export function checkVideoUrl(text) {
  let url;
  try {
    url = new URL(text);
  } catch {
    return "The link is not a valid address. Paste the full link, starting with https://.";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return "The link must start with http:// or https://.";
  }
  return null;
}
