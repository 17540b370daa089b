// ApiVersions (key 18), v0-4. Lists every API and version range the registry serves. v3+ requests
// carry the client's software name and version (KIP-511), kept on the connection for logs, and get
// the feature levels (src/cluster/features.ts: metadata.version, group.version, transaction.version). An
// unsupported version never reaches here: the dispatcher answers it with a v0 body (see there).

import type { ApiVersionsRequest, ApiVersionsResponse } from '../codec/index.js';
import { ErrorCode } from '../codec/index.js';
import { FEATURES, FINALIZED_FEATURES_EPOCH, pgFeatures } from '../cluster/features.js';
import type { RequestContext } from './context.js';
import { type ApiHandler, schemaVersions } from './registry.js';

const SOFTWARE_NAME_OR_VERSION = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;

export const apiVersionsHandler: ApiHandler<ApiVersionsRequest, ApiVersionsResponse> = {
  ...schemaVersions(18),
  handle(request, ctx: RequestContext) {
    const apiKeys = ctx.broker.registry.apiVersions().map((v) => ({ ...v }));
    if (ctx.apiVersion >= 3) {
      // Kafka refuses names that are not [a-zA-Z0-9.-] starting and ending alphanumeric (KIP-511).
      const { clientSoftwareName: name, clientSoftwareVersion: version } = request;
      if (!SOFTWARE_NAME_OR_VERSION.test(name) || !SOFTWARE_NAME_OR_VERSION.test(version)) {
        return { errorCode: ErrorCode.INVALID_REQUEST, apiKeys, throttleTimeMs: 0 } as ApiVersionsResponse;
      }
      ctx.connection.attributes.set('clientSoftware', `${name}/${version}`);
    }
    const features = ctx.broker.pg === undefined ? FEATURES : pgFeatures(ctx.broker.pg.transactionVersion);
    return {
      errorCode: ErrorCode.NONE,
      apiKeys,
      throttleTimeMs: 0,
      // Before v4 a feature whose minimum is 0 broke older clients' parsing: Kafka leaves it out (KAFKA-17492).
      supportedFeatures: features.filter((f) => ctx.apiVersion >= 4 || f.minVersion > 0).map((f) => ({ name: f.name, minVersion: f.minVersion, maxVersion: f.maxVersion })),
      finalizedFeaturesEpoch: FINALIZED_FEATURES_EPOCH,
      finalizedFeatures: features.map((f) => ({ name: f.name, minVersionLevel: f.finalizedLevel, maxVersionLevel: f.finalizedLevel })),
      zkMigrationReady: false,
    };
  },
};
