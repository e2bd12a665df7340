-- The SQL of src/store/node-transition-sql.ts, written by `npm run sql:generate`.
-- Each entry: the method and its example arguments, then every statement it runs.

-- advanceSql(SHARD_CLAIM_SQL): the due nodes of one shard

-- $1 = 7
-- $2 = 500
-- $3 = 1
-- $4 = 0.05
-- $5 = "request-1"
-- $6 = 1000
-- $7 = 1
-- $8 = 1000
-- $9 = false
WITH due AS MATERIALIZED (
  SELECT ctid, id, seq, state, attempt, next_step_at FROM nodes
  WHERE deployment_id = $1 AND seq BETWEEN $7 AND $8 AND next_step_at <= now()
    AND state IN ('PROVISIONING', 'CONFIGURING', 'PENDING', 'FAILED')
    AND (state IN ('PROVISIONING', 'CONFIGURING') OR NOT $9::boolean)
  ORDER BY next_step_at, seq LIMIT $2 FOR UPDATE SKIP LOCKED
  ), stepped AS MATERIALIZED (
    SELECT d.ctid, d.id, d.state, d.attempt, d.next_step_at AS due_at, (CASE d.state
  WHEN 'PENDING' THEN 'PROVISIONING'
  WHEN 'FAILED' THEN 'PROVISIONING'
  WHEN 'PROVISIONING' THEN 'CONFIGURING'
  WHEN 'CONFIGURING' THEN
    CASE WHEN (('x' || left(md5('1178683724:' || d.id || ':' || d.attempt), 8))::bit(32)::bigint::float8
           / 4294967296::float8) < $4::float8 THEN 'FAILED' ELSE 'RUNNING' END
END) AS to_state
    FROM due d
  ), planned AS (
    SELECT d.*, (CASE d.to_state
  WHEN 'PROVISIONING' THEN floor((3000 + floor((('x' || left(md5('1347571542:' || d.id || ':' || d.attempt), 8))::bit(32)::bigint::float8
           / 4294967296::float8) * 5001))
                * $3::float8 + 0.5::float8)
  WHEN 'CONFIGURING' THEN floor((5000 + floor((('x' || left(md5('1129270854:' || d.id || ':' || d.attempt), 8))::bit(32)::bigint::float8
           / 4294967296::float8) * 7001))
                * $3::float8 + 0.5::float8)
END) AS duration_ms, (CASE WHEN d.state = 'FAILED' THEN 'retry' ELSE CASE d.to_state
  WHEN 'PROVISIONING' THEN 'scheduled'
  WHEN 'CONFIGURING' THEN 'provisioned'
  WHEN 'RUNNING' THEN 'configured'
  WHEN 'FAILED' THEN 'configuration failed'
END END) AS reason,
           CASE WHEN d.to_state = 'PROVISIONING' THEN CASE WHEN d.id BETWEEN 1 AND 16777214
  THEN '10.' || (d.id >> 16) || '.' || ((d.id >> 8) & 255) || '.' || (d.id & 255)
  ELSE ('node id ' || d.id || ' has no management address in 10.0.0.0/8')::inet::text END END AS ip_address
    FROM stepped d
  ), moved AS (
    UPDATE nodes n
    SET state = p.to_state,
        next_step_at = now() + p.duration_ms * interval '1 millisecond',
        ip_address = COALESCE(p.ip_address, n.ip_address),
        state_changed_at = now(),
        updated_at = now()
    FROM planned p
    -- the claim above locked these rows, so each is where the claim saw it: one TID probe, no
    -- index descent; id, deployment, state and attempt are guards all the same
    WHERE n.ctid = p.ctid AND n.id + 0 = p.id AND n.deployment_id + 0 = $1
      AND n.state = p.state AND n.attempt = p.attempt
    RETURNING n.id, n.node_id, n.seq, n.next_step_at, p.state AS from_state, p.to_state, p.reason,
              p.attempt, p.due_at
  ), logged AS (
    INSERT INTO events (deployment_id, node_id, node_identifier, type, from_state, to_state,
                        reason, metadata, request_id)
    SELECT $1, m.id, m.node_id, 'STATE_CHANGE', m.from_state, m.to_state, m.reason,
           jsonb_build_object('attempt', m.attempt, 'scheduled_at', m.due_at,
                              'next_step_at', m.next_step_at),
           CASE WHEN m.from_state IN ('PENDING', 'FAILED') THEN $5::varchar END
    FROM moved m
  )
  SELECT (m.seq - 1) / $6 AS shard, count(*)::int AS moved,
         bool_or(m.to_state IN ('RUNNING', 'FAILED')) AS ended,
         bool_or(m.from_state IN ('PENDING', 'FAILED')) AS entered,
         (extract(epoch FROM min(m.next_step_at)
            FILTER (WHERE m.from_state IN ('PENDING', 'FAILED'))) * 1000)::float8 AS entered_due_ms,
         ARRAY[count(*) FILTER (WHERE extract(epoch FROM now() - m.due_at) <= 0.05)::int, count(*) FILTER (WHERE extract(epoch FROM now() - m.due_at) <= 0.1)::int, count(*) FILTER (WHERE extract(epoch FROM now() - m.due_at) <= 0.25)::int, count(*) FILTER (WHERE extract(epoch FROM now() - m.due_at) <= 0.5)::int, count(*) FILTER (WHERE extract(epoch FROM now() - m.due_at) <= 1)::int, count(*) FILTER (WHERE extract(epoch FROM now() - m.due_at) <= 2)::int, count(*) FILTER (WHERE extract(epoch FROM now() - m.due_at) <= 5)::int, count(*) FILTER (WHERE extract(epoch FROM now() - m.due_at) <= 10)::int, count(*) FILTER (WHERE extract(epoch FROM now() - m.due_at) <= 30)::int, count(*) FILTER (WHERE extract(epoch FROM now() - m.due_at) <= 60)::int] AS lateness_le, sum(extract(epoch FROM now() - m.due_at))::float8 AS lateness_sum
  FROM moved m GROUP BY 1;

-- advanceSql(ADMISSION_CLAIM_SQL): pending and failed nodes to admit

-- $1 = 7
-- $2 = 500
-- $3 = 1
-- $4 = 0.05
-- $5 = "request-1"
-- $6 = 1000
WITH due AS MATERIALIZED (
  SELECT ctid, id, seq, state, attempt, next_step_at FROM nodes
  WHERE deployment_id = $1 AND next_step_at <= now() AND state IN ('PENDING', 'FAILED')
  ORDER BY seq LIMIT $2 FOR UPDATE SKIP LOCKED
  ), stepped AS MATERIALIZED (
    SELECT d.ctid, d.id, d.state, d.attempt, d.next_step_at AS due_at, (CASE d.state
  WHEN 'PENDING' THEN 'PROVISIONING'
  WHEN 'FAILED' THEN 'PROVISIONING'
  WHEN 'PROVISIONING' THEN 'CONFIGURING'
  WHEN 'CONFIGURING' THEN
    CASE WHEN (('x' || left(md5('1178683724:' || d.id || ':' || d.attempt), 8))::bit(32)::bigint::float8
           / 4294967296::float8) < $4::float8 THEN 'FAILED' ELSE 'RUNNING' END
END) AS to_state
    FROM due d
  ), planned AS (
    SELECT d.*, (CASE d.to_state
  WHEN 'PROVISIONING' THEN floor((3000 + floor((('x' || left(md5('1347571542:' || d.id || ':' || d.attempt), 8))::bit(32)::bigint::float8
           / 4294967296::float8) * 5001))
                * $3::float8 + 0.5::float8)
  WHEN 'CONFIGURING' THEN floor((5000 + floor((('x' || left(md5('1129270854:' || d.id || ':' || d.attempt), 8))::bit(32)::bigint::float8
           / 4294967296::float8) * 7001))
                * $3::float8 + 0.5::float8)
END) AS duration_ms, (CASE WHEN d.state = 'FAILED' THEN 'retry' ELSE CASE d.to_state
  WHEN 'PROVISIONING' THEN 'scheduled'
  WHEN 'CONFIGURING' THEN 'provisioned'
  WHEN 'RUNNING' THEN 'configured'
  WHEN 'FAILED' THEN 'configuration failed'
END END) AS reason,
           CASE WHEN d.to_state = 'PROVISIONING' THEN CASE WHEN d.id BETWEEN 1 AND 16777214
  THEN '10.' || (d.id >> 16) || '.' || ((d.id >> 8) & 255) || '.' || (d.id & 255)
  ELSE ('node id ' || d.id || ' has no management address in 10.0.0.0/8')::inet::text END END AS ip_address
    FROM stepped d
  ), moved AS (
    UPDATE nodes n
    SET state = p.to_state,
        next_step_at = now() + p.duration_ms * interval '1 millisecond',
        ip_address = COALESCE(p.ip_address, n.ip_address),
        state_changed_at = now(),
        updated_at = now()
    FROM planned p
    -- the claim above locked these rows, so each is where the claim saw it: one TID probe, no
    -- index descent; id, deployment, state and attempt are guards all the same
    WHERE n.ctid = p.ctid AND n.id + 0 = p.id AND n.deployment_id + 0 = $1
      AND n.state = p.state AND n.attempt = p.attempt
    RETURNING n.id, n.node_id, n.seq, n.next_step_at, p.state AS from_state, p.to_state, p.reason,
              p.attempt, p.due_at
  ), logged AS (
    INSERT INTO events (deployment_id, node_id, node_identifier, type, from_state, to_state,
                        reason, metadata, request_id)
    SELECT $1, m.id, m.node_id, 'STATE_CHANGE', m.from_state, m.to_state, m.reason,
           jsonb_build_object('attempt', m.attempt, 'scheduled_at', m.due_at,
                              'next_step_at', m.next_step_at),
           CASE WHEN m.from_state IN ('PENDING', 'FAILED') THEN $5::varchar END
    FROM moved m
  )
  SELECT (m.seq - 1) / $6 AS shard, count(*)::int AS moved,
         bool_or(m.to_state IN ('RUNNING', 'FAILED')) AS ended,
         bool_or(m.from_state IN ('PENDING', 'FAILED')) AS entered,
         (extract(epoch FROM min(m.next_step_at)
            FILTER (WHERE m.from_state IN ('PENDING', 'FAILED'))) * 1000)::float8 AS entered_due_ms,
         ARRAY[count(*) FILTER (WHERE extract(epoch FROM now() - m.due_at) <= 0.05)::int, count(*) FILTER (WHERE extract(epoch FROM now() - m.due_at) <= 0.1)::int, count(*) FILTER (WHERE extract(epoch FROM now() - m.due_at) <= 0.25)::int, count(*) FILTER (WHERE extract(epoch FROM now() - m.due_at) <= 0.5)::int, count(*) FILTER (WHERE extract(epoch FROM now() - m.due_at) <= 1)::int, count(*) FILTER (WHERE extract(epoch FROM now() - m.due_at) <= 2)::int, count(*) FILTER (WHERE extract(epoch FROM now() - m.due_at) <= 5)::int, count(*) FILTER (WHERE extract(epoch FROM now() - m.due_at) <= 10)::int, count(*) FILTER (WHERE extract(epoch FROM now() - m.due_at) <= 30)::int, count(*) FILTER (WHERE extract(epoch FROM now() - m.due_at) <= 60)::int] AS lateness_le, sum(extract(epoch FROM now() - m.due_at))::float8 AS lateness_sum
  FROM moved m GROUP BY 1;
