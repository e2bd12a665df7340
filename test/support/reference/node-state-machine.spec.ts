import { NODE_STATES, NodeState } from '../../../src/domain/node-state';
import {
  ACTIVE_STATES,
  IllegalTransitionError,
  TERMINAL_STATES,
  TransitionCause,
  assertTransition,
  canTransition,
  isTerminal,
  nextScheduledState,
} from './node-state-machine';

const { PENDING, PROVISIONING, CONFIGURING, RUNNING, FAILED } = NodeState;

// The whole lifecycle written out by hand: rows are `from`, columns `to`, 1 = legal.
// prettier-ignore
const LEGAL: Record<TransitionCause, Record<NodeState, Record<NodeState, 0 | 1>>> = {
  schedule: {
    //              PENDING          PROVISIONING          CONFIGURING          RUNNING          FAILED
    PENDING:      { PENDING: 0,      PROVISIONING: 1,      CONFIGURING: 0,      RUNNING: 0,      FAILED: 0 },
    PROVISIONING: { PENDING: 0,      PROVISIONING: 0,      CONFIGURING: 1,      RUNNING: 0,      FAILED: 0 },
    CONFIGURING:  { PENDING: 0,      PROVISIONING: 0,      CONFIGURING: 0,      RUNNING: 1,      FAILED: 1 },
    RUNNING:      { PENDING: 0,      PROVISIONING: 0,      CONFIGURING: 0,      RUNNING: 0,      FAILED: 0 },
    FAILED:       { PENDING: 0,      PROVISIONING: 0,      CONFIGURING: 0,      RUNNING: 0,      FAILED: 0 },
  },
  retry: {
    PENDING:      { PENDING: 0,      PROVISIONING: 0,      CONFIGURING: 0,      RUNNING: 0,      FAILED: 0 },
    PROVISIONING: { PENDING: 0,      PROVISIONING: 0,      CONFIGURING: 0,      RUNNING: 0,      FAILED: 0 },
    CONFIGURING:  { PENDING: 0,      PROVISIONING: 0,      CONFIGURING: 0,      RUNNING: 0,      FAILED: 0 },
    RUNNING:      { PENDING: 0,      PROVISIONING: 0,      CONFIGURING: 0,      RUNNING: 0,      FAILED: 0 },
    FAILED:       { PENDING: 0,      PROVISIONING: 1,      CONFIGURING: 0,      RUNNING: 0,      FAILED: 0 },
  },
};

const CAUSES: TransitionCause[] = ['schedule', 'retry'];
const CASES = CAUSES.flatMap((cause) =>
  NODE_STATES.flatMap((from) =>
    NODE_STATES.map((to) => ({ cause, from, to, legal: LEGAL[cause][from][to] === 1 })),
  ),
);

describe('NodeState', () => {
  it('lists every state once, in lifecycle order', () => {
    expect(NODE_STATES).toEqual([PENDING, PROVISIONING, CONFIGURING, RUNNING, FAILED]);
    expect(new Set(NODE_STATES).size).toBe(Object.values(NodeState).length);
  });

  it('uses the state name as its stored value', () => {
    for (const state of NODE_STATES) expect(NodeState[state]).toBe(state);
  });
});

describe('state sets', () => {
  it('has RUNNING and FAILED as the terminal states', () => {
    expect([...TERMINAL_STATES].sort()).toEqual([FAILED, RUNNING]);
  });

  it('counts only PROVISIONING and CONFIGURING against max_parallel', () => {
    expect([...ACTIVE_STATES].sort()).toEqual([CONFIGURING, PROVISIONING]);
  });

  it('keeps PENDING out of both sets and the sets disjoint', () => {
    expect(TERMINAL_STATES).not.toContain(PENDING);
    expect(ACTIVE_STATES).not.toContain(PENDING);
    expect(TERMINAL_STATES.filter((s) => ACTIVE_STATES.includes(s))).toEqual([]);
  });

  it.each(NODE_STATES.map((s) => [s, s === RUNNING || s === FAILED]))(
    'isTerminal(%s) is %s',
    (state, terminal) => {
      expect(isTerminal(state)).toBe(terminal);
    },
  );
});

describe('canTransition and assertTransition against the table', () => {
  it('covers every state pair for every cause', () => {
    expect(CASES).toHaveLength(NODE_STATES.length ** 2 * CAUSES.length);
    expect(CASES.filter((c) => c.legal)).toHaveLength(5);
  });

  it.each(CASES)('$cause $from -> $to legal=$legal', ({ cause, from, to, legal }) => {
    expect(canTransition(from, to, cause)).toBe(legal);
    if (legal) {
      expect(() => assertTransition(from, to, cause)).not.toThrow();
    } else {
      expect(() => assertTransition(from, to, cause)).toThrow(IllegalTransitionError);
    }
  });

  it('rejects values that are not states or causes instead of crashing', () => {
    expect(canTransition('DELETED' as NodeState, PROVISIONING, 'schedule')).toBe(false);
    expect(canTransition(PENDING, PROVISIONING, 'force' as TransitionCause)).toBe(false);
    expect(() => assertTransition(PENDING, PROVISIONING, 'force' as TransitionCause)).toThrow(
      IllegalTransitionError,
    );
  });
});

describe('IllegalTransitionError', () => {
  function caught(from: NodeState, to: NodeState, cause: TransitionCause): IllegalTransitionError {
    try {
      assertTransition(from, to, cause);
    } catch (error) {
      if (error instanceof IllegalTransitionError) return error;
      throw error;
    }
    throw new Error(`${cause} ${from} -> ${to} did not throw`);
  }

  it('carries the attempted transition', () => {
    const error = caught(PENDING, RUNNING, 'schedule');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('IllegalTransitionError');
    expect(error.from).toBe(PENDING);
    expect(error.to).toBe(RUNNING);
    expect(error.transitionCause).toBe('schedule');
  });

  it('names the legal targets when there are some', () => {
    expect(caught(PENDING, RUNNING, 'schedule').message).toBe(
      'Illegal schedule transition PENDING -> RUNNING: a PENDING node can only move to PROVISIONING.',
    );
    expect(caught(CONFIGURING, PENDING, 'schedule').message).toBe(
      'Illegal schedule transition CONFIGURING -> PENDING: a CONFIGURING node can only move to RUNNING or FAILED.',
    );
  });

  it('says only FAILED nodes can be retried', () => {
    expect(caught(RUNNING, PROVISIONING, 'retry').message).toBe(
      'Illegal retry transition RUNNING -> PROVISIONING: only a FAILED node can be retried.',
    );
  });

  it('points a scheduled move out of FAILED at the retry', () => {
    expect(caught(FAILED, PROVISIONING, 'schedule').message).toBe(
      'Illegal schedule transition FAILED -> PROVISIONING: FAILED is terminal; only an explicit retry moves it back to PROVISIONING.',
    );
    expect(caught(RUNNING, FAILED, 'schedule').message).toBe(
      'Illegal schedule transition RUNNING -> FAILED: RUNNING is terminal.',
    );
  });
});

describe('nextScheduledState', () => {
  it.each([
    [PENDING, false, PROVISIONING],
    [PENDING, true, PROVISIONING],
    [PROVISIONING, false, CONFIGURING],
    [PROVISIONING, true, CONFIGURING],
    [CONFIGURING, false, RUNNING],
    [CONFIGURING, true, FAILED],
    [RUNNING, false, null],
    [RUNNING, true, null],
    [FAILED, false, null],
    [FAILED, true, null],
  ])('%s with failsConfiguration=%s -> %s', (from, fails, next) => {
    expect(nextScheduledState(from, fails)).toBe(next);
  });

  it('only ever proposes a legal scheduled transition', () => {
    for (const from of NODE_STATES) {
      for (const fails of [false, true]) {
        const next = nextScheduledState(from, fails);
        if (next === null) expect(isTerminal(from)).toBe(true);
        else expect(canTransition(from, next, 'schedule')).toBe(true);
      }
    }
  });

  it('walks a node from PENDING to a terminal state in three steps', () => {
    for (const fails of [false, true]) {
      const path: NodeState[] = [PENDING];
      let next = nextScheduledState(PENDING, fails);
      while (next !== null) {
        path.push(next);
        next = nextScheduledState(next, fails);
      }
      expect(path).toEqual([PENDING, PROVISIONING, CONFIGURING, fails ? FAILED : RUNNING]);
    }
  });
});
