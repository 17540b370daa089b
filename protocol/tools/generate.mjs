#!/usr/bin/env node
// Generator: turns our schema (protocol/**/*.kdef, protocol/errors.tsv) into TypeScript under
// src/codec/generated/. Usage: node protocol/tools/generate.mjs [--check]
//
// Why generated code committed to the repo rather than closures built at start-up:
// - per-API TypeScript types (ProduceRequest, FetchResponse, …) come for free and the compiler checks
//   every handler against the schema; closures could not give types;
// - the decoders are straight-line code per struct (a version check per field, no interpretation
//   loop over field descriptors), which V8 optimises much better than a generic walker;
// - the output is reviewable in diffs, and `--check` (run in CI) fails when the committed files drift
//   from the schema or from this generator.
// One function per struct serves every version (branches on `v`), not one function per version:
// versions are data, and the code stays small.
import fs from 'node:fs';
import path from 'node:path';
import { loadSchema, loadErrorTable, repoDir } from './schema.mjs';
import { parseRange } from './versions.mjs';

const outDir = path.join(repoDir, 'src', 'codec', 'generated');
const check = process.argv.includes('--check');

const PRIMS = new Set(['bool', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64', 'string', 'uuid', 'bytes', 'records']);
const FIXED = { bool: 1, int8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, int64: 8, float64: 8, uuid: 16 };

/** @param {string} s */
const camel = (s) => s[0].toLowerCase() + s.slice(1);
/** @param {string} s */
const pascal = (s) => s.replace(/(^|-)([a-z0-9])/g, (_, __, c) => c.toUpperCase());

/** @typedef {{lo:number, hi:number}} Dom */

/**
 * A boolean expression in `v` that is true for the versions of range `r` within domain `d`.
 * @param {string|undefined} r @param {Dom} d @returns {string}
 */
function cond(r, d) {
  const x = parseRange(r);
  if (!x || x.hi < d.lo || x.lo > d.hi) return 'false';
  const parts = [];
  if (x.lo > d.lo) parts.push(`v >= ${x.lo}`);
  if (x.hi < d.hi) parts.push(`v <= ${x.hi}`);
  if (!parts.length) return 'true';
  return parts.length === 1 ? parts[0] : `(${parts.join(' && ')})`;
}
/** @param {string|undefined} r @param {Dom} d */
function narrow(r, d) {
  const x = parseRange(r);
  if (!x) return null;
  const lo = Math.max(x.lo, d.lo);
  const hi = Math.min(x.hi, d.hi);
  return lo > hi ? null : { lo, hi };
}
/** @param {string} c @param {string} a @param {string} b */
function sel(c, a, b) {
  if (c === 'true') return a;
  if (c === 'false') return b;
  return `(${c} ? ${a} : ${b})`;
}

/** Per-file generation context. */
class Gen {
  /** @param {any} msg @param {Map<string,string>} names struct key → TS type name */
  constructor(msg, names) {
    this.msg = msg;
    this.names = names;
    const r = parseRange(msg.validVersions);
    /** @type {Dom} */
    this.dom = { lo: r.lo, hi: r.hi };
    /** @type {string[]} */
    this.types = [];
    /** @type {string[]} */
    this.fns = [];
    this.flexible = !!parseRange(msg.flexibleVersions);
    this.isResponse = msg.type === 'response';
  }

  /** @param {any} f */
  structOf(f) {
    const t = f.type.replace(/^\[\]/, '');
    if (PRIMS.has(t)) return null;
    if (f.fields) return { name: t, fields: f.fields };
    const c = this.msg.commonStructs.find((/** @type {any} */ c) => c.name === t);
    if (!c) throw new Error(`${this.msg.name}: unknown type ${t}`);
    return { name: t, fields: c.fields, common: true };
  }
  /** @param {string} structName */
  tn(structName) {
    const n = this.names.get(`${this.msg.name}/${structName}`);
    if (!n) throw new Error(`no name for ${structName}`);
    return n;
  }
  /** @param {any} f @param {Dom} d */
  nullable(f, d) {
    return cond(f.nullableVersions, d);
  }
  /** @param {any} f @param {Dom} d */
  flex(f, d) {
    return cond(f.flexibleVersions ?? this.msg.flexibleVersions, d);
  }
  /** Nullable in any version the field exists in. @param {any} f */
  everNullable(f) {
    return !!narrow(f.nullableVersions, narrow(f.versions, this.dom) ?? this.dom);
  }

  /** TypeScript type of a field value (decoded form). @param {any} f */
  tsType(f) {
    const isArr = f.type.startsWith('[]');
    const t = f.type.replace(/^\[\]/, '');
    let base;
    if (t === 'bool') base = 'boolean';
    else if (t === 'string') base = 'string';
    else if (t === 'uuid') base = 'Uuid';
    else if (t === 'bytes') base = 'Buffer';
    else if (t === 'records') base = this.isResponse ? 'Buffer | Buffer[]' : 'Buffer';
    else if (PRIMS.has(t)) base = 'number';
    else base = this.tn(t);
    if (isArr) base = `${base.includes('|') ? `(${base})` : base}[]`;
    const nul = this.everNullable(f) || (f.default === 'null') || t === 'records';
    return nul ? `${base} | null` : base;
  }

  /** Default value expression for a field (decode side: fresh objects). @param {any} f */
  defaultExpr(f) {
    const t = f.type;
    const d = f.default;
    if (t.startsWith('[]')) return d === 'null' ? 'null' : '[]';
    if (t === 'records') return 'null';
    if (t === 'bytes') return d === 'null' ? 'null' : 'EMPTY_BYTES';
    if (t === 'string') return d === 'null' ? 'null' : JSON.stringify(d === undefined ? '' : String(d));
    if (t === 'bool') return String(d === true || d === 'true');
    if (t === 'uuid') return 'ZERO_UUID';
    if (PRIMS.has(t)) {
      if (d === undefined) return '0';
      const n = Number(d);
      if (!Number.isFinite(n)) throw new Error(`${this.msg.name}.${f.name}: bad default ${d}`);
      if (Math.abs(n) >= 2 ** 53) return n < 0 ? '-(2 ** 63)' : '2 ** 63';
      return String(n);
    }
    if (d === 'null') return 'null';
    return `def${this.tn(this.structOf(f).name)}()`;
  }
  /** Default used by the encoders for an absent (undefined) input. @param {any} f */
  encDefaultExpr(f) {
    if (f.type.startsWith('[]')) return f.default === 'null' ? 'null' : 'EMPTY_ARRAY';
    const s = this.structOf(f);
    if (s && !f.type.startsWith('[]')) return f.default === 'null' ? 'null' : 'EMPTY_OBJECT';
    return this.defaultExpr(f);
  }

  // ---- decode ----------------------------------------------------------------------------------

  /** Expression reading one non-array value. @param {string} t @param {string} flexE @param {string} nulE @param {any} f */
  readValue(t, flexE, nulE, f) {
    switch (t) {
      case 'bool': return 'r.bool()';
      case 'int8': return 'r.int8()';
      case 'int16': return 'r.int16()';
      case 'uint16': return 'r.uint16()';
      case 'int32': return 'r.int32()';
      case 'uint32': return 'r.uint32()';
      case 'int64': return 'r.int64()';
      case 'float64': return 'r.float64()';
      case 'uuid': return 'r.uuid()';
      case 'string':
        return sel(flexE, sel(nulE, 'r.compactNullableString()', 'r.compactString()'), sel(nulE, 'r.nullableString()', 'r.string()'));
      case 'bytes':
      case 'records':
        return sel(flexE, sel(nulE, 'r.compactNullableBytes()', 'r.compactBytes()'), sel(nulE, 'r.nullableBytes()', 'r.bytes()'));
      default: {
        const fn = `dec${this.tn(t)}(r, v)`;
        if (nulE === 'false') return fn;
        return sel(nulE, `(r.int8() < 0 ? null : ${fn})`, fn);
      }
    }
  }

  /**
   * Statements reading field f into `target`. @param {any} f @param {Dom} d @param {string} target
   * @param {string} ind @param {string[]} out @param {boolean} tagged
   */
  readInto(f, d, target, ind, out, tagged) {
    const flexE = tagged ? 'true' : this.flex(f, d);
    const nulE = this.nullable(f, d);
    if (!f.type.startsWith('[]')) {
      // Tagged nullable structs carry no presence marker: absence is the null.
      const t = f.type;
      const e = tagged && !PRIMS.has(t) ? `dec${this.tn(t)}(r, v)` : this.readValue(t, flexE, nulE, f);
      out.push(`${ind}${target} = ${e};`);
      return;
    }
    const et = f.type.slice(2);
    const lenE = sel(flexE, 'r.compactArrayLength()', 'r.arrayLength()');
    out.push(`${ind}{`);
    out.push(`${ind}  const n = ${lenE};`);
    const elType = this.tsType({ ...f, type: et, nullableVersions: undefined, default: undefined });
    const nullCase = nulE === 'false' ? `throw new CodecError('null in a non-nullable array ${f.name}');` : nulE === 'true' ? `${target} = null;` : `{ if (!(${nulE})) throw new CodecError('null in a non-nullable array ${f.name}'); ${target} = null; }`;
    out.push(`${ind}  if (n < 0) ${nullCase}`);
    out.push(`${ind}  else {`);
    out.push(`${ind}    const a = new Array<${elType}>(n);`);
    out.push(`${ind}    for (let i = 0; i < n; i++) a[i] = ${this.readValue(et, flexE, 'false', f)};`);
    out.push(`${ind}    ${target} = a;`);
    out.push(`${ind}  }`);
    out.push(`${ind}}`);
  }

  // ---- size and write ----------------------------------------------------------------------------

  /** @param {string} t @param {string} flexE @param {string} nulE @param {string} x @param {string} acc */
  sizeValue(t, flexE, nulE, x, acc, ind, out, tagged) {
    if (FIXED[t] !== undefined) {
      out.push(`${ind}${acc} += ${FIXED[t]};`);
      return;
    }
    switch (t) {
      case 'string': {
        const nn = `(${x} ?? '')`;
        out.push(`${ind}${acc} += ${sel(flexE, sel(nulE, `sizeCompactNullableString(${x})`, `sizeCompactString(${nn})`), sel(nulE, `sizeNullableString(${x})`, `sizeString(${nn})`))};`);
        return;
      }
      case 'bytes': {
        const nn = `(${x} ?? EMPTY_BYTES)`;
        out.push(`${ind}${acc} += ${sel(flexE, sel(nulE, `sizeCompactNullableBytes(${x})`, `sizeCompactBytes(${nn})`), sel(nulE, `sizeNullableBytes(${x})`, `sizeBytes(${nn})`))};`);
        return;
      }
      case 'records':
        out.push(`${ind}${acc} += sizeRecordsPrefix(${x}, ${flexE});`);
        return;
      default: {
        const fn = `size${this.tn(t)}(${x}, v)`;
        if (tagged || nulE === 'false') out.push(`${ind}${acc} += size${this.tn(t)}(${x} ?? EMPTY_OBJECT, v);`);
        else if (nulE === 'true') out.push(`${ind}${acc} += ${x} === null ? 1 : 1 + ${fn};`);
        else out.push(`${ind}${acc} += ${nulE} ? (${x} === null ? 1 : 1 + ${fn}) : size${this.tn(t)}(${x} ?? EMPTY_OBJECT, v);`);
      }
    }
  }

  /** @param {string} t @param {string} flexE @param {string} nulE @param {string} x */
  writeValue(t, flexE, nulE, x, ind, out, tagged) {
    switch (t) {
      case 'bool': out.push(`${ind}w.bool(${x});`); return;
      case 'int8': case 'int16': case 'uint16': case 'int32': case 'uint32': case 'int64': case 'float64': case 'uuid':
        out.push(`${ind}w.${t}(${x});`);
        return;
      case 'string': {
        const nn = `${x} ?? ''`;
        const c = (/** @type {string} */ n, /** @type {string} */ s) => sel(nulE, `w.${n}(${x})`, `w.${s}(${nn})`);
        out.push(`${ind}${flexE === 'true' ? c('compactNullableString', 'compactString') : flexE === 'false' ? c('nullableString', 'string') : `if (${flexE}) ${c('compactNullableString', 'compactString')}; else ${c('nullableString', 'string')}`};`);
        return;
      }
      case 'bytes': {
        const nn = `${x} ?? EMPTY_BYTES`;
        const c = (/** @type {string} */ n, /** @type {string} */ s) => sel(nulE, `w.${n}(${x})`, `w.${s}(${nn})`);
        out.push(`${ind}${flexE === 'true' ? c('compactNullableBytes', 'compactBytes') : flexE === 'false' ? c('nullableBytes', 'bytes') : `if (${flexE}) ${c('compactNullableBytes', 'compactBytes')}; else ${c('nullableBytes', 'bytes')}`};`);
        return;
      }
      case 'records':
        out.push(`${ind}w.records(${x}, ${flexE}, ${nulE});`);
        return;
      default: {
        const fn = `write${this.tn(t)}(w, ${x}, v)`;
        if (tagged || nulE === 'false') out.push(`${ind}write${this.tn(t)}(w, ${x} ?? EMPTY_OBJECT, v);`);
        else if (nulE === 'true') out.push(`${ind}if (${x} === null) w.int8(-1); else { w.int8(1); ${fn}; }`);
        else out.push(`${ind}if (${nulE} && ${x} === null) w.int8(-1); else { if (${nulE}) w.int8(1); write${this.tn(t)}(w, ${x} ?? EMPTY_OBJECT, v); }`);
      }
    }
  }

  /** Size (acc += …) or write statements for a whole field value held in `x`. */
  fieldOut(mode, f, d, x, acc, ind, out, tagged) {
    const flexE = tagged ? 'true' : this.flex(f, d);
    const nulE = this.nullable(f, d);
    if (!f.type.startsWith('[]')) {
      if (mode === 'size') this.sizeValue(f.type, flexE, nulE, x, acc, ind, out, tagged);
      else this.writeValue(f.type, flexE, nulE, x, ind, out, tagged);
      return;
    }
    const et = f.type.slice(2);
    const nullLen = (/** @type {string} */ fl) => sel(nulE, sel(fl, '0', '-1'), sel(fl, '1', '0'));
    if (mode === 'size') {
      out.push(`${ind}if (${x} === null) ${acc} += ${sel(flexE, '1', '4')};`);
      out.push(`${ind}else {`);
      out.push(`${ind}  ${acc} += ${sel(flexE, `sizeUvarint(${x}.length + 1)`, '4')};`);
      if (FIXED[et] !== undefined) out.push(`${ind}  ${acc} += ${x}.length * ${FIXED[et]};`);
      else {
        out.push(`${ind}  for (const e of ${x}) {`);
        this.sizeValue(et, flexE, 'false', 'e', acc, ind + '    ', out, false);
        out.push(`${ind}  }`);
      }
      out.push(`${ind}}`);
    } else {
      const nl = flexE === 'true' ? `w.uvarint(${nullLen('true')})` : flexE === 'false' ? `w.int32(${nullLen('false')})` : `if (${flexE}) w.uvarint(${nullLen('true')}); else w.int32(${nullLen('false')})`;
      out.push(`${ind}if (${x} === null) { ${nl}; }`);
      out.push(`${ind}else {`);
      out.push(`${ind}  ${flexE === 'true' ? `w.uvarint(${x}.length + 1)` : flexE === 'false' ? `w.int32(${x}.length)` : `if (${flexE}) w.uvarint(${x}.length + 1); else w.int32(${x}.length)`};`);
      out.push(`${ind}  for (const e of ${x}) {`);
      this.writeValue(et, flexE, 'false', 'e', ind + '    ', out, false);
      out.push(`${ind}  }`);
      out.push(`${ind}}`);
    }
  }

  /** Expression: is tagged value x different from its default (so it must be written)? @param {any} f @param {string} x */
  nonDefault(f, x) {
    const t = f.type;
    const def = this.defaultExpr(f);
    if (t.startsWith('[]') || t === 'bytes' || t === 'records') {
      return def === 'null' ? `${x} !== null` : `(${x} !== null && ${x}.length > 0)`;
    }
    if (PRIMS.has(t)) return `${x} !== ${def}`;
    if (def === 'null') return `${x} !== null`;
    return `!isDefault${this.tn(t)}(${x})`;
  }

  /** Expression: x equals the field default (for isDefault functions). @param {any} f @param {string} x */
  isDefaultExpr(f, x) {
    return `(${x} === undefined || !(${this.nonDefault(f, x)}))`;
  }

  // ---- one struct ---------------------------------------------------------------------------------

  /** @param {string} typeName @param {any[]} fields @param {Dom} d @param {string} doc */
  struct(typeName, fields, d, doc) {
    /** @type {string[]} */
    const T = [];
    if (doc) T.push(`/** ${doc} */`);
    T.push(`export interface ${typeName} {`);
    for (const f of fields) {
      if (!narrow(f.versions, d)) continue;
      const vr = f.versions + (f.tag !== undefined ? `, tag ${f.tag}` : '') + (f.nullableVersions ? `, nullable ${f.nullableVersions}` : '');
      T.push(`  /** ${(f.about ?? '').replace(/\*\//g, '* /')} (v${vr}) */`);
      T.push(`  ${camel(f.name)}: ${this.tsType(f)};`);
    }
    if (this.flexible) T.push('  /** Tagged fields this schema does not know at the decoded version; written back on encode. */', '  _unknownTaggedFields?: TaggedField[];');
    T.push('}');
    this.types.push(T.join('\n'));

    const live = fields.filter((f) => narrow(f.versions, d));
    const flexE = cond(this.msg.flexibleVersions, d);
    const plain = live.filter((f) => f.tag === undefined);
    const tagged = live.filter((f) => f.tag !== undefined).sort((a, b) => a.tag - b.tag);
    for (const f of tagged) if (cond(f.taggedVersions, narrow(f.versions, d)) !== 'true') throw new Error(`${typeName}.${f.name}: a field tagged in only some of its versions is not supported`);

    // decode
    const D = [];
    D.push(`function dec${typeName}(r: Reader, v: number): ${typeName} {`);
    for (const f of live) {
      const fd = narrow(f.versions, d);
      const c = cond(f.versions, d);
      const local = `f_${camel(f.name)}`;
      const ty = this.tsType(f);
      if (f.tag !== undefined) {
        D.push(`  let ${local}: ${ty} = ${this.defaultExpr(f)};`);
        continue;
      }
      if (c === 'true' && !f.type.startsWith('[]')) {
        const o = [];
        this.readInto(f, fd, local, '', o, false);
        D.push(`  const ${o[0].replace(/;$/, '')};`.replace(`const ${local} =`, `const ${local}: ${ty} =`));
        continue;
      }
      D.push(`  let ${local}: ${ty} = ${f.type.startsWith('[]') && c === 'true' ? 'null as never' : this.defaultExpr(f)};`);
      if (c === 'true') this.readInto(f, fd, local, '  ', D, false);
      else {
        D.push(`  if (${c}) {`);
        this.readInto(f, fd, local, '    ', D, false);
        D.push('  }');
      }
    }
    if (this.flexible) {
      D.push('  let unknown: TaggedField[] | undefined;');
      if (flexE !== 'false') {
        D.push(`  if (${flexE}) {`);
        D.push('    const count = r.uvarint();');
        D.push('    let last = -1;');
        D.push('    for (let i = 0; i < count; i++) {');
        D.push('      const tag = r.uvarint();');
        D.push("      if (tag <= last) throw new CodecError('tagged fields out of order');");
        D.push('      last = tag;');
        D.push('      const size = r.uvarint();');
        if (tagged.length) D.push('      const end = r.tagEnd(size);');
        let first = true;
        for (const f of tagged) {
          const tc = cond(f.taggedVersions, narrow(f.versions, d));
          const vc = cond(f.versions, d);
          const cc = [`tag === ${f.tag}`, vc, tc].filter((x) => x !== 'true').join(' && ');
          D.push(`      ${first ? 'if' : 'else if'} (${cc}) {`);
          this.readInto(f, narrow(f.versions, d), `f_${camel(f.name)}`, '        ', D, true);
          D.push('        r.endTag(end);');
          D.push('      }');
          first = false;
        }
        D.push(`      ${first ? '' : 'else '}(unknown ??= []).push({ tag, data: r.raw(size) });`);
        D.push('    }');
        D.push('  }');
      }
    }
    const ret = live.map((f) => `${camel(f.name)}: f_${camel(f.name)}`);
    if (this.flexible) ret.push('_unknownTaggedFields: unknown');
    D.push(`  return { ${ret.join(', ')} };`);
    D.push('}');
    this.fns.push(D.join('\n'));

    // default object
    const F = [`function def${typeName}(): ${typeName} {`];
    F.push(`  return { ${live.map((f) => `${camel(f.name)}: ${this.defaultExpr(f)}`).join(', ')} };`);
    F.push('}');
    this.fns.push(F.join('\n'));

    // isDefault (for tagged struct fields)
    const I = [`function isDefault${typeName}(o: EncodeInput<${typeName}>): boolean {`];
    if (this.flexible) I.push('  if (o._unknownTaggedFields !== undefined && o._unknownTaggedFields.length > 0) return false;');
    I.push(`  return ${live.length ? live.map((f) => this.isDefaultExpr(f, `o.${camel(f.name)}`)).join(' &&\n    ') : 'true'};`);
    I.push('}');
    this.fns.push(I.join('\n'));

    // size and write
    for (const mode of ['size', 'write']) {
      const S = [];
      S.push(mode === 'size' ? `function size${typeName}(o: EncodeInput<${typeName}>, v: number): number {` : `function write${typeName}(w: Writer, o: EncodeInput<${typeName}>, v: number): void {`);
      if (mode === 'size') S.push('  let n = 0;');
      for (const f of plain) {
        const fd = narrow(f.versions, d);
        const c = cond(f.versions, d);
        const x = `f_${camel(f.name)}`;
        const body = [];
        if (mode === 'size' && FIXED[f.type] !== undefined) body.push(`n += ${FIXED[f.type]};`);
        else {
          body.push(`const ${x} = o.${camel(f.name)} === undefined ? ${this.encDefaultExpr(f)} : o.${camel(f.name)};`);
          this.fieldOut(mode, f, fd, x, 'n', '', body, false);
        }
        if (c === 'true') S.push(...body.map((l) => '  ' + l));
        else {
          S.push(`  if (${c}) {`);
          S.push(...body.map((l) => '    ' + l));
          S.push('  }');
        }
      }
      if (this.flexible && flexE !== 'false') {
        S.push(`  if (${flexE}) {`);
        S.push('    const u = o._unknownTaggedFields;');
        S.push(`    ${tagged.length ? 'let' : 'const'} count = u === undefined ? 0 : u.length;`);
        for (const f of tagged) {
          const x = `t_${camel(f.name)}`;
          const vc = [cond(f.versions, d), cond(f.taggedVersions, narrow(f.versions, d))].filter((c) => c !== 'true');
          S.push(`    const ${x} = o.${camel(f.name)} === undefined ? ${this.encDefaultExpr(f)} : o.${camel(f.name)};`);
          S.push(`    const has_${x} = ${[...vc, this.nonDefault(f, x)].join(' && ')};`);
          S.push(`    let size_${x} = 0;`);
          S.push(`    if (has_${x}) {`);
          this.fieldOut('size', f, narrow(f.versions, d), x, `size_${x}`, '      ', S, true);
          S.push('      count++;');
          S.push('    }');
        }
        if (mode === 'size') {
          S.push('    n += sizeUvarint(count);');
          S.push('    if (u !== undefined) for (const t of u) n += sizeTaggedField(t);');
          for (const f of tagged) {
            const x = `t_${camel(f.name)}`;
            S.push(`    if (has_${x}) n += sizeUvarint(${f.tag}) + sizeUvarint(size_${x}) + size_${x};`);
          }
        } else {
          S.push('    w.uvarint(count);');
          if (tagged.length) S.push('    let ui = 0;');
          for (const f of tagged) {
            const x = `t_${camel(f.name)}`;
            S.push(`    if (has_${x}) {`);
            S.push(`      while (u !== undefined && ui < u.length && u[ui].tag < ${f.tag}) w.taggedField(u[ui++]);`);
            S.push(`      w.uvarint(${f.tag});`);
            S.push(`      w.uvarint(size_${x});`);
            this.fieldOut('write', f, narrow(f.versions, d), x, '', '      ', S, true);
            S.push('    }');
          }
          S.push(tagged.length ? '    while (u !== undefined && ui < u.length) w.taggedField(u[ui++]);' : '    if (u !== undefined) for (const t of u) w.taggedField(t);');
        }
        S.push('  }');
      }
      if (mode === 'size') S.push('  return n;');
      S.push('}');
      this.fns.push(S.join('\n'));
    }

    // nested structs
    for (const f of live) {
      const s = this.structOf(f);
      if (!s || s.common) continue;
      this.struct(this.tn(s.name), s.fields, narrow(f.versions, d), f.about ?? '');
    }
  }

  run() {
    this.struct(this.msg.name, this.msg.fields, this.dom, `${this.msg.name}, versions ${this.msg.validVersions}, flexible ${this.msg.flexibleVersions ?? 'none'}.`);
    for (const c of this.msg.commonStructs) {
      const r = parseRange(c.versions);
      this.struct(this.tn(c.name), c.fields, { lo: Math.max(r.lo, this.dom.lo), hi: Math.min(r.hi, this.dom.hi) }, '');
    }
  }
}

/** Assigns globally unique TypeScript names to every struct. @param {any[]} files */
function assignNames(files) {
  /** @type {Map<string, Set<string>>} struct name → messages using it */
  const users = new Map();
  const messageNames = new Set();
  for (const file of files) for (const m of file.messages) messageNames.add(m.name);
  const walk = (/** @type {any} */ m, /** @type {any[]} */ fields) => {
    for (const f of fields) {
      const t = f.type.replace(/^\[\]/, '');
      if (PRIMS.has(t)) continue;
      if (!users.has(t)) users.set(t, new Set());
      users.get(t).add(m.name);
      if (f.fields) walk(m, f.fields);
    }
  };
  for (const file of files) for (const m of file.messages) {
    walk(m, m.fields);
    for (const c of m.commonStructs) walk(m, c.fields);
  }
  /** @type {Map<string,string>} */
  const names = new Map();
  for (const [t, ms] of users) {
    for (const m of ms) names.set(`${m}/${t}`, ms.size > 1 || messageNames.has(t) ? `${m}${t}` : t);
  }
  for (const file of files) for (const m of file.messages) names.set(`${m.name}/${m.name}`, m.name);
  return names;
}

const HEADER = '// GENERATED by protocol/tools/generate.mjs from protocol/';
/** @type {Map<string,string>} */
const outputs = new Map();
const files = loadSchema();
const names = assignNames(files);

/** Import lines for the runtime names a generated file uses. @param {string} body */
function runtimeImports(body) {
  const used = (/** @type {string} */ n) => new RegExp(`\\b${n}\\b`).test(body);
  const pick = (/** @type {string[]} */ ns) => ns.filter((n) => used(n.replace(/^type /, '')));
  const lines = [];
  const groups = [
    ['../reader.js', ['Reader', 'type TaggedField']],
    ['../writer.js', ['Writer', 'sizeUvarint', 'sizeString', 'sizeNullableString', 'sizeCompactString', 'sizeCompactNullableString', 'sizeBytes', 'sizeNullableBytes', 'sizeCompactBytes', 'sizeCompactNullableBytes', 'sizeRecordsPrefix', 'sizeTaggedField']],
    ['../errors.js', ['CodecError']],
    ['../uuid.js', ['ZERO_UUID', 'type Uuid']],
    ['../types.js', ['EMPTY_BYTES', 'EMPTY_ARRAY', 'EMPTY_OBJECT', 'type EncodeInput']],
  ];
  for (const [from, ns] of groups) {
    const p = pick(/** @type {string[]} */ (ns));
    if (p.length) lines.push(`import { ${p.join(', ')} } from '${from}';`);
  }
  return lines.join('\n') + '\n';
}

/** @type {any[]} */
const apis = [];
/** @type {any[]} */
const datas = [];
for (const file of files) {
  const parts = [];
  const exportsList = [];
  for (const m of file.messages) {
    const g = new Gen(m, names);
    g.run();
    parts.push(...g.types, ...g.fns);
    exportsList.push(`export const ${m.name}Codec = { decode: dec${m.name}, size: size${m.name}, write: write${m.name} };`);
  }
  let joined = parts.join('\n\n');
  for (;;) {
    const before = joined;
    joined = joined
      .split('\n\n')
      .filter((block) => {
        const m = /^function ((?:def|isDefault)\w+)\(/.exec(block);
        if (!m) return true;
        return new RegExp(`\\b${m[1]}\\(`).test(joined.replace(block, ''));
      })
      .join('\n\n');
    if (joined === before) break;
  }
  const body = `${joined}\n\n${exportsList.join('\n')}\n`;
  const text = `${HEADER}${file.group}/${file.base}.kdef — do not edit; run \`npm run gen:protocol\`.\n${runtimeImports(body)}\n${body}`;
  outputs.set(`${file.base}.ts`, text);
  for (const m of file.messages) {
    const r = parseRange(m.validVersions);
    const fl = parseRange(m.flexibleVersions);
    const entry = { file: file.base, name: m.name, key: m.apiKey, type: m.type, min: r.lo, max: r.hi, flex: fl ? fl.lo : null, listeners: m.listeners ?? [], unstable: !!m.latestVersionUnstable };
    if (file.group === 'apis') apis.push(entry);
    else datas.push(entry);
  }
}

// index of the generated code: tables and type maps
{
  const L = [`${HEADER} — do not edit; run \`npm run gen:protocol\`.`];
  L.push("import type { Reader } from '../reader.js';");
  L.push("import type { Writer } from '../writer.js';");
  const byFile = new Map();
  for (const e of [...apis, ...datas]) {
    if (!byFile.has(e.file)) byFile.set(e.file, []);
    byFile.get(e.file).push(e.name);
  }
  // API modules (1.4 MB of JS) are imported by API_SCHEMAS[i].load() on first use, so that a broker
  // starts without compiling the codecs of APIs no client calls; only the small data schemas and the
  // types (erased) are imported here.
  const dataFiles = new Set(datas.map((e) => e.file));
  for (const [f, ns] of byFile) {
    if (dataFiles.has(f)) L.push(`import { ${ns.map((/** @type {string} */ n) => `${n}Codec`).join(', ')} } from './${f}.js';`);
  }
  for (const file of files) L.push(`export type * from './${file.base}.js';`);
  for (const [f, ns] of byFile) {
    if (dataFiles.has(f)) L.push(`export { ${ns.map((/** @type {string} */ n) => `${n}Codec`).join(', ')} } from './${f}.js';`);
  }
  L.push('');
  L.push('/** Decoder, sizer and writer of one message; each takes the version. */');
  L.push('export interface MessageCodec<T = any> {');
  L.push('  decode(r: Reader, v: number): T;');
  L.push('  size(o: any, v: number): number;');
  L.push('  write(w: Writer, o: any, v: number): void;');
  L.push('}');
  L.push('');
  L.push('/** What the schema says about one API key. */');
  L.push('export interface ApiSchema {');
  L.push('  key: number;');
  L.push('  /** Kafka\'s name, e.g. "Produce". */');
  L.push('  name: string;');
  L.push('  minVersion: number;');
  L.push('  maxVersion: number;');
  L.push('  /** First flexible version, or null when no version is flexible. */');
  L.push('  flexibleFrom: number | null;');
  L.push('  listeners: readonly string[];');
  L.push('  /** The newest version is not advertised unless unstable versions are enabled. */');
  L.push('  latestVersionUnstable: boolean;');
  L.push('  /** Imports the API\'s codec module; loadApiCodec() (../api-codecs.ts) caches it. */');
  L.push('  load(): Promise<ApiCodecs>;');
  L.push('}');
  L.push('');
  L.push('/** Request and response codecs of one API. */');
  L.push('export interface ApiCodecs {');
  L.push('  request: MessageCodec;');
  L.push('  response: MessageCodec;');
  L.push('}');
  L.push('');
  const reqs = apis.filter((e) => e.type === 'request').sort((a, b) => a.key - b.key);
  L.push('/** Every API key of the schema, by key. */');
  L.push('export const ApiKey = {');
  for (const e of reqs) L.push(`  ${e.name.replace(/Request$/, '')}: ${e.key},`);
  L.push('} as const;');
  L.push('export type ApiKey = (typeof ApiKey)[keyof typeof ApiKey];');
  L.push('');
  L.push('/** Schema of every API, ordered by key. */');
  L.push('export const API_SCHEMAS: readonly ApiSchema[] = [');
  for (const e of reqs) {
    const resp = apis.find((x) => x.type === 'response' && x.key === e.key);
    L.push(`  { key: ${e.key}, name: '${e.name.replace(/Request$/, '')}', minVersion: ${e.min}, maxVersion: ${e.max}, flexibleFrom: ${e.flex}, listeners: ${JSON.stringify(e.listeners)}, latestVersionUnstable: ${e.unstable}, load: () => import('./${e.file}.js').then((m) => ({ request: m.${e.name}Codec, response: m.${resp.name}Codec })) },`);
  }
  L.push('];');
  L.push('');
  L.push('/** Request body type by API key. */');
  L.push('export interface RequestByKey {');
  for (const e of reqs) L.push(`  ${e.key}: import('./${e.file}.js').${e.name};`);
  L.push('}');
  L.push('/** Response body type by API key. */');
  L.push('export interface ResponseByKey {');
  for (const e of reqs) {
    const resp = apis.find((x) => x.type === 'response' && x.key === e.key);
    L.push(`  ${e.key}: import('./${e.file}.js').${resp.name};`);
  }
  L.push('}');
  L.push('');
  L.push('/** What the schema says about one header or data schema. */');
  L.push('export interface DataSchema {');
  L.push('  name: string;');
  L.push("  type: 'header' | 'data';");
  L.push('  minVersion: number;');
  L.push('  maxVersion: number;');
  L.push('  flexibleFrom: number | null;');
  L.push('  codec: MessageCodec;');
  L.push('}');
  L.push('/** Header and data schemas by name. */');
  L.push('export const DATA_SCHEMAS = {');
  for (const e of datas) L.push(`  ${e.name}: { name: '${e.name}', type: '${e.type}', minVersion: ${e.min}, maxVersion: ${e.max}, flexibleFrom: ${e.flex}, codec: ${e.name}Codec } as DataSchema,`);
  L.push('};');
  L.push('/** Data type by schema name. */');
  L.push('export interface DataByName {');
  for (const e of datas) L.push(`  ${e.name}: import('./${e.file}.js').${e.name};`);
  L.push('}');
  outputs.set('index.ts', L.join('\n') + '\n');
}

// error table
{
  const errs = loadErrorTable();
  const L = [`${HEADER}errors.tsv — do not edit; run \`npm run gen:protocol\`.`];
  L.push('');
  L.push('/** Kafka error codes by name. */');
  L.push('export const ErrorCode = {');
  for (const e of errs) L.push(`  ${e.name}: ${e.code},`);
  L.push('} as const;');
  L.push('export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];');
  L.push('');
  L.push('/** One row of the error table. */');
  L.push('export interface ErrorInfo {');
  L.push('  code: number;');
  L.push('  name: string;');
  L.push('  retriable: boolean;');
  L.push('  message: string | null;');
  L.push('}');
  L.push('');
  L.push('/** The error table, in code order. */');
  L.push('export const ERROR_TABLE: readonly ErrorInfo[] = [');
  for (const e of errs) L.push(`  { code: ${e.code}, name: '${e.name}', retriable: ${e.retriable}, message: ${JSON.stringify(e.message)} },`);
  L.push('];');
  outputs.set('errors.ts', L.join('\n') + '\n');
}

// write or check
const existing = fs.existsSync(outDir) ? fs.readdirSync(outDir).filter((f) => f.endsWith('.ts')) : [];
const diffs = [];
for (const [name, text] of outputs) {
  const p = path.join(outDir, name);
  const old = fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : null;
  if (old !== text) diffs.push(name);
  if (!check && old !== text) {
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(p, text);
  }
}
for (const f of existing) {
  if (outputs.has(f)) continue;
  diffs.push(`${f} (stale)`);
  if (!check) fs.unlinkSync(path.join(outDir, f));
}
if (check) {
  if (diffs.length) {
    console.error(`generated code is out of date: ${diffs.join(', ')}\nrun: npm run gen:protocol`);
    process.exit(1);
  }
  console.log(`generated code is up to date (${outputs.size} files)`);
} else console.log(`generated ${outputs.size} files, ${diffs.length} changed`);
