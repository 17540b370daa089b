// SaslAuthenticate (key 36), v0-2, as KafkaApis answers it: reached only on a listener without SASL
// or after the connection authenticated (src/server/sasl-gate.ts runs the exchange before that), so
// the answer is ILLEGAL_SASL_STATE with Kafka's message.

import type { SaslAuthenticateRequest, SaslAuthenticateResponse } from '../codec/index.js';
import { ErrorCode } from '../codec/index.js';
import { type ApiHandler, schemaVersions } from './registry.js';

export const saslAuthenticateHandler: ApiHandler<SaslAuthenticateRequest, SaslAuthenticateResponse> = {
  ...schemaVersions(36),
  handle() {
    return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, errorMessage: 'SaslAuthenticate request received after successful authentication', authBytes: Buffer.alloc(0), sessionLifetimeMs: 0 };
  },
  errorResponse(_request, errorCode) {
    return { errorCode, errorMessage: null, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0 };
  },
};
