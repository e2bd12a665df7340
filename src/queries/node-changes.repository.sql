-- The SQL of src/store/node-changes.repository.ts, written by `npm run sql:generate`.
-- Each entry: the method and its example arguments, then every statement it runs.

-- NodeChangesRepository.countAndTop
-- example: SQL, 1

-- $1 = 1
SELECT count(*)::int AS n, COALESCE(max(seq), 0)::int AS top FROM nodes WHERE deployment_id = $1;

-- NodeChangesRepository.delete
-- example: SQL, 17

-- $1 = 17
WITH gone AS (DELETE FROM nodes WHERE id = $1 RETURNING state) SELECT state FROM gone;

-- NodeChangesRepository.deleteAll
-- example: SQL, 1
-- (answered with one row of zeros)

-- $1 = 1
WITH gone AS (DELETE FROM nodes WHERE deployment_id = $1 RETURNING 1)
SELECT count(*)::int AS n FROM gone;

-- NodeChangesRepository.findByRef (by id)
-- example: SQL, 1, {"kind":"id","id":17}

-- $1 = 1
-- $2 = 17
SELECT id, deployment_id, seq, node_id, state, role, hostname, ip_address,
attempt, next_step_at, created_at, updated_at, state_changed_at FROM nodes
     WHERE deployment_id = $1 AND id = $2;

-- NodeChangesRepository.findByRef (by number)
-- example: SQL, 1, {"kind":"seq","seq":17}

-- $1 = 1
-- $2 = 17
SELECT id, deployment_id, seq, node_id, state, role, hostname, ip_address,
attempt, next_step_at, created_at, updated_at, state_changed_at FROM nodes
     WHERE deployment_id = $1 AND seq = $2;

-- NodeChangesRepository.insertPending (leaves)
-- example: SQL, 1, 1, 8, undefined, 4

-- $1 = 1
-- $2 = 1
-- $3 = 8
-- $4 = 4
INSERT INTO nodes (deployment_id, seq, node_id, hostname, state, next_step_at)
SELECT $1::int, g, 'node-' || CASE WHEN g < 1000 THEN lpad(g::text, 3, '0') ELSE g::text END, 'switch-' || $1::int || '-' || CASE WHEN g < 1000 THEN lpad(g::text, 3, '0') ELSE g::text END, 'PENDING',
       CASE WHEN g <= $4 THEN now() END
FROM generate_series($2::int, $3::int) AS g;

-- NodeChangesRepository.insertPending (planned)
-- example: SQL, 1, 1, 2, {"role":"spine","hostnames":["spine-01","spine-02"]}, 2

-- $1 = 1
-- $2 = 1
-- $3 = "spine"
-- $4 = ["spine-01","spine-02"]
-- $5 = 2
INSERT INTO nodes (deployment_id, seq, node_id, hostname, state, next_step_at, role)
SELECT $1::int, g, 'node-' || CASE WHEN g < 1000 THEN lpad(g::text, 3, '0') ELSE g::text END, hostname, 'PENDING',
       CASE WHEN g <= $5 THEN now() END, $3
FROM (SELECT $2::int + i::int - 1 AS g, hostname
      FROM unnest($4::text[]) WITH ORDINALITY AS h(hostname, i)) planned;

-- NodeChangesRepository.list (all)
-- example: 1, {}
-- (answered with one row of zeros)

-- $1 = 1
-- $2 = 0
-- $3 = null
SELECT id, deployment_id, seq, node_id, state, role, hostname, ip_address,
attempt, next_step_at, created_at, updated_at, state_changed_at FROM nodes WHERE deployment_id = $1
     ORDER BY seq OFFSET $2 LIMIT $3;

-- $1 = 1
SELECT count(*)::int AS n FROM nodes WHERE deployment_id = $1;

-- NodeChangesRepository.list (filtered)
-- example: 1, {"state":"FAILED","role":"leaf","skip":0,"limit":50}
-- (answered with one row of zeros)

-- $1 = 1
-- $2 = "FAILED"
-- $3 = "leaf"
-- $4 = 0
-- $5 = 50
SELECT id, deployment_id, seq, node_id, state, role, hostname, ip_address,
attempt, next_step_at, created_at, updated_at, state_changed_at FROM nodes WHERE deployment_id = $1 AND state = $2 AND role = $3
     ORDER BY seq OFFSET $4 LIMIT $5;

-- $1 = 1
-- $2 = "FAILED"
-- $3 = "leaf"
SELECT count(*)::int AS n FROM nodes WHERE deployment_id = $1 AND state = $2 AND role = $3;

-- NodeChangesRepository.listAfter
-- example: SQL, 1, 8

-- $1 = 1
-- $2 = 8
SELECT id, deployment_id, seq, node_id, state, role, hostname, ip_address,
attempt, next_step_at, created_at, updated_at, state_changed_at FROM nodes WHERE deployment_id = $1 AND seq > $2 ORDER BY seq;

-- NodeChangesRepository.markAllFailedForRetry
-- example: SQL, 1

-- $1 = 1
WITH marked AS (
  UPDATE nodes SET attempt = attempt + 1, next_step_at = now(), updated_at = now()
  WHERE deployment_id = $1 AND state = 'FAILED' AND next_step_at IS NULL
  RETURNING id, node_id, attempt
)
SELECT id, node_id, attempt FROM marked ORDER BY id;

-- NodeChangesRepository.markForRetry
-- example: SQL, 17

-- $1 = 17
WITH marked AS (
       UPDATE nodes SET attempt = attempt + 1, next_step_at = now(), updated_at = now()
       WHERE id = $1 AND state = 'FAILED' AND next_step_at IS NULL RETURNING *
     )
     SELECT id, deployment_id, seq, node_id, state, role, hostname, ip_address,
attempt, next_step_at, created_at, updated_at, state_changed_at FROM marked;

-- NodeChangesRepository.nextRoleOrdinal
-- example: SQL, 1, "leaf"
-- (answered with one row of zeros)

-- $1 = 1
-- $2 = "leaf"
SELECT GREATEST(count(*), COALESCE(max(substring(hostname FROM '^' || $2 || '-([0-9]{1,9})$')::int), 0))::int + 1 AS next
FROM nodes WHERE deployment_id = $1 AND role = $2;

-- NodeChangesRepository.setHostname
-- example: SQL, 17, "leaf-017"

-- $1 = 17
-- $2 = "leaf-017"
WITH changed AS (UPDATE nodes SET hostname = $2, updated_at = now() WHERE id = $1 RETURNING *)
     SELECT id, deployment_id, seq, node_id, state, role, hostname, ip_address,
attempt, next_step_at, created_at, updated_at, state_changed_at FROM changed;

-- NodeChangesRepository.stateOf
-- example: SQL, 17

-- $1 = 17
SELECT state, next_step_at FROM nodes WHERE id = $1;
