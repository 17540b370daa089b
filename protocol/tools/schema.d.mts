// Types for schema.mjs (so TypeScript tests can read our schema).
export interface SchemaField {
  name: string;
  type: string;
  versions: string;
  nullableVersions?: string;
  tag?: number;
  taggedVersions?: string;
  default?: string | number | boolean;
  ignorable?: boolean;
  flexibleVersions?: string;
  about?: string;
  fields?: SchemaField[];
}
export interface SchemaMessage {
  type: 'request' | 'response' | 'header' | 'data';
  name: string;
  apiKey?: number;
  validVersions: string;
  flexibleVersions?: string;
  listeners?: string[];
  latestVersionUnstable?: boolean;
  fields: SchemaField[];
  commonStructs: { name: string; versions: string; fields: SchemaField[] }[];
  _changelog: string[];
}
export const protocolDir: string;
export const repoDir: string;
export function loadSchema(): { file: string; base: string; group: string; messages: SchemaMessage[] }[];
export function loadErrorTable(): { code: number; name: string; retriable: boolean; message: string | null }[];
