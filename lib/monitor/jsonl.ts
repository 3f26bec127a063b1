/**
 * The monitor's structured output for long jobs: one JSON object per line (JSONL), for log shippers
 * and for `gradguard report` to chart a run after the fact (crashed, remote, or still running).
 *
 * Lines: `{"type":"start",…}` (format tag, parameter names, the run's context), `{"type":"step",…}`
 * (step, loss, total norm, per-parameter norms; every `every` recorded steps, and at every step with
 * an event or a non-finite norm), `{"type":"event",…}` (a MonitorEvent) and `{"type":"run",…}` (the
 * run's context, when it changes). JSON has no NaN/Infinity: they are written as null.
 *
 * Rotation-safe, for a file path: opened in append mode; each line goes out in one synchronous write
 * of the complete line (no buffer to lose in a crash, no half line interleaved); before each write the
 * path's inode is compared with the open file's, and when the path was moved away or replaced
 * (logrotate's default create mode) the file is reopened at the path and a new start line written, so
 * every file is readable on its own. copytruncate rotation needs nothing: append mode writes at the
 * truncated file's new end.
 */
import { closeSync, fstatSync, openSync, statSync, writeSync } from 'node:fs';
import { invalidArg } from '../errors.js';
import { checkInteger, checkOptions, optionKeys } from '../validate/index.js';

/** The `format` tag of the start line. */
export const JSONL_FORMAT = 'gradguard.monitor.jsonl/1';

/** Where JSON lines can go besides a file: anything with `write(string)` (a Writable, process.stdout, a log shipper's client). */
export interface JsonlTarget {
  /**
   * Called once per complete line (ending in a newline).
   * @param line the line.
   */
  write(line: string): unknown;
}

/** The monitor's `jsonl` option in full: a file path or a stream, and how often a step line is written. */
export interface JsonlOptions {
  /** A file to append to (created if missing; reopened when rotated). */
  path?: string;
  /** A stream to write to instead of a file. */
  stream?: JsonlTarget;
  /** Write a step line every this many recorded steps (steps with an event or a non-finite norm always get one). Default 1. */
  every?: number;
}

const JSONL_KEYS = optionKeys<JsonlOptions>()(['path', 'stream', 'every']);

const isTarget = (v: unknown): v is JsonlTarget => v !== null && typeof v === 'object' && typeof (v as JsonlTarget).write === 'function';

/** Normalises the `jsonl` option (a path, a stream or JsonlOptions); TypeError/RangeError naming it. */
export function checkJsonlOptions(v: unknown, name: string): JsonlOptions {
  if (typeof v === 'string') {
    if (v === '') invalidArg(name, 'a file path, a stream or { path | stream, every }', v, 'range');
    return { path: v, every: 1 };
  }
  if (isTarget(v) && !('path' in v) && !('every' in v) && !('stream' in v)) return { stream: v, every: 1 };
  const o = checkOptions(name, v, JSONL_KEYS);
  if ((o.path === undefined) === (o.stream === undefined)) invalidArg(name, 'exactly one of path and stream', v, 'range');
  if (o.path !== undefined && (typeof o.path !== 'string' || o.path === '')) invalidArg(`${name}.path`, 'a non-empty file path', o.path);
  if (o.stream !== undefined && !isTarget(o.stream)) invalidArg(`${name}.stream`, 'an object with write(string)', o.stream);
  const every = o.every === undefined ? 1 : checkInteger(`${name}.every`, o.every, 1, 2 ** 31 - 1);
  return { ...(o.path !== undefined ? { path: o.path as string } : { stream: o.stream as JsonlTarget }), every };
}

/** JSON with NaN/±Infinity as null (JSON.stringify does that for numbers already; typed arrays become arrays). */
export const line = (o: object): string => `${JSON.stringify(o)}\n`;

/** Writes JSON lines to a file (rotation-safe) or a stream; opened on the first write. */
export class JsonlSink {
  private fd: number | null = null;
  private ino = -1;
  private dev = -1;
  private closed = false;

  /**
   * @param opt a checked JsonlOptions.
   * @param header the start line's fields, asked for at every (re)open so a rotated file describes itself.
   */
  constructor(private readonly opt: JsonlOptions, private readonly header: () => object) {}

  /** Steps between step lines. */
  get every(): number {
    return this.opt.every ?? 1;
  }

  /**
   * Writes one object as one line.
   * @param o a JSON-safe object.
   */
  write(o: object): void {
    if (this.closed) return;
    const stream = this.opt.stream;
    if (stream) {
      if (this.fd === null) {
        this.fd = -1; // "opened": the start line goes out once
        stream.write(line({ type: 'start', format: JSONL_FORMAT, time: new Date().toISOString(), ...this.header() }));
      }
      stream.write(line(o));
      return;
    }
    this.ensureOpen();
    writeAll(this.fd as number, line(o));
  }

  /** Opens the file, or reopens it when the path no longer names the open file (rotated). */
  private ensureOpen(): void {
    const path = this.opt.path as string;
    if (this.fd !== null) {
      const st = statSync(path, { throwIfNoEntry: false });
      if (st && st.ino === this.ino && st.dev === this.dev) return;
      closeSync(this.fd);
      this.fd = null;
    }
    this.fd = openSync(path, 'a');
    const st = fstatSync(this.fd);
    this.ino = st.ino;
    this.dev = st.dev;
    writeAll(this.fd, line({ type: 'start', format: JSONL_FORMAT, time: new Date().toISOString(), ...this.header() }));
  }

  /** Closes the file (a stream is left open: it is the caller's). Later writes are dropped. */
  close(): void {
    if (this.fd !== null && this.fd >= 0) closeSync(this.fd);
    this.fd = null;
    this.closed = true;
  }
}

/** One line in as few writes as the OS allows (a regular file takes it in one). */
function writeAll(fd: number, s: string): void {
  const buf = Buffer.from(s);
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off);
}
