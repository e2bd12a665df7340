-- The SQL of src/alerting/alert-deliveries.repository.ts, written by `npm run sql:generate`.
-- Each entry: the method and its example arguments, then every statement it runs.

-- AlertDeliveriesRepository.deliveryCounts
-- example: 

SELECT status, count(*)::int AS n FROM alert_deliveries GROUP BY status;

-- AlertDeliveriesRepository.insertDeliveries
-- example: SQL, [{"id":"0b7f5c2e-8d1a-4f3b-9c6e-2a4d8e1f7b90","receiverId":3,"dedupeKey":"alert:4521:firing:receiver:3","alertId":"4521","eventId":null,"kind":"firing","status":"pending","body":"{\"status\":\"firing\"}"}]

-- $1 = ["0b7f5c2e-8d1a-4f3b-9c6e-2a4d8e1f7b90"]
-- $2 = [3]
-- $3 = ["alert:4521:firing:receiver:3"]
-- $4 = ["4521"]
-- $5 = [null]
-- $6 = ["firing"]
-- $7 = ["pending"]
-- $8 = ["{\"status\":\"firing\"}"]
INSERT INTO alert_deliveries (id, receiver_id, dedupe_key, alert_id, event_id, kind, status,
                             body)
SELECT * FROM unnest($1::uuid[], $2::int[], $3::varchar[], $4::bigint[], $5::bigint[],
                     $6::varchar[], $7::varchar[], $8::text[])
ON CONFLICT (dedupe_key) DO NOTHING RETURNING id;

-- AlertDeliveriesRepository.listDeliveries (all)
-- example: 3, undefined, 100

-- $1 = 3
-- $2 = null
-- $3 = 100
SELECT d.id, d.receiver_id, d.alert_id, d.event_id, d.kind, d.status, d.attempts, d.last_http_status,
       d.last_error, d.delivered_at, d.created_at,
       COALESCE((SELECT json_agg(json_build_object(
                  'attempted_at', t.attempted_at, 'duration_ms', t.duration_ms,
                  'http_status', t.http_status, 'error', t.error,
                  'response_prefix', t.response_prefix) ORDER BY t.id)
                 FROM alert_delivery_attempts t WHERE t.delivery_id = d.id), '[]')
         AS attempt_log
FROM alert_deliveries d
WHERE d.receiver_id = $1 AND ($2::text IS NULL OR d.status = $2)
ORDER BY d.created_at DESC, d.id LIMIT $3;

-- AlertDeliveriesRepository.listDeliveries (by status)
-- example: 3, "failed", 100

-- $1 = 3
-- $2 = "failed"
-- $3 = 100
SELECT d.id, d.receiver_id, d.alert_id, d.event_id, d.kind, d.status, d.attempts, d.last_http_status,
       d.last_error, d.delivered_at, d.created_at,
       COALESCE((SELECT json_agg(json_build_object(
                  'attempted_at', t.attempted_at, 'duration_ms', t.duration_ms,
                  'http_status', t.http_status, 'error', t.error,
                  'response_prefix', t.response_prefix) ORDER BY t.id)
                 FROM alert_delivery_attempts t WHERE t.delivery_id = d.id), '[]')
         AS attempt_log
FROM alert_deliveries d
WHERE d.receiver_id = $1 AND ($2::text IS NULL OR d.status = $2)
ORDER BY d.created_at DESC, d.id LIMIT $3;

-- AlertDeliveriesRepository.markForRedelivery
-- example: 3, "0b7f5c2e-8d1a-4f3b-9c6e-2a4d8e1f7b90"

-- $1 = "0b7f5c2e-8d1a-4f3b-9c6e-2a4d8e1f7b90"
-- $2 = 3
UPDATE alert_deliveries SET status = 'pending' WHERE id = $1 AND receiver_id = $2
RETURNING id;

-- AlertDeliveriesRepository.outgoing
-- example: "0b7f5c2e-8d1a-4f3b-9c6e-2a4d8e1f7b90"

-- $1 = "0b7f5c2e-8d1a-4f3b-9c6e-2a4d8e1f7b90"
SELECT d.id, d.status, d.body, d.receiver_id, x.type AS receiver_type, x.url, x.secret
FROM alert_deliveries d JOIN alert_receivers x ON x.id = d.receiver_id WHERE d.id = $1;

-- AlertDeliveriesRepository.prune
-- example: "2025-05-25T00:00:00.000Z", 5000
-- (answered with one row of zeros)

-- $1 = "2025-05-25T00:00:00.000Z"
-- $2 = 5000
WITH gone AS (
  DELETE FROM alert_deliveries WHERE id IN (
    SELECT id FROM alert_deliveries WHERE created_at < $1 AND status <> 'pending' LIMIT $2)
  RETURNING 1)
SELECT count(*)::int AS n FROM gone;

-- $1 = "2025-05-25T00:00:00.000Z"
-- $2 = 5000
WITH gone AS (
  DELETE FROM alert_delivery_attempts WHERE id IN (
    SELECT id FROM alert_delivery_attempts WHERE attempted_at < $1 LIMIT $2)
  RETURNING 1)
SELECT count(*)::int AS n FROM gone;

-- AlertDeliveriesRepository.recordAttempt
-- example: "0b7f5c2e-8d1a-4f3b-9c6e-2a4d8e1f7b90", {"duration_ms":38,"http_status":503,"error":null,"response_prefix":"busy"}, "pending"

START TRANSACTION;

-- $1 = "0b7f5c2e-8d1a-4f3b-9c6e-2a4d8e1f7b90"
-- $2 = 38
-- $3 = 503
-- $4 = null
-- $5 = "busy"
INSERT INTO alert_delivery_attempts (delivery_id, duration_ms, http_status, error,
                                     response_prefix)
VALUES ($1, $2, $3, $4, $5);

-- $1 = "0b7f5c2e-8d1a-4f3b-9c6e-2a4d8e1f7b90"
-- $2 = "pending"
-- $3 = 503
-- $4 = null
UPDATE alert_deliveries SET attempts = attempts + 1, status = $2::varchar,
       last_http_status = $3, last_error = $4,
       delivered_at = CASE WHEN $2::varchar = 'delivered' THEN now() END
WHERE id = $1;

COMMIT;

-- AlertDeliveriesRepository.stalePending
-- example: "2025-06-01T09:59:00.000Z", 500

-- $1 = "2025-06-01T09:59:00.000Z"
-- $2 = 500
SELECT id FROM alert_deliveries WHERE status = 'pending' AND created_at < $1
ORDER BY created_at LIMIT $2;
