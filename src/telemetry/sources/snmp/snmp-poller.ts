import { isIPv6 } from 'node:net';
import * as snmp from 'net-snmp';
import { COLUMNS, IfTableWalk, SYS_UPTIME, SYS_UPTIME_0, Varbind } from './if-mib-walk';
import { PollReading } from './snmp-counters';

/** An SNMP credential opened for one poll; its secrets go to the library and nowhere else. */
export type SnmpCredential =
  | { kind: 'snmp-v2c'; community: string }
  | {
      kind: 'snmp-v3';
      username: string;
      auth_protocol?: string;
      auth_key?: string;
      priv_protocol?: string;
      priv_key?: string;
    };

export interface PollTarget {
  address: string;
  port: number;
  timeoutMs: number;
  retries: number;
}

/** A poll that read the agent, with the round-trip time of its first request. */
export interface PollResult extends PollReading {
  rttMs: number;
}

/** Rows per column per GETBULK: 13 columns x 8 rows keep an answer within a few kilobytes. */
const MAX_REPETITIONS = 8;
/** A table no switch has: stops a walk that an agent keeps feeding. */
const MAX_REQUESTS = 256;

/** Errors a poll may end with; none carries a secret. */
export class SnmpPollError extends Error {
  constructor(
    message: string,
    /** True when the agent never answered (every try timed out). */
    readonly unreachable: boolean,
  ) {
    super(message);
  }
}

function openSession(target: PollTarget, credential: SnmpCredential): snmp.Session {
  const common = {
    port: target.port,
    retries: target.retries,
    timeout: target.timeoutMs,
    backoff: 1,
    transport: (isIPv6(target.address) ? 'udp6' : 'udp4') as 'udp4' | 'udp6',
  };
  if (credential.kind === 'snmp-v2c') {
    return snmp.createSession(target.address, credential.community, {
      ...common,
      version: snmp.Version2c,
    });
  }
  const auth = credential.auth_protocol;
  const priv = credential.priv_protocol;
  const level = priv
    ? snmp.SecurityLevel.authPriv
    : auth
      ? snmp.SecurityLevel.authNoPriv
      : snmp.SecurityLevel.noAuthNoPriv;
  const user: snmp.User = {
    name: credential.username,
    level,
    ...(auth
      ? {
          authProtocol: snmp.AuthProtocols[auth as keyof typeof snmp.AuthProtocols],
          authKey: credential.auth_key,
        }
      : {}),
    ...(priv
      ? {
          privProtocol: snmp.PrivProtocols[priv as keyof typeof snmp.PrivProtocols],
          privKey: credential.priv_key,
        }
      : {}),
  } as snmp.User;
  return snmp.createV3Session(target.address, user, { ...common, version: snmp.Version3 });
}

function getBulk(
  session: snmp.Session,
  oids: string[],
  nonRepeaters: number,
): Promise<(Varbind | Varbind[])[]> {
  return new Promise((resolve, reject) => {
    session.getBulk(oids, nonRepeaters, MAX_REPETITIONS, (error, varbinds) => {
      if (error) reject(error as Error);
      else resolve((varbinds ?? []) as unknown as (Varbind | Varbind[])[]);
    });
  });
}

const isEnd = (vb: Varbind) => snmp.isVarbindError(vb as snmp.Varbind);

/**
 * Reads sysUpTime and the IF-MIB columns of one agent with GETBULK: the first request carries
 * sysUpTime as a non-repeater and the first rows of every column, later ones go on with the
 * columns that have more rows. The library retries each request `retries` times after
 * `timeoutMs`; an agent that never answers is a SnmpPollError with `unreachable` set.
 */
export async function pollAgent(
  target: PollTarget,
  credential: SnmpCredential,
): Promise<PollResult> {
  const session = openSession(target, credential);
  // A socket error is reported through the request it broke; the event must not go unheard.
  session.on('error', () => undefined);
  try {
    const walk = new IfTableWalk();
    const started = performance.now();
    const first = await getBulk(session, [SYS_UPTIME, ...COLUMNS.map((c) => c.oid)], 1);
    const rttMs = performance.now() - started;
    const uptime = first[0] as Varbind;
    if (!uptime || isEnd(uptime) || uptime.oid !== SYS_UPTIME_0)
      throw new SnmpPollError('the agent has no sysUpTime', false);
    walk.absorb(
      COLUMNS.map((_, i) => i),
      first.slice(1) as Varbind[][],
      isEnd,
    );
    for (let requests = 1; walk.pending().length > 0; requests++) {
      if (requests >= MAX_REQUESTS)
        throw new SnmpPollError('the interface table never ended', false);
      const pending = walk.pending();
      const next = await getBulk(
        session,
        pending.map((p) => p.oid),
        0,
      );
      walk.absorb(
        pending.map((p) => p.column),
        next as Varbind[][],
        isEnd,
      );
    }
    return { sysUpTime: Number(uptime.value), interfaces: walk.interfaces(), rttMs };
  } catch (error) {
    if (error instanceof SnmpPollError) throw error;
    const timedOut = (error as Error).name === 'RequestTimedOutError';
    throw new SnmpPollError((error as Error).message, timedOut);
  } finally {
    session.close();
  }
}
