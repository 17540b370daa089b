// Request header v0/v1/v2 and response header v0/v1, including unknown keys and versions.
import { describe, expect, it } from 'vitest';
import {
  API_SCHEMAS,
  ApiKey,
  CodecError,
  decodeRequestHeader,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  requestHeaderVersion,
  responseHeaderVersion,
} from '../../src/codec/index.js';

describe('request headers', () => {
  it('v0: ControlledShutdown v0 had no client id', () => {
    const frame = Buffer.from('0007000000000005' + '00000001', 'hex');
    expect(decodeRequestHeader(frame)).toEqual({ apiKey: 7, apiVersion: 0, correlationId: 5, clientId: null, headerVersion: 0, bodyOffset: 8 });
  });

  it('v1: classic nullable client id, null and non-null', () => {
    const named = Buffer.from('0003000100000009' + '0003' + Buffer.from('abc').toString('hex'), 'hex');
    expect(decodeRequestHeader(named)).toMatchObject({ apiKey: 3, apiVersion: 1, correlationId: 9, clientId: 'abc', headerVersion: 1, bodyOffset: 13 });
    const nul = Buffer.from('0003000100000009ffff', 'hex');
    expect(decodeRequestHeader(nul)).toMatchObject({ clientId: null, headerVersion: 1, bodyOffset: 10 });
  });

  it('v2: client id stays classic, then tagged fields (unknown ones kept)', () => {
    const frame = Buffer.from('0003000c0000000a' + '0001' + '78' + '01' + '05' + '02' + 'abcd', 'hex');
    const h = decodeRequestHeader(frame);
    expect(h).toMatchObject({ clientId: 'x', headerVersion: 2, bodyOffset: 16 });
    expect(h.taggedFields).toEqual([{ tag: 5, data: Buffer.from('abcd', 'hex') }]);
    const enc = Buffer.concat(encodeRequest(ApiKey.Metadata, 12, { correlationId: 10, clientId: 'x', taggedFields: h.taggedFields }, {}));
    expect(enc.subarray(4, 4 + 16).equals(frame)).toBe(true);
  });

  it('unknown keys fall back to v1; versions past the known range follow the flexible range', () => {
    const frame = Buffer.from('7fff0063000000010000', 'hex');
    expect(decodeRequestHeader(frame)).toMatchObject({ apiKey: 32767, apiVersion: 99, clientId: '', headerVersion: 1, bodyOffset: 10 });
    expect(requestHeaderVersion(ApiKey.ApiVersions, 9)).toBe(2);
    expect(requestHeaderVersion(ApiKey.ApiVersions, 2)).toBe(1);
    expect(requestHeaderVersion(ApiKey.SaslHandshake, 1)).toBe(1); // never flexible
  });

  it('matches the flexible ranges of every API', () => {
    for (const s of API_SCHEMAS) {
      for (let v = s.minVersion; v <= s.maxVersion; v++) {
        const flex = s.flexibleFrom !== null && v >= s.flexibleFrom;
        expect(requestHeaderVersion(s.key, v)).toBe(flex ? 2 : 1);
        expect(responseHeaderVersion(s.key, v)).toBe(s.key === 18 ? 0 : flex ? 1 : 0);
      }
    }
  });

  it('throws CodecError on truncated headers', () => {
    for (const hex of ['', '00', '000300', '00030001000000', '000300010000000100', '0003000100000001000561', '0003000c000000010000', '0003000c00000001000002']) {
      expect(() => decodeRequestHeader(Buffer.from(hex, 'hex')), hex).toThrow(CodecError);
    }
  });
});

describe('response headers', () => {
  it('v0 for classic versions, v1 (tagged fields) for flexible ones', () => {
    const v0 = Buffer.concat(encodeResponse(ApiKey.Heartbeat, 3, 77, { errorCode: 0 }));
    expect(v0.toString('hex')).toBe('0000000a' + '0000004d' + '00000000' + '0000');
    const v1 = Buffer.concat(encodeResponse(ApiKey.Heartbeat, 4, 77, { errorCode: 0 }));
    expect(v1.toString('hex')).toBe('0000000c' + '0000004d' + '00' + '00000000' + '0000' + '00');
    const { header } = decodeResponse(ApiKey.Heartbeat, 4, v1.subarray(4));
    expect(header).toEqual({ correlationId: 77, headerVersion: 1 });
  });

  it('keeps unknown tagged fields of a v1 response header', () => {
    const frame = Buffer.from('0000004d' + '01' + '0701ff' + '00000000' + '0000' + '00', 'hex');
    const { header } = decodeResponse(ApiKey.Heartbeat, 4, frame);
    expect(header.taggedFields).toEqual([{ tag: 7, data: Buffer.from([0xff]) }]);
  });
});
