// Kafka's JAAS configuration syntax, as found in `sasl.jaas.config` and
// `listener.name.<l>.<mechanism>.sasl.jaas.config`:
//   org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";
// One or more login modules, each `class flag (key=value)* ;`. Values are quoted strings (with
// backslash escapes) or bare words. Only the options matter to a broker (users for PLAIN, the
// unsecured-token settings for OAUTHBEARER).

export interface JaasLoginModule {
  className: string;
  flag: 'required' | 'requisite' | 'sufficient' | 'optional';
  options: Map<string, string>;
}

const FLAGS = new Set(['required', 'requisite', 'sufficient', 'optional']);

/** Parses a JAAS config value; throws an Error naming the problem (never echoing option values). */
export function parseJaasConfig(text: string): JaasLoginModule[] {
  const tokens = tokenize(text);
  const modules: JaasLoginModule[] = [];
  let i = 0;
  const next = (what: string): Token => {
    const t = tokens[i++];
    if (t === undefined) throw new Error(`JAAS config ends where ${what} was expected`);
    return t;
  };
  while (i < tokens.length) {
    const cls = next('a login module class');
    if (cls.kind !== 'word') throw new Error('JAAS config: a login module must start with its class name');
    const flag = next('a control flag');
    if (flag.kind !== 'word' || !FLAGS.has(flag.text.toLowerCase())) throw new Error(`JAAS config: login module ${cls.text} needs a control flag (required, requisite, sufficient or optional)`);
    const options = new Map<string, string>();
    for (;;) {
      const t = next("an option or ';'");
      if (t.kind === 'semicolon') break;
      if (t.kind !== 'word') throw new Error(`JAAS config: expected an option name in login module ${cls.text}`);
      const eq = next("'='");
      if (eq.kind !== 'equals') throw new Error(`JAAS config: option ${t.text} of ${cls.text} has no '='`);
      const value = next(`the value of option ${t.text}`);
      if (value.kind !== 'word' && value.kind !== 'string') throw new Error(`JAAS config: option ${t.text} of ${cls.text} has no value`);
      options.set(t.text, value.text);
    }
    modules.push({ className: cls.text, flag: flag.text.toLowerCase() as JaasLoginModule['flag'], options });
  }
  if (modules.length === 0) throw new Error('JAAS config has no login module');
  return modules;
}

type Token = { kind: 'word' | 'string'; text: string } | { kind: 'equals' | 'semicolon'; text: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '=' || c === ';') {
      tokens.push({ kind: c === '=' ? 'equals' : 'semicolon', text: c });
      i++;
    } else if (c === '"' || c === "'") {
      let value = '';
      i++;
      while (i < text.length && text[i] !== c) {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        value += text[i++];
      }
      if (i >= text.length) throw new Error('JAAS config has an unterminated quoted value');
      i++;
      tokens.push({ kind: 'string', text: value });
    } else {
      let word = '';
      while (i < text.length && !/[\s=;"']/.test(text[i])) word += text[i++];
      tokens.push({ kind: 'word', text: word });
    }
  }
  return tokens;
}
