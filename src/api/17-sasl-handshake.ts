// SaslHandshake (key 17), v0-1, as KafkaApis answers it: reached only where no SASL exchange can
// start — on a listener without SASL, or after the connection authenticated (src/server/sasl-gate.ts
// runs the exchange itself before that) — so the answer is ILLEGAL_SASL_STATE, as Kafka's.

import type { SaslHandshakeRequest, SaslHandshakeResponse } from '../codec/index.js';
import { ErrorCode } from '../codec/index.js';
import { type ApiHandler, schemaVersions } from './registry.js';

export const saslHandshakeHandler: ApiHandler<SaslHandshakeRequest, SaslHandshakeResponse> = {
  ...schemaVersions(17),
  handle() {
    return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] };
  },
  errorResponse(_request, errorCode) {
    return { errorCode, mechanisms: [] };
  },
};
