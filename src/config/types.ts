// The value types a setting can have and how a text value (flag, env var, properties file,
// AlterConfigs request) becomes one. Shared by broker settings and topic configs.

export type ConfigType = 'int' | 'long' | 'double' | 'boolean' | 'string' | 'list' | 'password';
export type ConfigValue = number | boolean | string | string[] | null;

export const INT32_MAX = 2147483647;
/** Long.MAX_VALUE as Kafka prints it; as a JS number it is 2^63 (see the codec's int64 note). */
export const LONG_MAX = 9223372036854775807;

export class ConfigError extends Error {}

/** Parses a text value of a setting; throws ConfigError naming the key and why. */
export function parseValue(key: string, type: ConfigType, text: string): ConfigValue {
  const t = text.trim();
  switch (type) {
    case 'int':
    case 'long': {
      if (!/^-?\d+$/.test(t)) throw new ConfigError(`${key}: '${text}' is not an integer`);
      const n = Number(t);
      if (type === 'int' && (n > INT32_MAX || n < -INT32_MAX - 1)) {
        throw new ConfigError(`${key}: ${text} is out of range for an int`);
      }
      return n;
    }
    case 'double': {
      const n = Number(t);
      if (t === '' || Number.isNaN(n)) throw new ConfigError(`${key}: '${text}' is not a number`);
      return n;
    }
    case 'boolean':
      if (t.toLowerCase() === 'true') return true;
      if (t.toLowerCase() === 'false') return false;
      throw new ConfigError(`${key}: '${text}' is not true or false`);
    case 'list':
      return t === '' ? [] : t.split(',').map((s) => s.trim());
    case 'string':
    case 'password':
      return text;
  }
}

/** The text form of a value, as Kafka shows it in DescribeConfigs. */
export function formatValue(value: ConfigValue): string | null {
  if (value === null) return null;
  if (Array.isArray(value)) return value.join(',');
  if (typeof value === 'number' && value >= LONG_MAX) return '9223372036854775807';
  return String(value);
}
