-- The SQL of src/alerting/alerts.repository.ts, written by `npm run sql:generate`.
-- Each entry: the method and its example arguments, then every statement it runs.

-- AlertsRepository.alertCounts
-- example: 

SELECT state, count(*)::int AS n FROM alerts GROUP BY state;

-- AlertsRepository.deleteAlerts
-- example: SQL, ["4521","4522"]

-- $1 = ["4521","4522"]
DELETE FROM alerts WHERE id = ANY($1::bigint[]);

-- AlertsRepository.firingNodesByDeployment
-- example: 

SELECT deployment_id, count(DISTINCT node_id)::int AS n FROM alerts
WHERE state = 'firing' GROUP BY deployment_id;

-- AlertsRepository.insertAlerts
-- example: SQL, [{"fingerprint":"3f9a0c1d2e4b5a6f","rule_id":12,"rule_name":"slow spines","deployment_id":7,"node_id":301,"node_identifier":"spine-03","state":"firing","active_since":"2025-06-01T10:00:00.000Z","starts_at":"2025-06-01T10:01:00.000Z","ends_at":null,"last_breach_at":"2025-06-01T10:05:00.000Z","deviation_score":3.1,"metrics":{"latency_ms":{"value":9.5,"baseline":2.1,"z":3.1,"triggered":true}}}]

-- $1 = ["3f9a0c1d2e4b5a6f"]
-- $2 = [12]
-- $3 = ["slow spines"]
-- $4 = [7]
-- $5 = [301]
-- $6 = ["spine-03"]
-- $7 = ["firing"]
-- $8 = ["2025-06-01T10:00:00.000Z"]
-- $9 = ["2025-06-01T10:01:00.000Z"]
-- $10 = [null]
-- $11 = ["2025-06-01T10:05:00.000Z"]
-- $12 = [3.1]
-- $13 = ["{\"latency_ms\":{\"value\":9.5,\"baseline\":2.1,\"z\":3.1,\"triggered\":true}}"]
INSERT INTO alerts (fingerprint, rule_id, rule_name, deployment_id, node_id, node_identifier,
                    state, active_since, starts_at, ends_at, last_breach_at,
                    deviation_score, metrics)
SELECT * FROM unnest($1::char(16)[], $2::int[], $3::varchar[], $4::int[], $5::int[],
                     $6::varchar[], $7::varchar[], $8::timestamptz[], $9::timestamptz[],
                     $10::timestamptz[], $11::timestamptz[], $12::float8[], $13::jsonb[])
RETURNING id, node_id;

-- AlertsRepository.listAlerts (fleet)
-- example: {"limit":100}

-- $1 = 100
SELECT a.id, a.fingerprint, a.rule_id, a.rule_name, a.deployment_id, a.node_id,
a.node_identifier, a.state, a.active_since, a.starts_at, a.ends_at, a.last_breach_at,
a.deviation_score, a.metrics, a.updated_at,
            a.state <> 'resolved' AND EXISTS (SELECT 1 FROM alert_silences s WHERE s.deployment_id = a.deployment_id AND s.ends_at > now()
AND (s.node_id IS NULL OR s.node_id = a.node_id) AND (s.rule_id IS NULL OR s.rule_id = a.rule_id))
              AS silenced
     FROM alerts a
     ORDER BY a.id DESC LIMIT $1;

-- AlertsRepository.listAlerts (deployment and state)
-- example: {"deploymentId":7,"state":"firing","limit":100}

-- $1 = 7
-- $2 = "firing"
-- $3 = 100
SELECT a.id, a.fingerprint, a.rule_id, a.rule_name, a.deployment_id, a.node_id,
a.node_identifier, a.state, a.active_since, a.starts_at, a.ends_at, a.last_breach_at,
a.deviation_score, a.metrics, a.updated_at,
            a.state <> 'resolved' AND EXISTS (SELECT 1 FROM alert_silences s WHERE s.deployment_id = a.deployment_id AND s.ends_at > now()
AND (s.node_id IS NULL OR s.node_id = a.node_id) AND (s.rule_id IS NULL OR s.rule_id = a.rule_id))
              AS silenced
     FROM alerts a WHERE a.deployment_id = $1 AND a.state = $2
     ORDER BY a.id DESC LIMIT $3;

-- AlertsRepository.openAlerts
-- example: SQL, 12

-- $1 = 12
SELECT a.id, a.fingerprint, a.rule_id, a.rule_name, a.deployment_id, a.node_id,
a.node_identifier, a.state, a.active_since, a.starts_at, a.ends_at, a.last_breach_at,
a.deviation_score, a.metrics, a.updated_at FROM alerts a WHERE a.rule_id = $1 AND a.state <> 'resolved';

-- AlertsRepository.pruneResolved
-- example: "2025-05-25T00:00:00.000Z", 5000
-- (answered with one row of zeros)

-- $1 = "2025-05-25T00:00:00.000Z"
-- $2 = 5000
WITH gone AS (
  DELETE FROM alerts WHERE id IN (
    SELECT id FROM alerts WHERE state = 'resolved' AND ends_at < $1 LIMIT $2)
  RETURNING 1)
SELECT count(*)::int AS n FROM gone;

-- AlertsRepository.touchAlerts
-- example: SQL, [{"id":"4521","lastBreachAt":"2025-06-01T10:05:15.000Z","deviationScore":3.4,"metrics":{"latency_ms":{"value":9.5,"baseline":2.1,"z":3.1,"triggered":true}}}]

-- $1 = ["4521"]
-- $2 = ["2025-06-01T10:05:15.000Z"]
-- $3 = [3.4]
-- $4 = ["{\"latency_ms\":{\"value\":9.5,\"baseline\":2.1,\"z\":3.1,\"triggered\":true}}"]
UPDATE alerts a SET last_breach_at = u.at, deviation_score = u.score, metrics = u.metrics,
       updated_at = now()
FROM unnest($1::bigint[], $2::timestamptz[], $3::float8[], $4::jsonb[])
     AS u(id, at, score, metrics)
WHERE a.id = u.id;

-- AlertsRepository.updateAlerts
-- example: SQL, [{"fingerprint":"3f9a0c1d2e4b5a6f","rule_id":12,"rule_name":"slow spines","deployment_id":7,"node_id":301,"node_identifier":"spine-03","state":"firing","active_since":"2025-06-01T10:00:00.000Z","starts_at":"2025-06-01T10:01:00.000Z","ends_at":null,"last_breach_at":"2025-06-01T10:05:00.000Z","deviation_score":3.1,"metrics":{"latency_ms":{"value":9.5,"baseline":2.1,"z":3.1,"triggered":true}},"id":"4521"}]

-- $1 = ["4521"]
-- $2 = ["firing"]
-- $3 = ["2025-06-01T10:01:00.000Z"]
-- $4 = [null]
-- $5 = ["2025-06-01T10:05:00.000Z"]
-- $6 = [3.1]
-- $7 = ["{\"latency_ms\":{\"value\":9.5,\"baseline\":2.1,\"z\":3.1,\"triggered\":true}}"]
-- $8 = ["slow spines"]
UPDATE alerts a SET state = u.state, starts_at = u.starts_at, ends_at = u.ends_at,
       last_breach_at = u.at, deviation_score = u.score, metrics = u.metrics,
       rule_name = u.rule_name, updated_at = now()
FROM unnest($1::bigint[], $2::varchar[], $3::timestamptz[], $4::timestamptz[],
            $5::timestamptz[], $6::float8[], $7::jsonb[], $8::varchar[])
     AS u(id, state, starts_at, ends_at, at, score, metrics, rule_name)
WHERE a.id = u.id;
