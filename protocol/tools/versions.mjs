// Version ranges as Kafka writes them: "3+", "0-4", "7", "none".

/** @typedef {{lo:number, hi:number} | null} Range  hi = Infinity for open ranges */

/** @param {string|undefined} s @returns {Range} */
export function parseRange(s) {
  if (s === undefined || s === null || s === 'none' || s === '') return null;
  let m = /^(\d+)\+$/.exec(s);
  if (m) return { lo: +m[1], hi: Infinity };
  m = /^(\d+)-(\d+)$/.exec(s);
  if (m) return { lo: +m[1], hi: +m[2] };
  m = /^(\d+)$/.exec(s);
  if (m) return { lo: +m[1], hi: +m[1] };
  throw new Error(`bad version range ${JSON.stringify(s)}`);
}

/** @param {Range} r */
export function formatRange(r) {
  if (!r) return 'none';
  if (r.hi === Infinity) return `${r.lo}+`;
  if (r.lo === r.hi) return `${r.lo}`;
  return `${r.lo}-${r.hi}`;
}

/** @param {string|undefined} s @param {number} v */
export function inRange(s, v) {
  const r = parseRange(s);
  return !!r && v >= r.lo && v <= r.hi;
}

/** Smallest contiguous range covering a set of versions (throws when not contiguous). @param {number[]} vs @param {boolean} open */
export function rangeOf(vs, open) {
  if (!vs.length) return 'none';
  const s = [...new Set(vs)].sort((a, b) => a - b);
  for (let i = 1; i < s.length; i++) if (s[i] !== s[i - 1] + 1) throw new Error(`versions not contiguous: ${s}`);
  return formatRange({ lo: s[0], hi: open ? Infinity : s[s.length - 1] });
}
