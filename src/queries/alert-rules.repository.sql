-- The SQL of src/alerting/alert-rules.repository.ts, written by `npm run sql:generate`.
-- Each entry: the method and its example arguments, then every statement it runs.

-- AlertRulesRepository.claimGroup
-- example: SQL, 117600000

-- $1 = 117600000
SELECT id, deployment_id, method, window_minutes, min_samples, peer_group FROM alert_rules
WHERE enabled AND evaluated_slot < $1
ORDER BY evaluated_slot, id LIMIT 1 FOR UPDATE SKIP LOCKED;

-- AlertRulesRepository.deleteRule
-- example: SQL, 12

-- $1 = 12
DELETE FROM alert_rules WHERE id = $1;

-- AlertRulesRepository.evaluationStats
-- example: 

SELECT * FROM alert_evaluation_stats WHERE id = 1;

-- AlertRulesRepository.findRule (read)
-- example: 7, 12

-- $1 = 12
-- $2 = 7
SELECT r.id, r.deployment_id, r.name, r.method, r.threshold, r.window_minutes, r.for_seconds,
       r.keep_firing_for_seconds, r.min_samples, r.peer_group, r.enabled, r.evaluated_at,
       r.created_at,
       r.updated_at,
       COALESCE((SELECT array_agg(rr.receiver_id ORDER BY rr.receiver_id)
                 FROM alert_rule_receivers rr WHERE rr.rule_id = r.id), '{}') AS receiver_ids
FROM alert_rules r WHERE r.id = $1 AND r.deployment_id = $2;

-- AlertRulesRepository.findRule (locked)
-- example: 7, 12, SQL

-- $1 = 12
-- $2 = 7
SELECT 1 FROM alert_rules WHERE id = $1 AND deployment_id = $2 FOR UPDATE;

-- AlertRulesRepository.insertRule
-- example: SQL, 7, {"name":"slow spines","method":"zscore","threshold":2.5,"window_minutes":10,"for_seconds":60,"keep_firing_for_seconds":0,"min_samples":3,"peer_group":"role","enabled":true}
-- (answered with one row of zeros)

-- $1 = 7
-- $2 = "slow spines"
-- $3 = "zscore"
-- $4 = 2.5
-- $5 = 10
-- $6 = 60
-- $7 = 0
-- $8 = 3
-- $9 = true
-- $10 = "role"
INSERT INTO alert_rules (deployment_id, name, method, threshold, window_minutes, for_seconds,
                         keep_firing_for_seconds, min_samples, enabled, peer_group)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id;

-- AlertRulesRepository.listRules
-- example: 7

-- $1 = 7
SELECT r.id, r.deployment_id, r.name, r.method, r.threshold, r.window_minutes, r.for_seconds,
       r.keep_firing_for_seconds, r.min_samples, r.peer_group, r.enabled, r.evaluated_at,
       r.created_at,
       r.updated_at,
       COALESCE((SELECT array_agg(rr.receiver_id ORDER BY rr.receiver_id)
                 FROM alert_rule_receivers rr WHERE rr.rule_id = r.id), '{}') AS receiver_ids
FROM alert_rules r WHERE r.deployment_id = $1 ORDER BY r.id;

-- AlertRulesRepository.markEvaluated
-- example: SQL, 12, 117600000

-- $1 = 12
-- $2 = 117600000
UPDATE alert_rules SET evaluated_slot = $2, evaluated_at = now() WHERE id = $1;

-- AlertRulesRepository.recordEvaluation
-- example: 0.42, 25

-- $1 = 0.42
-- $2 = 25
UPDATE alert_evaluation_stats SET evaluations = evaluations + 1,
       seconds_total = seconds_total + $1, last_seconds = $1, last_rules = $2,
       last_at = now()
WHERE id = 1;

-- AlertRulesRepository.setRuleReceivers
-- example: SQL, 12, [3,4]

-- $1 = 12
DELETE FROM alert_rule_receivers WHERE rule_id = $1;

-- $1 = 12
-- $2 = [3,4]
INSERT INTO alert_rule_receivers (rule_id, receiver_id)
SELECT $1, unnest($2::int[]) ON CONFLICT DO NOTHING;

-- AlertRulesRepository.updateRule
-- example: SQL, 12, {"name":"slow spines","method":"zscore","threshold":2.5,"window_minutes":10,"for_seconds":60,"keep_firing_for_seconds":0,"min_samples":3,"peer_group":"role","enabled":true}

-- $1 = 12
-- $2 = "slow spines"
-- $3 = "zscore"
-- $4 = 2.5
-- $5 = 10
-- $6 = 60
-- $7 = 0
-- $8 = 3
-- $9 = true
-- $10 = "role"
UPDATE alert_rules SET name = $2, method = $3, threshold = $4, window_minutes = $5,
       for_seconds = $6, keep_firing_for_seconds = $7, min_samples = $8, enabled = $9,
       peer_group = $10, updated_at = now()
WHERE id = $1;
