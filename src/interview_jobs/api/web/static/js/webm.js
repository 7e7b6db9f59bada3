// Joins the takes of a practice session — each a WebM file from its own MediaRecorder — into one
// WebM without re-encoding, so that one session is one video and one job (see practice.js).
//
// A MediaRecorder's WebM is an EBML header, then a Segment of unknown size holding Info, Tracks and
// Clusters of unknown size; each Cluster starts with its Timecode and holds SimpleBlocks whose
// timecodes are relative to it (a signed 16-bit offset). So joining is: the first take's header,
// Info (with the joined Duration added) and Tracks, then every take's Clusters with their Timecode
// moved on by the length of the takes before it. The blocks are copied byte for byte (except the
// track number of a take whose recorder numbered audio and video the other way round).
//
// A take's length comes from its blocks' timestamps (the last block of each track plus that track's
// usual frame gap), not from the wall clock: the recorder starts and stops a little after the
// buttons are pressed, and the video's own clock is what the analysis will see.
//
// Pure functions over Uint8Array (unit-tested under Node); joinTakeBlobs() is the browser's entry.

const ID = {
  EBML: 0x1a45dfa3,
  Segment: 0x18538067,
  SeekHead: 0x114d9b74,
  Info: 0x1549a966,
  TimecodeScale: 0x2ad7b1,
  Duration: 0x4489,
  Tracks: 0x1654ae6b,
  TrackEntry: 0xae,
  TrackNumber: 0xd7,
  TrackType: 0x83,
  CodecID: 0x86,
  CodecPrivate: 0x63a2,
  Video: 0xe0,
  PixelWidth: 0xb0,
  PixelHeight: 0xba,
  Audio: 0xe1,
  SamplingFrequency: 0xb5,
  Channels: 0x9f,
  BitDepth: 0x6264,
  Cluster: 0x1f43b675,
  Timecode: 0xe7,
  SimpleBlock: 0xa3,
  BlockGroup: 0xa0,
  Block: 0xa1,
  Cues: 0x1c53bb6b,
  Tags: 0x1254c367,
  Chapters: 0x1043a770,
  Attachments: 0x1941a469,
};
// Elements that sit directly in the Segment: an unknown-size Cluster ends where one of them starts.
const SEGMENT_CHILDREN = new Set([
  ID.SeekHead, ID.Info, ID.Tracks, ID.Cluster, ID.Cues, ID.Tags, ID.Chapters, ID.Attachments,
]);
const UNKNOWN_SIZE = Uint8Array.of(0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);

export class JoinError extends Error {
  // kind: "damaged" (a take is not a readable WebM) or "mismatch" (the takes' codec settings
  // differ, e.g. the camera changed between two takes: one file cannot hold both).
  constructor(kind, message) {
    super(message);
    this.name = "JoinError";
    this.kind = kind;
  }
}

// ---------------------------------------------------------------- EBML reading

function vintAt(bytes, pos, keepMarker) {
  if (pos >= bytes.length) return null;
  const first = bytes[pos];
  let length = 1;
  let mask = 0x80;
  while (length <= 8 && !(first & mask)) {
    mask >>= 1;
    length += 1;
  }
  if (length > 8 || pos + length > bytes.length) return null;
  let value = keepMarker ? first : first & (mask - 1);
  let allOnes = (first & (mask - 1)) === mask - 1;
  for (let i = 1; i < length; i += 1) {
    value = value * 256 + bytes[pos + i];
    if (bytes[pos + i] !== 0xff) allOnes = false;
  }
  return { value, length, allOnes };
}

// One element's header at `pos`: {id, start, dataStart, dataEnd (null: unknown size), end}.
function elementAt(bytes, pos, take) {
  const id = vintAt(bytes, pos, true);
  const size = id && vintAt(bytes, pos + id.length, false);
  if (!id || !size) throw new JoinError("damaged", `${take} is cut off or is not a WebM file.`);
  const dataStart = pos + id.length + size.length;
  const dataEnd = size.allOnes ? null : dataStart + size.value;
  if (dataEnd !== null && dataEnd > bytes.length) {
    throw new JoinError("damaged", `${take} is cut off: an element runs past the end of the file.`);
  }
  return { id: id.value, start: pos, dataStart, dataEnd, end: dataEnd };
}

// The children of [from, to); an unknown-size child runs to `to`, or — a Cluster — to the next
// element that belongs to the Segment.
function children(bytes, from, to, take) {
  const out = [];
  let pos = from;
  while (pos < to) {
    const el = elementAt(bytes, pos, take);
    if (el.dataEnd === null) {
      if (el.id !== ID.Cluster && el.id !== ID.Segment) {
        throw new JoinError("damaged", `${take} has an element of unknown size where none may be.`);
      }
      el.end = el.id === ID.Cluster ? clusterEnd(bytes, el.dataStart, to, take) : to;
      el.dataEnd = el.end;
    }
    out.push(el);
    pos = el.end;
  }
  return out;
}

function clusterEnd(bytes, from, to, take) {
  let pos = from;
  while (pos < to) {
    const el = elementAt(bytes, pos, take);
    if (SEGMENT_CHILDREN.has(el.id)) return pos;
    if (el.dataEnd === null) throw new JoinError("damaged", `${take} has a block of unknown size.`);
    pos = el.dataEnd;
  }
  return to;
}

function uint(bytes, el) {
  let value = 0;
  for (let i = el.dataStart; i < el.dataEnd; i += 1) value = value * 256 + bytes[i];
  return value;
}

function float(bytes, el) {
  const view = new DataView(bytes.buffer, bytes.byteOffset + el.dataStart, el.dataEnd - el.dataStart);
  if (view.byteLength === 4) return view.getFloat32(0);
  if (view.byteLength === 8) return view.getFloat64(0);
  return 0;
}

function hex(bytes, el) {
  let out = "";
  for (let i = el.dataStart; i < el.dataEnd; i += 1) out += bytes[i].toString(16).padStart(2, "0");
  return out;
}

const ascii = (bytes, el) => String.fromCharCode(...bytes.subarray(el.dataStart, el.dataEnd)).replace(/\0+$/, "");

// What must be equal in two takes for one file to hold both: per track its number, type, codec
// (and codec private data), picture size, sample rate and channels. Track UIDs and names may differ.
function trackSettings(bytes, entry, take) {
  const track = {};
  for (const el of children(bytes, entry.dataStart, entry.dataEnd, take)) {
    if (el.id === ID.TrackNumber) track.number = uint(bytes, el);
    else if (el.id === ID.TrackType) track.type = uint(bytes, el) === 1 ? "video" : uint(bytes, el) === 2 ? "audio" : "other";
    else if (el.id === ID.CodecID) track.codec = ascii(bytes, el);
    else if (el.id === ID.CodecPrivate) track.codecPrivate = hex(bytes, el);
    else if (el.id === ID.Video) {
      for (const v of children(bytes, el.dataStart, el.dataEnd, take)) {
        if (v.id === ID.PixelWidth) track.width = uint(bytes, v);
        else if (v.id === ID.PixelHeight) track.height = uint(bytes, v);
      }
    } else if (el.id === ID.Audio) {
      for (const a of children(bytes, el.dataStart, el.dataEnd, take)) {
        if (a.id === ID.SamplingFrequency) track.sampleRate = float(bytes, a);
        else if (a.id === ID.Channels) track.channels = uint(bytes, a);
        else if (a.id === ID.BitDepth) track.bitDepth = uint(bytes, a);
      }
    }
  }
  // a fixed key order, so that two takes compare equal as JSON whatever their element order
  const keys = ["number", "type", "codec", "codecPrivate", "width", "height", "sampleRate", "channels", "bitDepth"];
  return Object.fromEntries(keys.map((k) => [k, track[k] ?? null]));
}

function describeTrack(t) {
  if (t.type === "video") return `${t.codec} video ${t.width}×${t.height}`;
  if (t.type === "audio") return `${t.codec} audio ${t.sampleRate} Hz × ${t.channels}`;
  return `${t.codec} track`;
}

// The block's track number and its time relative to its Cluster (SimpleBlock and Block alike).
function blockTime(bytes, el, take) {
  const track = vintAt(bytes, el.dataStart, false);
  if (!track || el.dataStart + track.length + 2 > el.dataEnd) throw new JoinError("damaged", `${take} has a damaged block.`);
  const at = el.dataStart + track.length;
  const relative = ((bytes[at] << 8) | bytes[at + 1]) << 16 >> 16; // signed 16-bit
  return { track: track.value, trackBytes: track.length, relative };
}

function median(values) {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

/**
 * Reads one take. Returns {ebml, info, infoChildren (copies), tracks, trackList, timecodeScale,
 * clusters, durationTicks, durationSeconds}; byte ranges are [start, end) into `bytes`. `label` names the
 * take in error messages ("Take 2").
 */
export function parseTake(bytes, label = "The recording") {
  const top = children(bytes, 0, bytes.length, label);
  const ebml = top.find((el) => el.id === ID.EBML);
  const segment = top.find((el) => el.id === ID.Segment);
  if (!ebml || !segment || top[0] !== ebml) throw new JoinError("damaged", `${label} is not a WebM file.`);
  const docType = children(bytes, ebml.dataStart, ebml.dataEnd, label).find((el) => el.id === 0x4282);
  if (docType && !["webm", "matroska"].includes(ascii(bytes, docType))) {
    throw new JoinError("damaged", `${label} is not a WebM file.`);
  }
  const take = { ebml, info: null, infoChildren: [], tracks: null, trackList: [], timecodeScale: 1e6, clusters: [], blocks: [] };
  const times = new Map(); // track number -> block times (ticks)
  for (const el of children(bytes, segment.dataStart, segment.dataEnd, label)) {
    if (el.id === ID.Info) {
      take.info = el;
      for (const child of children(bytes, el.dataStart, el.dataEnd, label)) {
        if (child.id === ID.TimecodeScale) take.timecodeScale = uint(bytes, child);
        // copied: small, and the joined file's Info is rebuilt from them
        if (child.id !== ID.Duration) take.infoChildren.push(bytes.slice(child.start, child.end));
      }
    } else if (el.id === ID.Tracks) {
      take.tracks = el;
      for (const entry of children(bytes, el.dataStart, el.dataEnd, label)) {
        if (entry.id === ID.TrackEntry) take.trackList.push(trackSettings(bytes, entry, label));
      }
    } else if (el.id === ID.Cluster) {
      const cluster = { start: el.start, end: el.end, dataStart: el.dataStart, timecode: null, timecodeEl: null };
      for (const child of children(bytes, el.dataStart, el.dataEnd, label)) {
        if (child.id === ID.Timecode) {
          cluster.timecode = uint(bytes, child);
          cluster.timecodeEl = child;
          continue;
        }
        let block = null;
        if (child.id === ID.SimpleBlock) block = child;
        else if (child.id === ID.BlockGroup) {
          block = children(bytes, child.dataStart, child.dataEnd, label).find((c) => c.id === ID.Block) || null;
        }
        if (!block) continue;
        if (cluster.timecode === null) throw new JoinError("damaged", `${label} has a cluster without a timecode.`);
        const { track, trackBytes, relative } = blockTime(bytes, block, label);
        take.blocks.push({ at: block.dataStart, length: trackBytes, track });
        if (!times.has(track)) times.set(track, []);
        times.get(track).push(cluster.timecode + relative);
      }
      if (cluster.timecode !== null) take.clusters.push(cluster);
    }
    // SeekHead and Cues hold byte offsets that are wrong once the files are joined; Tags,
    // Chapters and Void carry nothing the analysis needs: all are left out.
  }
  if (!take.info || !take.tracks || !take.trackList.length) throw new JoinError("damaged", `${label} has no track list.`);
  if (!times.size) throw new JoinError("damaged", `${label} holds no recorded audio or video.`);
  let end = 0;
  for (const list of times.values()) {
    list.sort((a, b) => a - b);
    const gaps = [];
    for (let i = 1; i < list.length; i += 1) if (list[i] > list[i - 1]) gaps.push(list[i] - list[i - 1]);
    end = Math.max(end, list[list.length - 1] + median(gaps));
  }
  take.durationTicks = end;
  take.durationSeconds = (end * take.timecodeScale) / 1e9;
  return take;
}

// How the tracks of `take` map onto the first take's: Map(its track number -> the first take's),
// or a sentence saying why they cannot. A MediaRecorder numbers its tracks in the order their
// first data arrives, so one take may have audio as track 1 and the next video as track 1: that
// is only a renumbering. Anything else that differs (codec, picture size, sample rate…) is not.
function trackMapping(first, take, index) {
  const settings = (t) => JSON.stringify({ ...t, number: null });
  const problem = () => {
    const order = (list) => [...list].sort((a, b) => String(a.type).localeCompare(String(b.type)));
    const a = order(first.trackList).map(describeTrack).join(", ");
    const b = order(take.trackList).map(describeTrack).join(", ");
    return (
      `Take ${index + 1} was recorded with other settings than take 1 (${b}, not ${a}) — ` +
      "for example the camera changed — so the takes cannot be joined into one video."
    );
  };
  if (take.timecodeScale !== first.timecodeScale || take.trackList.length !== first.trackList.length) return problem();
  const mapping = new Map();
  const unused = [...first.trackList];
  for (const track of take.trackList) {
    const match = unused.findIndex((t) => settings(t) === settings(track));
    if (match < 0) return problem();
    mapping.set(track.number, unused[match].number);
    unused.splice(match, 1);
  }
  return mapping;
}

// Null when every take can go into one file with the first take's Tracks, else why not.
export function mismatch(takes) {
  for (let i = 1; i < takes.length; i += 1) {
    const mapping = trackMapping(takes[0], takes[i], i);
    if (typeof mapping === "string") return mapping;
  }
  return null;
}

// A copy of a take whose blocks carry the first take's track numbers (same-length numbers only:
// the blocks keep their size, so every byte offset stays right).
function renumbered(bytes, take, mapping) {
  const out = bytes.slice();
  for (const block of take.blocks) {
    const number = mapping.get(block.track);
    const encoded = sizeVint(number);
    if (encoded.length !== block.length) {
      throw new JoinError("mismatch", "The takes number their tracks too differently to be joined into one video.");
    }
    out.set(encoded, block.at);
  }
  return out;
}

const identity = (mapping) => [...mapping].every(([from, to]) => from === to);

// ---------------------------------------------------------------- EBML writing

function sizeVint(n) {
  let length = 1;
  while (length < 8 && n >= 2 ** (7 * length) - 1) length += 1;
  const out = new Uint8Array(length);
  let value = n;
  for (let i = length - 1; i >= 0; i -= 1) {
    out[i] = value % 256;
    value = Math.floor(value / 256);
  }
  out[0] |= 0x80 >> (length - 1);
  return out;
}

function idBytes(id) {
  const out = [];
  for (let value = id; value > 0; value = Math.floor(value / 256)) out.unshift(value % 256);
  return Uint8Array.from(out);
}

function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function element(id, payload) {
  return concat([idBytes(id), sizeVint(payload.length), payload]);
}

function uintElement(id, value) {
  const out = [];
  for (let v = value; v > 0; v = Math.floor(v / 256)) out.unshift(v % 256);
  return element(id, Uint8Array.from(out.length ? out : [0]));
}

function floatElement(id, value) {
  const payload = new Uint8Array(8);
  new DataView(payload.buffer).setFloat64(0, value);
  return element(id, payload);
}

/**
 * The joined file as a list of parts — Uint8Array (bytes written here) or {take, start, end} (a
 * byte range of take `take`, copied unchanged, or from its renumbered copy where `renumber[take]`
 * is set) — with each take's start and the total length. `takes` are parseTake() results.
 */
export function planJoin(takes) {
  if (!takes.length) throw new JoinError("damaged", "There is no take to join.");
  const problem = mismatch(takes);
  if (problem) throw new JoinError("mismatch", problem);
  const first = takes[0];
  // Per take: null, or the Map that renumbers its tracks as the first take's (see renumbered()).
  const renumber = takes.map((take, i) => {
    if (i === 0) return null;
    const mapping = trackMapping(first, take, i);
    return identity(mapping) ? null : mapping;
  });
  const parts = [];
  const starts = [];
  let offset = 0;
  parts.push({ take: 0, start: first.ebml.start, end: first.ebml.end });
  parts.push(concat([idBytes(ID.Segment), UNKNOWN_SIZE]));
  const total = takes.reduce((n, t) => n + t.durationTicks, 0);
  // Info as recorded plus the Duration a live recorder cannot know: players then show the length.
  const info = [...first.infoChildren, floatElement(ID.Duration, total)];
  parts.push(element(ID.Info, concat(info)));
  parts.push({ take: 0, start: first.tracks.start, end: first.tracks.end });
  takes.forEach((take, index) => {
    starts.push((offset * take.timecodeScale) / 1e9);
    for (const cluster of take.clusters) {
      parts.push(concat([idBytes(ID.Cluster), UNKNOWN_SIZE, uintElement(ID.Timecode, cluster.timecode + offset)]));
      const tc = cluster.timecodeEl;
      if (tc.start > cluster.dataStart) parts.push({ take: index, start: cluster.dataStart, end: tc.start });
      if (cluster.end > tc.end) parts.push({ take: index, start: tc.end, end: cluster.end });
    }
    offset += take.durationTicks;
  });
  return {
    parts,
    renumber,
    startSeconds: starts,
    takeSeconds: takes.map((t) => t.durationSeconds),
    durationSeconds: (total * first.timecodeScale) / 1e9,
  };
}

/** Joins takes held in memory (Node tests, small files). Returns {bytes, startSeconds, ...}. */
export function joinTakeBytes(list) {
  const takes = list.map((bytes, i) => parseTake(bytes, `Take ${i + 1}`));
  const plan = planJoin(takes);
  const sources = list.map((bytes, i) => (plan.renumber[i] ? renumbered(bytes, takes[i], plan.renumber[i]) : bytes));
  const bytes = concat(plan.parts.map((p) => (p instanceof Uint8Array ? p : sources[p.take].subarray(p.start, p.end))));
  return { ...plan, bytes };
}

/**
 * Joins recorded take Blobs into one WebM Blob. Each take is read once to find its clusters; the
 * result refers to the takes' own bytes (Blob slices), so nothing is copied until it is uploaded.
 */
export async function joinTakeBlobs(blobs, type = "video/webm") {
  const takes = [];
  for (const [i, blob] of blobs.entries()) {
    takes.push(parseTake(new Uint8Array(await blob.arrayBuffer()), `Take ${i + 1}`));
  }
  const plan = planJoin(takes);
  const sources = [];
  for (const [i, blob] of blobs.entries()) {
    const mapping = plan.renumber[i];
    sources.push(mapping ? new Blob([renumbered(new Uint8Array(await blob.arrayBuffer()), takes[i], mapping)]) : blob);
  }
  const parts = plan.parts.map((p) => (p instanceof Uint8Array ? p : sources[p.take].slice(p.start, p.end)));
  return { ...plan, blob: new Blob(parts, { type }) };
}

/** A take's length in seconds from its own timestamps (null when it is not a readable WebM). */
export async function takeSeconds(blob) {
  try {
    return parseTake(new Uint8Array(await blob.arrayBuffer())).durationSeconds;
  } catch (error) {
    if (error instanceof JoinError) return null;
    throw error;
  }
}
