-- The SQL of src/alerting/alert-receivers.repository.ts, written by `npm run sql:generate`.
-- Each entry: the method and its example arguments, then every statement it runs.

-- AlertReceiversRepository.deleteReceiver
-- example: 3

-- $1 = 3
DELETE FROM alert_receivers WHERE id = $1 RETURNING id;

-- AlertReceiversRepository.findReceiver
-- example: 3

-- $1 = 3
SELECT * FROM alert_receivers WHERE id = $1;

-- AlertReceiversRepository.insertReceiver
-- example: {"name":"on-call","type":"webhook","url":"https://hooks.example.com/netorch","secret":"shared-secret","events":["DEPLOYMENT_FAILED"]}

-- $1 = "on-call"
-- $2 = "webhook"
-- $3 = "https://hooks.example.com/netorch"
-- $4 = "shared-secret"
-- $5 = ["DEPLOYMENT_FAILED"]
INSERT INTO alert_receivers (name, type, url, secret, events) VALUES ($1, $2, $3, $4, $5)
RETURNING *;

-- AlertReceiversRepository.listReceivers
-- example: 

SELECT * FROM alert_receivers ORDER BY id;

-- AlertReceiversRepository.lockReceivers
-- example: SQL, [3,4]

-- $1 = [3,4]
SELECT id FROM alert_receivers WHERE id = ANY($1::int[]) FOR KEY SHARE;

-- AlertReceiversRepository.ruleReceivers
-- example: SQL, 12

-- $1 = 12
SELECT x.* FROM alert_receivers x JOIN alert_rule_receivers rr ON rr.receiver_id = x.id
WHERE rr.rule_id = $1 ORDER BY x.id;

-- AlertReceiversRepository.subscribedReceivers
-- example: SQL, ["ROLLOUT_HALTED","DEPLOYMENT_FAILED"]

-- $1 = ["ROLLOUT_HALTED","DEPLOYMENT_FAILED"]
SELECT * FROM alert_receivers WHERE events && $1::text[] ORDER BY id;
