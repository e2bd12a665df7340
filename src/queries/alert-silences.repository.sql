-- The SQL of src/alerting/alert-silences.repository.ts, written by `npm run sql:generate`.
-- Each entry: the method and its example arguments, then every statement it runs.

-- AlertSilencesRepository.deleteSilence
-- example: 5

-- $1 = 5
DELETE FROM alert_silences WHERE id = $1 RETURNING id;

-- AlertSilencesRepository.insertSilence
-- example: {"deployment_id":7,"node_id":301,"rule_id":null,"ends_at":"2025-06-01T12:00:00.000Z","comment":"optics replaced on spine-03","created_by":"ops-key"}

-- $1 = 7
-- $2 = 301
-- $3 = null
-- $4 = "2025-06-01T12:00:00.000Z"
-- $5 = "optics replaced on spine-03"
-- $6 = "ops-key"
INSERT INTO alert_silences (deployment_id, node_id, rule_id, ends_at, comment, created_by)
VALUES ($1, $2, $3, $4, $5, $6) RETURNING *;

-- AlertSilencesRepository.listSilences (all)
-- example: 

-- $1 = null
SELECT * FROM alert_silences WHERE ($1::int IS NULL OR deployment_id = $1) ORDER BY id;

-- AlertSilencesRepository.listSilences (of a deployment)
-- example: 7

-- $1 = 7
SELECT * FROM alert_silences WHERE ($1::int IS NULL OR deployment_id = $1) ORDER BY id;

-- AlertSilencesRepository.silencedDeployments
-- example: SQL, [7,8]

-- $1 = [7,8]
SELECT DISTINCT deployment_id FROM alert_silences
WHERE deployment_id = ANY($1::int[]) AND ends_at > now()
  AND node_id IS NULL AND rule_id IS NULL;

-- AlertSilencesRepository.silencedNodes
-- example: SQL, {"deploymentId":7,"ruleId":12,"nodeIds":[301,302]}

-- $1 = 7
-- $2 = 12
-- $3 = [301,302]
SELECT u.node_id FROM unnest($3::int[]) AS u(node_id)
WHERE EXISTS (
  SELECT 1 FROM alert_silences s
  WHERE s.deployment_id = $1 AND s.ends_at > now()
    AND (s.node_id IS NULL OR s.node_id = u.node_id) AND (s.rule_id IS NULL OR s.rule_id = $2));
