-- The SQL of src/store/deployments.repository.ts, written by `npm run sql:generate`.
-- Each entry: the method and its example arguments, then every statement it runs.

-- DeploymentsRepository.delete
-- example: SQL, 1

-- $1 = 1
WITH gone AS (DELETE FROM deployments WHERE id = $1 RETURNING id) SELECT id FROM gone;

-- DeploymentsRepository.detail
-- example: 1

-- $1 = 1
SELECT json_build_object(
  'id', d.id, 'name', d.name, 'description', d.description,
  'target_node_count', d.target_node_count, 'max_parallel', d.max_parallel, 'version', d.version,
  'created_at', floor(extract(epoch FROM d.created_at) * 1000)::bigint, 'updated_at', floor(extract(epoch FROM d.updated_at) * 1000)::bigint,
  'started_at', floor(extract(epoch FROM d.started_at) * 1000)::bigint, 'finished_at', floor(extract(epoch FROM d.finished_at) * 1000)::bigint,
  'spine_count', d.spine_count, 'leaf_count', d.leaf_count,
  'border_leaf_count', d.border_leaf_count,
  'counts', json_build_array(c.state_pending, c.state_provisioning, c.state_configuring, c.state_running, c.state_failed),
  'rollout', CASE WHEN r.deployment_id IS NULL THEN NULL ELSE json_build_object(
    'status', r.status, 'wave', r.wave, 'waves_total', cardinality(r.wave_ends),
    'halted_reason', r.halted_reason, 'strategy', r.strategy) END
)::text AS detail
FROM deployments d
CROSS JOIN LATERAL (SELECT COALESCE(sum(pending), 0)::int AS state_pending, COALESCE(sum(provisioning), 0)::int AS state_provisioning, COALESCE(sum(configuring), 0)::int AS state_configuring, COALESCE(sum(running), 0)::int AS state_running, COALESCE(sum(failed), 0)::int AS state_failed FROM node_state_counts WHERE deployment_id = d.id) c
LEFT JOIN rollouts r ON r.deployment_id = d.id
WHERE d.id = $1;

-- DeploymentsRepository.exists
-- example: 1, SQL

-- $1 = 1
SELECT 1 FROM deployments WHERE id = $1;

-- DeploymentsRepository.find
-- example: 1, SQL

-- $1 = 1
SELECT id, name, description, target_node_count, max_parallel, version,
spine_count, leaf_count, border_leaf_count, created_at, updated_at, started_at, finished_at FROM deployments WHERE id = $1;

-- DeploymentsRepository.finishIfDone
-- example: SQL, 1

-- $1 = 1
UPDATE deployments SET finished_at = now()
WHERE id = $1 AND finished_at IS NULL
  AND NOT EXISTS (SELECT 1 FROM nodes WHERE deployment_id = $1
                    AND (next_step_at IS NOT NULL OR state = 'PENDING'));

-- DeploymentsRepository.grown
-- example: SQL, 1, 8, "leaf", 2

-- $1 = 1
-- $2 = 8
-- $3 = 2
UPDATE deployments SET target_node_count = $2, version = version + 1, updated_at = now(),
finished_at = NULL, leaf_count = leaf_count + $3 WHERE id = $1;

-- DeploymentsRepository.insert
-- example: SQL, {"name":"dc1-leaf-spine","description":null,"target_node_count":6,"max_parallel":null,"spine_count":2,"leaf_count":4,"border_leaf_count":0}

-- $1 = "dc1-leaf-spine"
-- $2 = null
-- $3 = 6
-- $4 = null
-- $5 = 2
-- $6 = 4
-- $7 = 0
INSERT INTO deployments (name, description, target_node_count, max_parallel, spine_count,
                              leaf_count, border_leaf_count)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id, name, description, target_node_count, max_parallel, version,
spine_count, leaf_count, border_leaf_count, created_at, updated_at, started_at, finished_at;

-- DeploymentsRepository.list
-- example: 0, 20

-- $1 = 0
-- $2 = 20
SELECT json_build_object(
  'id', d.id, 'name', d.name, 'description', d.description,
  'target_node_count', d.target_node_count, 'max_parallel', d.max_parallel, 'version', d.version,
  'created_at', floor(extract(epoch FROM d.created_at) * 1000)::bigint, 'updated_at', floor(extract(epoch FROM d.updated_at) * 1000)::bigint,
  'started_at', floor(extract(epoch FROM d.started_at) * 1000)::bigint, 'finished_at', floor(extract(epoch FROM d.finished_at) * 1000)::bigint,
  'spine_count', d.spine_count, 'leaf_count', d.leaf_count,
  'border_leaf_count', d.border_leaf_count,
  'counts', json_build_array(c.state_pending, c.state_provisioning, c.state_configuring, c.state_running, c.state_failed),
  'rollout', CASE WHEN r.deployment_id IS NULL THEN NULL ELSE json_build_object(
    'status', r.status, 'wave', r.wave, 'waves_total', cardinality(r.wave_ends),
    'halted_reason', r.halted_reason, 'strategy', r.strategy) END
)::text AS detail
FROM (SELECT * FROM deployments ORDER BY created_at DESC, id DESC OFFSET $1 LIMIT $2) d
CROSS JOIN LATERAL (SELECT COALESCE(sum(pending), 0)::int AS state_pending, COALESCE(sum(provisioning), 0)::int AS state_provisioning, COALESCE(sum(configuring), 0)::int AS state_configuring, COALESCE(sum(running), 0)::int AS state_running, COALESCE(sum(failed), 0)::int AS state_failed FROM node_state_counts WHERE deployment_id = d.id) c
LEFT JOIN rollouts r ON r.deployment_id = d.id
ORDER BY d.created_at DESC, d.id DESC;

-- DeploymentsRepository.markStarted
-- example: SQL, 1

-- $1 = 1
UPDATE deployments SET started_at = COALESCE(started_at, now()), finished_at = NULL
WHERE id = $1;

-- DeploymentsRepository.nodeRemoved
-- example: SQL, 1, "leaf"
-- (answered with one row of zeros)

-- $1 = 1
SELECT target_node_count FROM deployments WHERE id = $1;

-- $1 = 1
UPDATE deployments SET target_node_count = GREATEST(target_node_count - 1, 0),
  leaf_count = leaf_count - CASE WHEN leaf_count > 0 THEN 1 ELSE 0 END,
  version = version + 1, updated_at = now(),
  finished_at = CASE
    WHEN finished_at IS NULL AND started_at IS NOT NULL AND EXISTS (SELECT 1 FROM nodes WHERE deployment_id = $1)
      AND NOT EXISTS (SELECT 1 FROM nodes WHERE deployment_id = $1 AND state NOT IN ('RUNNING', 'FAILED'))
    THEN now() ELSE finished_at END
WHERE id = $1;

-- DeploymentsRepository.rename
-- example: SQL, 1, {"name":"dc1-leaf-spine","description":"Hall A"}

-- $1 = 1
-- $2 = "dc1-leaf-spine"
-- $3 = "Hall A"
WITH changed AS (
       UPDATE deployments SET name = $2, description = $3, version = version + 1, updated_at = now()
       WHERE id = $1 RETURNING *
     )
     SELECT id, name, description, target_node_count, max_parallel, version,
spine_count, leaf_count, border_leaf_count, created_at, updated_at, started_at, finished_at FROM changed;

-- DeploymentsRepository.unfinish
-- example: 1, SQL

-- $1 = 1
UPDATE deployments SET finished_at = NULL WHERE id = $1 AND finished_at IS NOT NULL;
