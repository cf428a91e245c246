// Hybrid logical clock, the same stamp format as the server (sync/_hlc.py):
// "%015d-%05d-%s" = wall-clock ms (15 digits), counter (5 digits), node
// (this device's id, a lower-case uuid). Plain string comparison orders stamps.

export const MAX_WALL_MS = 10 ** 15 - 1;
export const MAX_COUNTER = 99_999;

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const STAMP_RE = new RegExp(`^([0-9]{15})-([0-9]{5})-(server|${UUID})$`);
const NODE_RE = new RegExp(`^(?:server|${UUID})$`);

export interface Stamp {
  wall: number;
  counter: number;
  node: string;
}

export function isNode(node: string): boolean {
  return NODE_RE.test(node);
}

export function formatStamp(wall: number, counter: number, node: string): string {
  if (
    !Number.isSafeInteger(wall) ||
    wall < 0 ||
    wall > MAX_WALL_MS ||
    !Number.isInteger(counter) ||
    counter < 0 ||
    counter > MAX_COUNTER ||
    !isNode(node)
  ) {
    throw new RangeError(`stamp parts out of range: ${wall}, ${counter}, ${node}`);
  }
  return `${String(wall).padStart(15, '0')}-${String(counter).padStart(5, '0')}-${node}`;
}

export function parseStamp(text: string): Stamp {
  const m = typeof text === 'string' ? STAMP_RE.exec(text) : null;
  if (!m) throw new RangeError(`not a hybrid-logical-clock stamp: ${String(text).slice(0, 80)}`);
  return { wall: Number(m[1]), counter: Number(m[2]), node: m[3]! };
}

/** Past five digits the counter borrows the next millisecond (as the server does). */
function carry(wall: number, counter: number): [number, number] {
  return counter > MAX_COUNTER ? [wall + 1, 0] : [wall, counter];
}

export class Clock {
  readonly node: string;
  private wall = 0;
  private counter = 0;
  private readonly now: () => number;

  /** `last` restores the latest stamp this node gave (kept in the local database across starts). */
  constructor(node: string, now: () => number = Date.now, last?: string | null) {
    if (!isNode(node)) throw new RangeError(`not a clock node: ${node}`);
    this.node = node;
    this.now = now;
    if (last) {
      try {
        const s = parseStamp(last);
        this.wall = s.wall;
        this.counter = s.counter;
      } catch {
        // a damaged value: start from the wall clock
      }
    }
  }

  /** The latest stamp given or received (the zero stamp before any). */
  get last(): string {
    return formatStamp(this.wall, this.counter, this.node);
  }

  /** A new local stamp, later than every stamp given or received, even if the wall clock went back. */
  tick(): string {
    const now = Math.floor(this.now());
    if (now > this.wall) {
      this.wall = now;
      this.counter = 0;
    } else {
      [this.wall, this.counter] = carry(this.wall, this.counter + 1);
    }
    return this.last;
  }

  /** Take in a stamp from another node; returns a local stamp later than both. */
  receive(remote: string): string {
    const r = parseStamp(remote);
    const now = Math.floor(this.now());
    const wall = Math.max(this.wall, r.wall, now);
    let counter: number;
    if (wall === this.wall && wall === r.wall) counter = Math.max(this.counter, r.counter) + 1;
    else if (wall === this.wall) counter = this.counter + 1;
    else if (wall === r.wall) counter = r.counter + 1;
    else counter = 0;
    [this.wall, this.counter] = carry(wall, counter);
    return this.last;
  }
}

/** A lower-case uuid v7 (RFC 9562): 48 bits of Unix milliseconds, then 74 random bits. Ids
 * made later sort later, so new records and mutations land beside the last ones in the
 * server's indexes instead of on a random page each, which made every push slower as the
 * database grew. getRandomValues, unlike crypto.randomUUID, needs no secure context. */
export function uuid(now: () => number = Date.now): string {
  const b = new Uint8Array(16);
  globalThis.crypto.getRandomValues(b);
  let ms = Math.min(Math.max(0, Math.floor(now())), 2 ** 48 - 1);
  for (let i = 5; i >= 0; i--) {
    b[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  b[6] = (b[6]! & 0x0f) | 0x70;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
