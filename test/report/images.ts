import { inflateSync } from 'node:zlib';

/** A decoded 8-bit image: `channels` samples per pixel, rows top to bottom. */
export interface Image {
  width: number;
  height: number;
  channels: number;
  data: Uint8Array;
}

/** Reads a binary PGM (P5, maxval 255), as `pdftoppm -gray` writes it. */
export function readPgm(buffer: Buffer): Image {
  // Header: "P5", width, height, maxval, separated by whitespace, then one whitespace byte.
  const header = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(buffer.subarray(0, 64).toString('latin1'));
  if (header === null || header[3] !== '255') throw new Error('not an 8-bit binary PGM');
  const width = Number(header[1]);
  const height = Number(header[2]);
  return { width, height, channels: 1, data: buffer.subarray(header[0].length, header[0].length + width * height) };
}

/** Decodes a non-interlaced 8-bit PNG (grey, RGB or RGBA), as Chromium's screenshots are. */
export function readPng(buffer: Buffer): Image {
  if (buffer.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (offset < buffer.length) {
    const length = buffer.readUInt32BE(offset);
    const type = buffer.toString('latin1', offset + 4, offset + 8);
    const body = buffer.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const [depth, colourType, , , interlace] = [body[8], body[9], body[10], body[11], body[12]];
      channels = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[colourType ?? -1] ?? 0;
      if (depth !== 8 || channels === 0 || interlace !== 0) throw new Error(`unsupported PNG: depth ${depth}, colour type ${colourType}, interlace ${interlace}`);
    } else if (type === 'IDAT') idat.push(body);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const data = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? data[y * stride + x - channels]! : 0;
      const b = y > 0 ? data[(y - 1) * stride + x]! : 0;
      const c = x >= channels && y > 0 ? data[(y - 1) * stride + x - channels]! : 0;
      const predictor = [0, a, b, (a + b) >> 1, paeth(a, b, c)][filter];
      if (predictor === undefined) throw new Error(`bad PNG filter ${filter}`);
      data[y * stride + x] = (line[x]! + predictor) & 0xff;
    }
  }
  return { width, height, channels, data };
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Share of pixels that are not (near) white: 0 for a blank page. */
export function inkRatio(image: Image): number {
  let ink = 0;
  const pixels = image.width * image.height;
  for (let p = 0; p < pixels; p++) {
    let darkest = 255;
    for (let k = 0; k < Math.min(3, image.channels); k++) darkest = Math.min(darkest, image.data[p * image.channels + k]!);
    if (darkest < 200) ink++;
  }
  return pixels === 0 ? 0 : ink / pixels;
}

/**
 * Checks that an HTML document's elements are properly nested and closed: a small tokenizer
 * over tags (comments, doctype and raw-text `<style>` skipped), void elements need no end tag.
 * Returns the problems found; empty when well-formed.
 */
export function htmlNestingProblems(html: string): string[] {
  const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);
  const problems: string[] = [];
  const stack: string[] = [];
  const tag = /<style>[\s\S]*?<\/style>|<!--[\s\S]*?-->|<!DOCTYPE[^>]*>|<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*(\/?)>|</g;
  for (const match of html.matchAll(tag)) {
    const [text, closing, rawName, , selfClosing] = match;
    if (text === '<') {
      problems.push(`stray "<" at ${match.index}`);
      continue;
    }
    if (rawName === undefined) continue; // comment, doctype or style block
    const name = rawName.toLowerCase();
    if (closing === '/') {
      const open = stack.pop();
      if (open !== name) problems.push(`</${name}> at ${match.index} closes <${open ?? 'nothing'}>`);
    } else if (!VOID.has(name) && selfClosing !== '/') {
      stack.push(name);
    }
  }
  if (stack.length > 0) problems.push(`unclosed: ${stack.join(' > ')}`);
  return problems;
}
