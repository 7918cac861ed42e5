import { isMap, isNode, isPair, isScalar, isSeq } from 'yaml';
import type { Document, LineCounter, Node, Pair } from 'yaml';

/** A path into the parsed configuration: mapping keys and sequence indexes. */
export type ConfigPath = ReadonlyArray<string | number>;

/** 1-based line and column of a place in the config file. */
export interface SourcePosition {
  line: number;
  column: number;
}

/** Formats a path the way users write it: `slos[0].sli.events.total_query`. */
export function formatConfigPath(path: ConfigPath): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

/** Position of a character offset, 1-based (LineCounter already counts lines and columns from 1). */
export function positionOf(offset: number, lineCounter: LineCounter): SourcePosition {
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

/**
 * Position of the node at `path`; when the path does not exist (a missing key), the position of
 * its deepest existing ancestor, so "missing key" points at the mapping that lacks it.
 */
export function locatePath(doc: Document, path: ConfigPath, lineCounter: LineCounter): SourcePosition {
  for (let length = path.length; length >= 0; length -= 1) {
    const node = nodeAt(doc, path.slice(0, length));
    if (node?.range) return positionOf(node.range[0], lineCounter);
  }
  return { line: 1, column: 1 };
}

/** Position of the key `key` inside the mapping at `mapPath` (for unknown keys), else of the mapping. */
export function locateKey(
  doc: Document,
  mapPath: ConfigPath,
  key: string,
  lineCounter: LineCounter,
): SourcePosition {
  const map = nodeAt(doc, mapPath);
  if (isMap(map)) {
    const pair = map.items.find((item) => isScalar(item.key) && String(item.key.value) === key);
    if (pair && isNode(pair.key) && pair.key.range) return positionOf(pair.key.range[0], lineCounter);
  }
  return locatePath(doc, mapPath, lineCounter);
}

function nodeAt(doc: Document, path: ConfigPath): Node | undefined {
  if (path.length === 0) return isNode(doc.contents) ? doc.contents : undefined;
  const found: unknown = doc.getIn(path, true);
  return isNode(found) ? found : undefined;
}

/**
 * The config path of a node from the ancestry `visit` passes: pair keys and sequence indexes.
 * `node` is the visited node itself, needed to find its index in a parent sequence.
 */
export function pathFromAncestry(ancestry: readonly unknown[], node: unknown): Array<string | number> {
  const path: Array<string | number> = [];
  ancestry.forEach((ancestor, index) => {
    const child = index + 1 < ancestry.length ? ancestry[index + 1] : node;
    if (isPair(ancestor)) path.push(pairKey(ancestor));
    else if (isSeq(ancestor)) path.push(ancestor.items.indexOf(child));
  });
  return path;
}

function pairKey(pair: Pair): string {
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}
