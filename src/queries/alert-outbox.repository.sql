-- The SQL of src/alerting/alert-outbox.repository.ts, written by `npm run sql:generate`.
-- Each entry: the method and its example arguments, then every statement it runs.

-- AlertOutboxRepository.advanceOutbox
-- example: SQL, {"xid":"48213","id":90512}

-- $1 = "48213"
-- $2 = 90512
UPDATE alert_event_cursor SET xid = $1::xid8, event_id = $2 WHERE id = 1;

-- AlertOutboxRepository.lockOutbox
-- example: SQL

SELECT xid::text AS xid, event_id, pruned_at FROM alert_event_cursor WHERE id = 1
FOR UPDATE SKIP LOCKED;

-- AlertOutboxRepository.markPruned
-- example: SQL

UPDATE alert_event_cursor SET pruned_at = now() WHERE id = 1;

-- AlertOutboxRepository.recordStatuses
-- example: SQL, [{"deploymentId":7,"status":"degraded"},{"deploymentId":8,"status":"running"}]

-- $1 = [7,8]
-- $2 = ["degraded","running"]
WITH live AS (
  SELECT id FROM deployments WHERE id = ANY($1::int[]) FOR KEY SHARE SKIP LOCKED
), cur AS (
  SELECT c.* FROM unnest($1::int[], $2::varchar[]) AS c(deployment_id, status)
  JOIN live ON live.id = c.deployment_id
), gone AS (
  DELETE FROM alert_deployment_statuses s WHERE s.deployment_id <> ALL($1::int[])
), prev AS (
  SELECT s.deployment_id, s.status FROM alert_deployment_statuses s
  JOIN cur USING (deployment_id)
), up AS (
  INSERT INTO alert_deployment_statuses AS s (deployment_id, status)
  SELECT deployment_id, status FROM cur
  ON CONFLICT (deployment_id) DO UPDATE SET status = EXCLUDED.status, changed_at = now()
    WHERE s.status <> EXCLUDED.status
  RETURNING s.deployment_id, s.status
)
SELECT up.deployment_id, up.status, prev.status AS previous
FROM up LEFT JOIN prev USING (deployment_id) ORDER BY up.deployment_id;
