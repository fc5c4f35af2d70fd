/**
 * `node --expose-gc .build/bench/string-copy.js`: which way of copying a cut string owns only
 * its characters (a `slice` of 13 characters or more is a view that keeps the whole original
 * alive in V8), and what each costs. For every technique: the heap still held by 100 cuts of
 * 1,024 characters, each from a distinct 1 MB string, after garbage collection (about 0.1 MB
 * when the cut owns its characters, 100 MB when it keeps its original); and ns per cut of a
 * fresh 1,024-character slice (wall time: noise on a shared machine, read the order of
 * magnitude). Run it on each Node the package supports; `ownedText` is what nestjs-hud uses.
 */
import { ownedText } from '../lib/context/utf16.text.js';

const gc = (globalThis as { gc?: () => void }).gc;
const MB = 1024 * 1024;
const KEEP = 1024;
const CUTS = 100;
const TIMED = 100_000;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const TECHNIQUES: Record<string, (text: string) => string> = {
  'slice only (the view)': (text) => text,
  "''.concat(text)": (text) => ''.concat(text),
  'structuredClone(text)': (text) => structuredClone(text),
  'Buffer utf16le round trip': (text) => Buffer.from(text, 'utf16le').toString('utf16le'),
  'TextEncoder/TextDecoder round trip': (text) => decoder.decode(encoder.encode(text)),
  "ownedText: (' ' + text).slice(1)": ownedText,
};

/** A distinct flat string of 1 MB: one byte per character, or two (`€`). */
function original(i: number, twoByte: boolean): string {
  const text = Buffer.alloc(MB, 'a').toString('latin1');
  return `${i}:` + (twoByte ? text.replace(/a/g, '€') : text);
}

function heldBy(copy: (text: string) => string, twoByte: boolean): number {
  gc!();
  const before = process.memoryUsage().heapUsed;
  const kept: string[] = [];
  for (let i = 0; i < CUTS; i++) {
    const text = original(i, twoByte);
    text.charCodeAt(0); // flat, as a parsed body is
    kept.push(copy(text.slice(0, KEEP)));
  }
  gc!();
  gc!();
  const held = process.memoryUsage().heapUsed - before;
  if (kept.some((text, i) => !text.startsWith(`${i}:`) || text.length !== KEEP)) throw new Error('a copy changed the text');
  return held;
}

function nsPerCut(copy: (text: string) => string, twoByte: boolean): number {
  const text = original(-1, twoByte);
  let sink = 0;
  for (let i = 0; i < 2000; i++) sink += copy(text.slice(i, i + KEEP)).length;
  const start = process.hrtime.bigint();
  for (let i = 0; i < TIMED; i++) sink += copy(text.slice(i % 1000, (i % 1000) + KEEP)).length;
  const ns = Number(process.hrtime.bigint() - start) / TIMED;
  return sink === -1 ? 0 : ns;
}

if (gc === undefined) throw new Error('run with --expose-gc');
console.log(`node ${process.version}\n`);
console.log('| technique | characters | heap held by 100 cuts of 1 MB strings | ns per cut |');
console.log('| --- | --- | ---: | ---: |');
for (const [name, copy] of Object.entries(TECHNIQUES)) {
  for (const twoByte of [false, true]) {
    const held = heldBy(copy, twoByte);
    console.log(`| ${name} | ${twoByte ? 'two-byte' : 'one-byte'} | ${(held / MB).toFixed(1)} MB | ${nsPerCut(copy, twoByte).toFixed(0)} |`);
  }
}
