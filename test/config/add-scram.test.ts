import { describe, expect, it } from 'vitest';
import { parseAddScram } from '../../src/config/add-scram.js';
import { loadConfig } from '../../src/config/load.js';

describe('--add-scram (kafka-storage format syntax)', () => {
  it('parses password entries, quoted values and salted ones; repeats on the command line', () => {
    expect(parseAddScram('SCRAM-SHA-256=[name=alice,password=alice-secret]')).toEqual({ mechanism: 'SCRAM-SHA-256', name: 'alice', password: 'alice-secret' });
    expect(parseAddScram('SCRAM-SHA-512=[name=bob,password="a,b=c",iterations=8192]')).toEqual({ mechanism: 'SCRAM-SHA-512', name: 'bob', password: 'a,b=c', iterations: 8192 });
    const salted = parseAddScram('SCRAM-SHA-256=[name=carol,salt="c2FsdA==",saltedpassword="cHc=",iterations=4096]');
    expect(salted.salt?.toString()).toBe('salt');
    expect(salted.saltedPassword?.toString()).toBe('pw');
    const c = loadConfig({ argv: ['--add-scram', 'SCRAM-SHA-256=[name=a,password=x]', '--add-scram=SCRAM-SHA-512=[name=b,password=y]', '--num.partitions', '2'] });
    expect(c.addScram.map((e) => `${e.mechanism}:${e.name}`)).toEqual(['SCRAM-SHA-256:a', 'SCRAM-SHA-512:b']);
    expect(c.int('num.partitions')).toBe(2);
  });

  it('refuses malformed entries without echoing the password', () => {
    const problems = ['SCRAM-SHA-1=[name=a,password=topsecret]', 'SCRAM-SHA-256=[password=topsecret]', 'SCRAM-SHA-256=[name=a,passwd=topsecret]', 'SCRAM-SHA-256=[name=a,password=topsecret,saltedpassword=x]', 'SCRAM-SHA-256=name=a,password=topsecret'];
    for (const p of problems) {
      let message = '';
      try {
        parseAddScram(p);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message, p).toMatch(/^--add-scram: /);
      expect(message).not.toContain('topsecret');
    }
  });
});
