-- The SQL of src/store/nodes.repository.ts, written by `npm run sql:generate`.
-- Each entry: the method and its example arguments, then every statement it runs.

-- NodesRepository.activeCount
-- example: SQL, 1
-- (answered with one row of zeros)

-- $1 = 1
SELECT count(*)::int AS n FROM nodes
WHERE deployment_id = $1 AND state IN ('PROVISIONING', 'CONFIGURING');

-- NodesRepository.activeDeployments
-- example: SQL
-- (answered with one row of zeros)

SELECT count(DISTINCT deployment_id)::int AS n FROM node_state_counts
WHERE pending + provisioning + configuring + running > 0;

-- NodesRepository.admit
-- example: SQL, {"deploymentId":1,"limit":500,"timeScale":1,"failureRate":0.05,"requestId":null,"shardSize":256}

-- $1 = 1
-- $2 = 500
-- $3 = 1
-- $4 = 0.05
-- $5 = null
-- $6 = 256
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

-- NodesRepository.advanceShard
-- example: SQL, {"deploymentId":1,"limit":500,"timeScale":1,"failureRate":0.05,"requestId":null,"shardSize":256}, 1, 256, false

-- $1 = 1
-- $2 = 500
-- $3 = 1
-- $4 = 0.05
-- $5 = null
-- $6 = 256
-- $7 = 1
-- $8 = 256
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

-- NodesRepository.earliestDue
-- example: 1, 1, 256, false
-- (answered with one row of zeros)

-- $1 = 1
-- $2 = 1
-- $3 = 256
-- $4 = false
SELECT (extract(epoch FROM min(next_step_at)) * 1000)::float8 AS due_ms,
       (extract(epoch FROM now()) * 1000)::float8 AS now_ms
FROM nodes
WHERE deployment_id = $1 AND seq BETWEEN $2 AND $3 AND next_step_at IS NOT NULL
  AND (state IN ('PROVISIONING', 'CONFIGURING') OR NOT $4::boolean);

-- NodesRepository.fleetCounts
-- example: 

SELECT d.id, COALESCE(sum(pending), 0)::int AS state_pending, COALESCE(sum(provisioning), 0)::int AS state_provisioning, COALESCE(sum(configuring), 0)::int AS state_configuring, COALESCE(sum(running), 0)::int AS state_running, COALESCE(sum(failed), 0)::int AS state_failed
FROM deployments d LEFT JOIN node_state_counts c ON c.deployment_id = d.id
GROUP BY d.id;

-- NodesRepository.nodeIdsOf
-- example: SQL, 1, [17,18]

-- $1 = 1
-- $2 = [17,18]
SELECT id FROM nodes WHERE deployment_id = $1 AND id = ANY($2::int[]);

-- NodesRepository.nodeNames
-- example: [17,18]

-- $1 = [17,18]
SELECT id, node_id FROM nodes WHERE id = ANY($1::int[]);

-- NodesRepository.nodeRoles
-- example: [17,18]

-- $1 = [17,18]
SELECT id, role FROM nodes WHERE id = ANY($1::int[]);

-- NodesRepository.overdueShards
-- example: 256, 5000

-- $1 = 256
-- $2 = 5000
WITH active AS (
  SELECT deployment_id, count(*)::int AS n FROM nodes
  WHERE state IN ('PROVISIONING', 'CONFIGURING')
    AND deployment_id IN (SELECT id FROM deployments WHERE max_parallel IS NOT NULL)
  GROUP BY deployment_id
)
SELECT n.deployment_id, (n.seq - 1) / $1 AS shard,
       (extract(epoch FROM min(n.next_step_at)) * 1000)::float8 AS due_ms
FROM nodes n
JOIN deployments d ON d.id = n.deployment_id
LEFT JOIN active a ON a.deployment_id = n.deployment_id
WHERE n.next_step_at <= now() - $2 * interval '1 millisecond'
  AND (n.state IN ('PROVISIONING', 'CONFIGURING') OR d.max_parallel IS NULL
       OR d.max_parallel > COALESCE(a.n, 0))
GROUP BY 1, 2;

-- NodesRepository.runningNodesOfShard
-- example: SQL, 1, 0, 256

-- $1 = 1
-- $2 = 1
-- $3 = 256
SELECT id, seq, role,
       (SELECT spine_count IS NOT NULL FROM deployments WHERE id = $1) AS fabric
FROM nodes
WHERE deployment_id = $1 AND seq BETWEEN $2 AND $3 AND state = 'RUNNING';

-- NodesRepository.runningNodesPerShard
-- example: 256

-- $1 = 256
SELECT deployment_id, (seq - 1) / $1 AS shard, count(*)::int AS nodes
FROM nodes WHERE state = 'RUNNING'
GROUP BY 1, 2 ORDER BY 1, 2;

-- NodesRepository.shardBusy
-- example: SQL, 1, 1, 256
-- (answered with one row of zeros)

-- $1 = 1
-- $2 = 1
-- $3 = 256
SELECT EXISTS (SELECT 1 FROM nodes WHERE deployment_id = $1 AND seq BETWEEN $2 AND $3
AND (next_step_at IS NOT NULL OR state = 'PENDING')) AS busy;

-- NodesRepository.spinesOf
-- example: SQL, 1

-- $1 = 1
SELECT id, seq, state = 'RUNNING' AS running FROM nodes
WHERE deployment_id = $1 AND role = 'spine'
  AND EXISTS (SELECT 1 FROM deployments WHERE id = $1 AND spine_count > 0);

-- NodesRepository.waitingShards
-- example: 1, 256

-- $1 = 1
-- $2 = 256
SELECT (n.seq - 1) / $2 AS shard,
       (extract(epoch FROM min(n.next_step_at)) * 1000)::float8 AS due_ms,
       min(d.max_parallel) AS max_parallel
FROM nodes n JOIN deployments d ON d.id = n.deployment_id
WHERE n.deployment_id = $1 AND n.next_step_at IS NOT NULL
  AND n.state IN ('PENDING', 'FAILED')
GROUP BY 1 ORDER BY 1;
