import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/types.js';

const listenersOf = (c: ReturnType<typeof loadConfig>) => c.listeners.map((l) => ({ ...l, advertised: { ...l.advertised } }));

describe('listener settings', () => {
  it('reads several listeners with the protocol map, advertised listeners and the KRaft names', () => {
    const c = loadConfig({
      argv: [
        '--listeners', 'INTERNAL://127.0.0.1:9092,EXTERNAL://:9093,sasl_plaintext://[::1]:9094,CONTROLLER://:9095',
        '--listener.security.protocol.map', 'INTERNAL:PLAINTEXT,EXTERNAL:SASL_SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT',
        '--advertised.listeners', 'EXTERNAL://kafka.example.com:19093',
        '--inter.broker.listener.name', 'INTERNAL',
        '--controller.listener.names', 'CONTROLLER',
      ],
    });
    expect(listenersOf(c)).toEqual([
      { name: 'INTERNAL', securityProtocol: 'PLAINTEXT', host: '127.0.0.1', port: 9092, advertised: { host: '127.0.0.1', port: null } },
      { name: 'EXTERNAL', securityProtocol: 'SASL_SSL', host: '', port: 9093, advertised: { host: 'kafka.example.com', port: 19093 } },
      { name: 'SASL_PLAINTEXT', securityProtocol: 'SASL_PLAINTEXT', host: '::1', port: 9094, advertised: { host: '::1', port: null } },
    ]);
    expect(c.ignored).toContain('listeners: CONTROLLER (controller listener)');
    expect(c.listener).toEqual({ name: 'INTERNAL', host: '127.0.0.1', port: 9092 });
  });

  it('keeps --port and --host for the one listener', () => {
    const c = loadConfig({ argv: ['--listeners', 'SASL_PLAINTEXT://127.0.0.1:9092', '--port', '0', '--host', '0.0.0.0'] });
    expect(listenersOf(c)).toEqual([{ name: 'SASL_PLAINTEXT', securityProtocol: 'SASL_PLAINTEXT', host: '0.0.0.0', port: 0, advertised: { host: 'localhost', port: null } }]);
  });

  it('refuses --port (or --host, --advertised-*) with several listeners, naming them', () => {
    const several = ['--listeners', 'PLAINTEXT://:9092,SSL://:9093'];
    expect(() => loadConfig({ argv: [...several, '--port', '9000'] })).toThrow(/--port cannot be used with several listeners \(PLAINTEXT:\/\/:9092,SSL:\/\/:9093\)/);
    expect(() => loadConfig({ argv: several, env: { TRIBUTARY_ADVERTISED_HOST: 'x' } })).toThrow(/--advertised-host cannot be used with several listeners/);
    expect(() => loadConfig({ argv: several, overrides: { port: 0 } })).toThrow(ConfigError);
  });

  it('stops on listeners Kafka would refuse, naming the listener', () => {
    expect(() => loadConfig({ argv: ['--listeners', 'CUSTOM://:9092'] })).toThrow(/no security protocol defined for listener CUSTOM/);
    expect(() => loadConfig({ argv: ['--listeners', 'PLAINTEXT://:9092,PLAINTEXT://:9093'] })).toThrow(/PLAINTEXT is defined twice/);
    expect(() => loadConfig({ argv: ['--listeners', 'PLAINTEXT://:9092,SSL://:9092'] })).toThrow(/PLAINTEXT and SSL both use port 9092/);
    expect(() => loadConfig({ argv: ['--listeners', 'PLAINTEXT://:9092', '--advertised.listeners', 'SSL://h:1'] })).toThrow(/listener SSL is not one of listeners/);
    expect(() => loadConfig({ argv: ['--listener.security.protocol.map', 'A:TLS'] })).toThrow(/listener A has an unknown security protocol 'TLS'/);
    expect(() => loadConfig({ argv: ['--inter.broker.listener.name', 'REPLICATION'] })).toThrow(/REPLICATION is not a broker listener/);
    expect(() => loadConfig({ argv: ['--listeners', 'PLAINTEXT:/:9092'] })).toThrow(/is not NAME:\/\/HOST:PORT/);
  });

  it('keeps listener.name.<listener>.<key> settings per listener, the listener name in any case', () => {
    const c = loadConfig({ argv: ['--listener.name.SASL_SSL.sasl.enabled.mechanisms', 'PLAIN'] });
    expect(c.listenerSetting('SASL_SSL', 'sasl.enabled.mechanisms')).toBe('PLAIN');
    expect(c.listenerSetting('sasl_ssl', 'sasl.enabled.mechanisms')).toBe('PLAIN');
    expect(c.listenerSetting('PLAINTEXT', 'sasl.enabled.mechanisms')).toBeNull();
  });
});
