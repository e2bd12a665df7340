/**
 * The kinds of credential, the fields each takes, and the checks across fields that a DTO cannot
 * express. Pure: the API's service and the unit spec use it.
 */

export const CREDENTIAL_KINDS = ['ssh', 'snmp-v2c', 'snmp-v3', 'http-secret', 'bearer'] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];

/** The SNMPv3 authentication protocols net-snmp implements, by its names. */
export const SNMP_AUTH_PROTOCOLS = ['md5', 'sha', 'sha224', 'sha256', 'sha384', 'sha512'] as const;
/** The SNMPv3 privacy protocols net-snmp implements (aes256b: Blumenthal, aes256r: Reeder). */
export const SNMP_PRIV_PROTOCOLS = ['des', 'aes', 'aes256b', 'aes256r'] as const;

/** Every field a credential may carry besides name and kind; secrets are write-only. */
export const PLAIN_FIELDS = ['username', 'auth_protocol', 'priv_protocol'] as const;
export const SECRET_FIELDS = [
  'private_key',
  'password',
  'community',
  'auth_key',
  'priv_key',
  'secret',
  'token',
] as const;
export type PlainField = (typeof PLAIN_FIELDS)[number];
export type SecretField = (typeof SECRET_FIELDS)[number];
export type CredentialField = PlainField | SecretField;

/** Which fields each kind takes. */
export const KIND_FIELDS: Record<
  CredentialKind,
  { plain: readonly PlainField[]; secret: readonly SecretField[] }
> = {
  ssh: { plain: ['username'], secret: ['private_key', 'password'] },
  'snmp-v2c': { plain: [], secret: ['community'] },
  'snmp-v3': {
    plain: ['username', 'auth_protocol', 'priv_protocol'],
    secret: ['auth_key', 'priv_key'],
  },
  'http-secret': { plain: [], secret: ['secret'] },
  bearer: { plain: [], secret: ['token'] },
};

/** A credential's fields as given (null or absent: not set). */
export type CredentialFields = Partial<Record<CredentialField, string | null>>;

function set(fields: CredentialFields, name: CredentialField): boolean {
  return fields[name] !== undefined && fields[name] !== null;
}

/** Checks pairs of fields that go together: both set or neither. */
function pairProblem(fields: CredentialFields, a: CredentialField, b: CredentialField) {
  return set(fields, a) !== set(fields, b)
    ? `${a} and ${b} go together: give both or neither`
    : null;
}

/** What is wrong with a kind's fields, one message per problem; empty when they fit. */
export function credentialProblems(kind: CredentialKind, fields: CredentialFields): string[] {
  const allowed: readonly CredentialField[] = [
    ...KIND_FIELDS[kind].plain,
    ...KIND_FIELDS[kind].secret,
  ];
  const problems = (Object.keys(fields) as CredentialField[])
    .filter((name) => set(fields, name) && !allowed.includes(name))
    .map((name) => `${name} is not a field of kind ${kind} (it takes ${allowed.join(', ')})`);
  const required: Record<CredentialKind, CredentialField[]> = {
    ssh: ['username'],
    'snmp-v2c': ['community'],
    'snmp-v3': ['username'],
    'http-secret': ['secret'],
    bearer: ['token'],
  };
  for (const name of required[kind]) {
    if (!set(fields, name)) problems.push(`${name} is required for kind ${kind}`);
  }
  if (kind === 'ssh' && !set(fields, 'private_key') && !set(fields, 'password')) {
    problems.push('kind ssh needs private_key or password');
  }
  if (kind === 'snmp-v3') {
    const pairs = [
      pairProblem(fields, 'auth_protocol', 'auth_key'),
      pairProblem(fields, 'priv_protocol', 'priv_key'),
    ];
    problems.push(...pairs.filter((p): p is string => p !== null));
    if (set(fields, 'priv_protocol') && !set(fields, 'auth_protocol')) {
      problems.push('privacy (priv_protocol) needs authentication (auth_protocol) too');
    }
  }
  return problems;
}

/** The fields of `fields` that a kind keeps in the clear, and those it seals. */
export function splitFields(kind: CredentialKind, fields: CredentialFields) {
  const pick = <F extends CredentialField>(names: readonly F[]) =>
    Object.fromEntries(
      names.filter((name) => set(fields, name)).map((name) => [name, fields[name] as string]),
    ) as Partial<Record<F, string>>;
  return { plain: pick(KIND_FIELDS[kind].plain), secret: pick(KIND_FIELDS[kind].secret) };
}

/** A credential opened for use: its kind and its fields, secrets included. */
export type ResolvedCredential =
  | {
      id: number;
      name: string;
      kind: 'ssh';
      username: string;
      private_key?: string;
      password?: string;
    }
  | { id: number; name: string; kind: 'snmp-v2c'; community: string }
  | {
      id: number;
      name: string;
      kind: 'snmp-v3';
      username: string;
      auth_protocol?: (typeof SNMP_AUTH_PROTOCOLS)[number];
      auth_key?: string;
      priv_protocol?: (typeof SNMP_PRIV_PROTOCOLS)[number];
      priv_key?: string;
    }
  | { id: number; name: string; kind: 'http-secret'; secret: string }
  | { id: number; name: string; kind: 'bearer'; token: string };

/** The resolved credential of one kind. */
export type ResolvedOf<K extends CredentialKind> = Extract<ResolvedCredential, { kind: K }>;
