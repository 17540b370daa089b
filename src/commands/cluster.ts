// `tributary cluster info`: cluster id, controller and brokers (DescribeCluster, else Metadata),
// features and the API versions the bootstrap broker supports, beside the ones our codec knows.

import { ApiKey, apiInfo } from '../codec/index.js';
import { check } from '../client/errors.js';
import type { Command, CommandGroup } from './main.js';

const info: Command = {
  flags: {},
  async run({ args, out, client }) {
    args.noMorePositionals(1);
    const c = await client();
    let clusterId: string | null;
    let controllerId: number;
    let brokers: { id: number; host: string; port: number; rack: string | null; fenced: boolean }[];
    if (c.has(ApiKey.DescribeCluster)) {
      const res = await c.send(ApiKey.DescribeCluster, { includeClusterAuthorizedOperations: false, endpointType: 1, includeFencedBrokers: true });
      check(res.errorCode, 'describe cluster', res.errorMessage);
      clusterId = res.clusterId;
      controllerId = res.controllerId;
      brokers = res.brokers.map((b) => ({ id: b.brokerId, host: b.host, port: b.port, rack: b.rack, fenced: b.isFenced }));
    } else {
      const md = await c.metadata([]);
      clusterId = md.clusterId;
      controllerId = md.controllerId;
      brokers = md.brokers.map((b) => ({ id: b.nodeId, host: b.host, port: b.port, rack: b.rack, fenced: false }));
    }
    brokers.sort((a, b) => a.id - b.id);
    const av = c.apiVersions;
    const apis = [...av.apiKeys].sort((a, b) => a.apiKey - b.apiKey).map((k) => {
      const ours = c.versions.get(k.apiKey);
      return { apiKey: k.apiKey, name: apiInfo(k.apiKey)?.name ?? `Unknown${k.apiKey}`, minVersion: k.minVersion, maxVersion: k.maxVersion, usable: ours ?? null };
    });
    const features = {
      supported: av.supportedFeatures.map((f) => ({ name: f.name, minVersion: f.minVersion, maxVersion: f.maxVersion })),
      finalized: av.finalizedFeatures.map((f) => ({ name: f.name, minVersionLevel: f.minVersionLevel, maxVersionLevel: f.maxVersionLevel })),
      finalizedEpoch: av.finalizedFeaturesEpoch,
    };
    if (out.json) {
      await out.printJson({ clusterId, controllerId, brokers, features, apiVersions: apis });
      return 0;
    }
    await out.write(`Cluster ID: ${clusterId ?? '-'}\nController: ${controllerId}\n\n`);
    await out.printTable(['BROKER', 'HOST', 'PORT', 'RACK', 'FENCED'], brokers.map((b) => [
      b.id + (b.id === controllerId ? '*' : ''), b.host, b.port, b.rack, b.fenced ? 'yes' : 'no',
    ]));
    await out.write('\n');
    const finalized = new Map(features.finalized.map((f) => [f.name, f.maxVersionLevel]));
    await out.printTable(['FEATURE', 'SUPPORTED', 'FINALIZED'], features.supported.map((f) => [
      f.name, `${f.minVersion}-${f.maxVersion}`, finalized.get(f.name),
    ]));
    await out.write('\n');
    await out.printTable(['KEY', 'API', 'BROKER', 'USED-BY-THIS-TOOL'], apis.map((a) => [
      a.apiKey, a.name, `${a.minVersion}-${a.maxVersion}`, a.usable === null ? 'no' : `${a.usable.min}-${a.usable.max}`,
    ]));
    return 0;
  },
};

export const CLUSTER_COMMANDS: CommandGroup = { info };
