// Types for versions.mjs.
export type Range = { lo: number; hi: number } | null;
export function parseRange(s: string | undefined): Range;
export function formatRange(r: Range): string;
export function inRange(s: string | undefined, v: number): boolean;
export function rangeOf(vs: number[], open: boolean): string;
