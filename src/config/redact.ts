/** Query parameters of a connection URL that may carry a credential (pg accepts `?password=`). */
const SECRET_PARAM = /pass|secret|token|key/i;

/** The URL with its password and credential-like query values replaced, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    for (const name of [...parsed.searchParams.keys()]) {
      if (SECRET_PARAM.test(name)) parsed.searchParams.set(name, '***');
    }
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/** The credentials a URL carries (password, credential-like query values), raw and decoded. */
export function urlSecrets(url: string): string[] {
  try {
    const parsed = new URL(url);
    const found = parsed.password ? [parsed.password, safeDecode(parsed.password)] : [];
    for (const [name, value] of parsed.searchParams) {
      if (SECRET_PARAM.test(name) && value) found.push(value, encodeURIComponent(value));
    }
    return found;
  } catch {
    return [];
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Secrets shorter than this are not searched for in log lines: they cannot be told apart from
 * ordinary text, and replacing every "ab" would garble the logs without protecting anything.
 */
const MIN_REDACTED_LENGTH = 4;

/**
 * Replaces every known secret (API key secrets, URL passwords) in a text with `***`, in its
 * plain and its JSON-escaped spelling, so a log line or error message never carries one.
 */
export class SecretRedactor {
  private readonly secrets: string[];

  constructor(secrets: Iterable<string>) {
    const spellings = new Set<string>();
    for (const secret of secrets) {
      if (secret.length < MIN_REDACTED_LENGTH) continue;
      spellings.add(secret);
      spellings.add(JSON.stringify(secret).slice(1, -1));
    }
    // Longest first, so a secret that contains another is replaced whole.
    this.secrets = [...spellings].sort((a, b) => b.length - a.length);
  }

  get empty(): boolean {
    return this.secrets.length === 0;
  }

  redact(text: string): string {
    let out = text;
    for (const secret of this.secrets) {
      if (out.includes(secret)) out = out.split(secret).join('***');
    }
    return out;
  }
}
