-- The SQL of src/store/telemetry.repository.ts, written by `npm run sql:generate`.
-- Each entry: the method and its example arguments, then every statement it runs.

-- TelemetryRepository.claimShardTick
-- example: SQL, 7, 3, "2026-11-27T10:05:00.000Z", 1000

-- $1 = "2026-11-27T10:05:00.000Z"
-- $2 = 7
-- $3 = 3
-- $4 = 1000
INSERT INTO telemetry_shard_ticks (tick_at, deployment_id, shard, nodes)
VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING 1;

-- TelemetryRepository.deleteSamples (whole deployment)
-- example: SQL, {"deploymentId":7}

-- calls LockService.fold(SQL, 7)

-- $1 = 7
DELETE FROM telemetry_samples WHERE deployment_id = $1;

-- $1 = 7
DELETE FROM telemetry_rollups WHERE deployment_id = $1;

-- $1 = 7
DELETE FROM telemetry_rollup_groups WHERE deployment_id = $1;

-- $1 = 7
DELETE FROM telemetry_prefix_sums WHERE deployment_id = $1;

-- $1 = 7
DELETE FROM telemetry_shard_ticks WHERE deployment_id = $1;

-- TelemetryRepository.deleteSamples (one node)
-- example: SQL, {"deploymentId":7,"nodeId":42}

-- calls LockService.fold(SQL, 7)

-- $1 = 7
-- $2 = 42
DELETE FROM telemetry_samples WHERE deployment_id = $1 AND node_id = $2;

-- $1 = 7
-- $2 = 42
DELETE FROM telemetry_rollups WHERE deployment_id = $1 AND node_id = $2;

-- $1 = 7
-- $2 = 42
SELECT telemetry_rollup_groups_rebuild($1, $2);

-- $1 = 7
-- $2 = 42
DELETE FROM telemetry_prefix_sums WHERE deployment_id = $1 AND node_id = $2;

-- $1 = 7
UPDATE telemetry_prefix_marks SET until = since WHERE deployment_id = $1;

-- TelemetryRepository.dropPartition
-- example: "telemetry_samples_p20261120"

START TRANSACTION;

SET LOCAL lock_timeout = '5s';

DROP TABLE IF EXISTS telemetry_samples_p20261120;

COMMIT;

-- TelemetryRepository.ensurePartitions
-- example: "2026-11-27T10:05:00.000Z", "2026-11-27T23:59:59.999Z"

-- $1 = "telemetry_samples"
SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = to_regclass($1);

CREATE TABLE IF NOT EXISTS telemetry_samples_p20261127 PARTITION OF telemetry_samples
FOR VALUES FROM ('2026-11-27T00:00:00.000Z') TO ('2026-11-28T00:00:00.000Z');

-- $1 = "telemetry_rollups"
SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = to_regclass($1);

CREATE TABLE IF NOT EXISTS telemetry_rollups_p20261127 PARTITION OF telemetry_rollups
FOR VALUES FROM ('2026-11-27T00:00:00.000Z') TO ('2026-11-28T00:00:00.000Z');

-- $1 = "telemetry_rollup_groups"
SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = to_regclass($1);

CREATE TABLE IF NOT EXISTS telemetry_rollup_groups_p20261127 PARTITION OF telemetry_rollup_groups
FOR VALUES FROM ('2026-11-27T00:00:00.000Z') TO ('2026-11-28T00:00:00.000Z');

-- $1 = "telemetry_prefix_sums"
SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = to_regclass($1);

CREATE TABLE IF NOT EXISTS telemetry_prefix_sums_p20261127 PARTITION OF telemetry_prefix_sums
FOR VALUES FROM ('2026-11-27T00:00:00.000Z') TO ('2026-11-28T00:00:00.000Z');

-- TelemetryRepository.forgetShardTicksBefore
-- example: "2026-11-27T10:05:00.000Z"

-- $1 = "2026-11-27T10:05:00.000Z"
DELETE FROM telemetry_shard_ticks WHERE tick_at < $1;

-- TelemetryRepository.listPartitions
-- example: "telemetry_samples"

-- $1 = "telemetry_samples"
SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = to_regclass($1);

-- TelemetryRepository.listSamples (deployment)
-- example: 7, {"limit":100}

-- $1 = 7
-- $2 = 100
SELECT id, node_id, deployment_id, "timestamp", latency_ms, throughput_gbps, error_rate
FROM telemetry_samples WHERE deployment_id = $1
ORDER BY "timestamp" DESC, id DESC LIMIT $2;

-- TelemetryRepository.listSamples (one node, both bounds)
-- example: 7, {"nodeId":42,"start":"2026-11-27T10:05:00.000Z","end":"2026-11-27T23:59:59.999Z","limit":100}

-- $1 = 7
-- $2 = 42
-- $3 = "2026-11-27T10:05:00.000Z"
-- $4 = "2026-11-27T23:59:59.999Z"
-- $5 = 100
SELECT id, node_id, deployment_id, "timestamp", latency_ms, throughput_gbps, error_rate
FROM telemetry_samples WHERE deployment_id = $1 AND node_id = $2 AND "timestamp" >= $3 AND "timestamp" <= $4
ORDER BY "timestamp" DESC, id DESC LIMIT $5;

-- TelemetryRepository.samplesWritten
-- example: SQL

SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS written
FROM telemetry_samples_id_seq;

-- TelemetryRepository.series (with p95)
-- example: 7, {"metric":"latency_ms","ranges":[{"from":"2026-11-27T10:05:00.000Z","to":"2026-11-27T23:59:59.999Z"}],"bucketMs":60000,"p95":true}

-- $1 = 7
-- $2 = "60 seconds"
-- $3 = "2026-11-27T10:05:00.000Z"
-- $4 = "2026-11-27T23:59:59.999Z"
SELECT date_bin($2::interval, "timestamp", timestamptz '1970-01-01 00:00:00+00') AS t,
       avg(latency_ms) AS avg,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95,
       max(latency_ms) AS max,
       count(*)::int AS count
FROM telemetry_samples
WHERE deployment_id = $1 AND (("timestamp" >= $3 AND "timestamp" < $4))
GROUP BY 1 ORDER BY 1;

-- TelemetryRepository.series (one node, two ranges)
-- example: 7, {"metric":"throughput_gbps","ranges":[{"from":"2026-11-27T10:05:00.000Z","to":"2026-11-27T10:06:00.000Z"},{"from":"2026-11-27T10:59:00.000Z","to":"2026-11-27T23:59:59.999Z"}],"bucketMs":10000,"nodeId":42,"p95":false}

-- $1 = 7
-- $2 = "10 seconds"
-- $3 = "2026-11-27T10:05:00.000Z"
-- $4 = "2026-11-27T10:06:00.000Z"
-- $5 = "2026-11-27T10:59:00.000Z"
-- $6 = "2026-11-27T23:59:59.999Z"
-- $7 = 42
SELECT date_bin($2::interval, "timestamp", timestamptz '1970-01-01 00:00:00+00') AS t,
       avg(throughput_gbps) AS avg,
       NULL::double precision AS p95,
       max(throughput_gbps) AS max,
       count(*)::int AS count
FROM telemetry_samples
WHERE deployment_id = $1 AND (("timestamp" >= $3 AND "timestamp" < $4) OR ("timestamp" >= $5 AND "timestamp" < $6)) AND node_id = $7
GROUP BY 1 ORDER BY 1;

-- TelemetryRepository.series (no ranges)
-- example: 7, {"metric":"error_rate","ranges":[],"bucketMs":60000,"p95":false}

-- (runs no statement)

-- TelemetryRepository.silentSince
-- example: SQL, 7, [1,2,3], "2026-11-27T10:05:00.000Z"

-- $1 = 7
-- $2 = [1,2,3]
-- $3 = "2026-11-27T10:05:00.000Z"
SELECT n.id FROM unnest($2::int[]) AS n(id)
WHERE NOT EXISTS (
  SELECT 1 FROM telemetry_samples s
  WHERE s.node_id = n.id AND s.deployment_id = $1 AND s."timestamp" >= $3);

-- TelemetryRepository.silentSince (no nodes)
-- example: SQL, 7, [], "2026-11-27T10:05:00.000Z"

-- (runs no statement)

-- TelemetryRepository.write (one instant for the batch)
-- example: SQL, 7, {"nodeIds":[1,2],"timestamps":"2026-11-27T10:05:00.000Z","latency":[1.5,2],"throughput":[9,8],"errorRate":[0,0.01]}

-- $1 = 7
-- $2 = "{1,2}"
-- $3 = "{1.5,2}"
-- $4 = "{9,8}"
-- $5 = "{0,0.01}"
-- $6 = "2026-11-27T10:05:00.000Z"
WITH batch AS (
  SELECT * FROM unnest($2::int[], $3::float8[], $4::float8[], $5::float8[])
    AS u(node_id, latency_ms, throughput_gbps, error_rate)
), stored AS (
  INSERT INTO telemetry_samples (deployment_id, node_id, "timestamp", latency_ms, throughput_gbps, error_rate)
  SELECT $1, b.node_id, $6::timestamptz, b.latency_ms, b.throughput_gbps, b.error_rate
  FROM batch b WHERE b.node_id IS NOT NULL
  RETURNING 1
)
SELECT count(*)::int AS n FROM stored;

-- TelemetryRepository.write (a timestamp per sample)
-- example: SQL, 7, {"nodeIds":[1],"timestamps":["2026-11-27T10:05:00.000Z"],"latency":[1.5],"throughput":[9],"errorRate":[0]}

-- $1 = 7
-- $2 = "{1}"
-- $3 = "{1.5}"
-- $4 = "{9}"
-- $5 = "{0}"
-- $6 = "{2026-11-27T10:05:00.000Z}"
WITH batch AS (
  SELECT * FROM unnest($2::int[], $3::float8[], $4::float8[], $5::float8[], $6::timestamptz[])
    AS u(node_id, latency_ms, throughput_gbps, error_rate, ts)
), stored AS (
  INSERT INTO telemetry_samples (deployment_id, node_id, "timestamp", latency_ms, throughput_gbps, error_rate)
  SELECT $1, b.node_id, b.ts, b.latency_ms, b.throughput_gbps, b.error_rate
  FROM batch b WHERE b.node_id IS NOT NULL
  RETURNING 1
)
SELECT count(*)::int AS n FROM stored;

-- TelemetryRepository.write (empty batch)
-- example: SQL, 7, {"nodeIds":[],"timestamps":[],"latency":[],"throughput":[],"errorRate":[]}

-- (runs no statement)
