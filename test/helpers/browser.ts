/**
 * Runs Debian's chromium headless on a local HTML file: screenshots, the serialized DOM and the
 * page's console messages. Also a small PNG decoder, so a test can look at the screenshot's pixels.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inflateSync } from 'node:zlib';
import { findOnPath } from './system-deps.js';

/** The chromium binary on PATH, or undefined (system-deps.ts says what to install when it is missing). */
export function findChromium(): string | undefined {
  return findOnPath(['chromium', 'chromium-browser']);
}

export interface ChromiumRun {
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Messages the page wrote to its console, and uncaught errors ("INFO:CONSOLE..." lines). */
  readonly consoleLines: readonly string[];
}

/**
 * One headless run on `htmlFile` with `mode` (`--dump-dom` or `--screenshot=FILE`), in a fresh
 * profile directory, logging the page's console to stderr.
 */
export function runChromium(binary: string, htmlFile: string, mode: readonly string[], options: { readonly windowSize?: string; readonly timeoutMs?: number } = {}): ChromiumRun {
  const profile = mkdtempSync(join(tmpdir(), 'memplan-chromium-'));
  try {
    const args = [
      '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-extensions',
      '--hide-scrollbars', `--user-data-dir=${profile}`, `--window-size=${options.windowSize ?? '1400,2000'}`,
      '--enable-logging=stderr', '--v=0', ...mode, pathToFileURL(htmlFile).href,
    ];
    const r = spawnSync(binary, args, { encoding: 'utf8', timeout: options.timeoutMs ?? 40_000, maxBuffer: 64 << 20 });
    if (r.error) throw r.error;
    const stderr = r.stderr ?? '';
    return { exitCode: r.status, stdout: r.stdout ?? '', stderr, consoleLines: consoleErrors(stderr) };
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** Lines of chromium's log that come from the page: console messages, uncaught errors, CSP violations. */
export function consoleErrors(stderr: string): string[] {
  return stderr.split('\n').filter((l) => /:CONSOLE|Uncaught|ERROR:.*CONSOLE|Content Security Policy|Failed to load resource/.test(l));
}

export interface DecodedPng {
  readonly width: number;
  readonly height: number;
  /** 8-bit RGBA, row by row. */
  readonly rgba: Uint8Array;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function isPng(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.subarray(0, 8)).equals(PNG_SIGNATURE);
}

/** Decodes an 8-bit, non-interlaced RGB or RGBA PNG (what chromium writes). Throws on anything else. */
export function decodePng(bytes: Uint8Array): DecodedPng {
  if (!isPng(bytes)) throw new Error('not a PNG: bad signature');
  const buf = Buffer.from(bytes);
  let pos = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (pos + 8 <= buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const depth = data[8];
      const colour = data[9];
      if (depth !== 8 || (colour !== 2 && colour !== 6) || data[12] !== 0) throw new Error(`unsupported PNG: depth ${depth}, colour type ${colour}, interlace ${data[12]}`);
      channels = colour === 6 ? 4 : 3;
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    pos += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  if (raw.length !== height * (stride + 1)) throw new Error(`PNG data has ${raw.length} bytes, expected ${height * (stride + 1)}`);
  const out = new Uint8Array(width * height * 4);
  let prev = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = new Uint8Array(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? line[i - channels]! : 0;
      const b = prev[i]!;
      const c = i >= channels ? prev[i - channels]! : 0;
      let add = 0;
      if (filter === 1) add = a;
      else if (filter === 2) add = b;
      else if (filter === 3) add = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        add = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else if (filter !== 0) throw new Error(`bad PNG filter ${filter} on row ${y}`);
      line[i] = (line[i]! + add) & 0xff;
    }
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      out[o] = line[x * channels]!;
      out[o + 1] = line[x * channels + 1]!;
      out[o + 2] = line[x * channels + 2]!;
      out[o + 3] = channels === 4 ? line[x * channels + 3]! : 255;
    }
    prev = line;
  }
  return { width, height, rgba: out };
}

/** How many pixels are within `tolerance` (per channel) of the colour `#rrggbb`. */
export function countColour(png: DecodedPng, hex: string, tolerance = 6): number {
  const r = parseInt(hex.slice(1, 3), 16);
  const g = parseInt(hex.slice(3, 5), 16);
  const b = parseInt(hex.slice(5, 7), 16);
  let n = 0;
  for (let o = 0; o < png.rgba.length; o += 4) {
    if (Math.abs(png.rgba[o]! - r) <= tolerance && Math.abs(png.rgba[o + 1]! - g) <= tolerance && Math.abs(png.rgba[o + 2]! - b) <= tolerance) n++;
  }
  return n;
}
