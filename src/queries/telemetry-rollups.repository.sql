-- The SQL of src/telemetry/telemetry-rollups.repository.ts, written by `npm run sql:generate`.
-- Each entry: the method and its example arguments, then every statement it runs.

-- TelemetryRollupsRepository.clearPrefix
-- example: SQL, 7, "2026-11-27T10:05:00.000Z", "2026-11-27T10:09:00.000Z"

-- $1 = 7
-- $2 = "2026-11-27T10:05:00.000Z"
-- $3 = "2026-11-27T10:09:00.000Z"
DELETE FROM telemetry_prefix_sums WHERE deployment_id = $1 AND minute >= $2 AND minute < $3;

-- $1 = 7
-- $2 = "2026-11-27T10:05:00.000Z"
-- $3 = "2026-11-27T10:09:00.000Z"
DELETE FROM telemetry_prefix_buckets WHERE deployment_id = $1 AND bucket >= $2 AND bucket < $3;

-- $1 = 7
-- $2 = "2026-11-27T10:05:00.000Z"
-- $3 = "2026-11-27T10:09:00.000Z"
DELETE FROM telemetry_prefix_role_buckets WHERE deployment_id = $1 AND bucket >= $2 AND bucket < $3;

-- TelemetryRollupsRepository.deploymentsToFold
-- example: "2026-11-27T08:00:00.000Z"

-- $1 = "2026-11-27T08:00:00.000Z"
SELECT d.id AS deployment_id FROM deployments d
WHERE EXISTS (SELECT 1 FROM telemetry_rollup_groups g
              WHERE g.deployment_id = d.id AND g.minute >= $1)
   OR EXISTS (SELECT 1 FROM telemetry_prefix_marks p WHERE p.deployment_id = d.id);

-- TelemetryRollupsRepository.foldMinute (inside an hour)
-- example: SQL, 7, "2026-11-27T10:05:00.000Z"

-- $1 = 7
-- $2 = "2026-11-27T10:05:00.000Z"
-- $3 = false
INSERT INTO telemetry_prefix_sums AS p
  (deployment_id, node_id, minute, n, last_ts, latency_ms_sum, throughput_gbps_sum, error_rate_sum)
SELECT $1, node_id, $2, coalesce(c.n, 0) + coalesce(r.n, 0), greatest(c.last_ts, r.last_ts),
       coalesce(c.latency_ms_sum, 0) + coalesce(r.n * r.latency_ms_mean, 0),
       coalesce(c.throughput_gbps_sum, 0) + coalesce(r.n * r.throughput_gbps_mean, 0),
       coalesce(c.error_rate_sum, 0) + coalesce(r.n * r.error_rate_mean, 0)
FROM (SELECT node_id, n, last_ts, latency_ms_sum, throughput_gbps_sum, error_rate_sum
      FROM telemetry_prefix_sums
      WHERE NOT $3 AND deployment_id = $1 AND minute = $2::timestamptz - interval '1 minute') c
FULL JOIN (SELECT node_id, n, last_ts, latency_ms_mean, throughput_gbps_mean, error_rate_mean
           FROM telemetry_rollups WHERE deployment_id = $1 AND minute = $2) r USING (node_id)
ON CONFLICT (deployment_id, minute, node_id) DO UPDATE SET
  n = EXCLUDED.n, last_ts = EXCLUDED.last_ts,
  latency_ms_sum = EXCLUDED.latency_ms_sum, throughput_gbps_sum = EXCLUDED.throughput_gbps_sum, error_rate_sum = EXCLUDED.error_rate_sum;

-- $1 = 7
-- $2 = "2026-11-27T10:05:00.000Z"
DELETE FROM telemetry_prefix_buckets
WHERE deployment_id = $1 AND bucket >= $2 AND bucket < $2::timestamptz + interval '1 minute';

-- $1 = 7
-- $2 = "2026-11-27T10:05:00.000Z"
INSERT INTO telemetry_prefix_buckets (deployment_id, bucket, n, latency_ms_mean, latency_ms_m2, throughput_gbps_mean, throughput_gbps_m2, error_rate_mean, error_rate_m2)
SELECT $1, date_bin('10 seconds', "timestamp", timestamptz '1970-01-01 00:00:00+00'), count(*),
       avg(latency_ms), var_pop(latency_ms) * count(*), avg(throughput_gbps), var_pop(throughput_gbps) * count(*), avg(error_rate), var_pop(error_rate) * count(*)
FROM telemetry_samples
WHERE deployment_id = $1 AND "timestamp" >= $2 AND "timestamp" < $2::timestamptz + interval '1 minute'
GROUP BY 2;

-- $1 = 7
-- $2 = "2026-11-27T10:05:00.000Z"
DELETE FROM telemetry_prefix_role_buckets
WHERE deployment_id = $1 AND bucket >= $2 AND bucket < $2::timestamptz + interval '1 minute';

-- $1 = 7
-- $2 = "2026-11-27T10:05:00.000Z"
INSERT INTO telemetry_prefix_role_buckets (deployment_id, bucket, role, n, latency_ms_mean, latency_ms_m2, throughput_gbps_mean, throughput_gbps_m2, error_rate_mean, error_rate_m2)
SELECT $1, date_bin('10 seconds', s."timestamp", timestamptz '1970-01-01 00:00:00+00'), r.role, count(*),
       avg(s.latency_ms), var_pop(s.latency_ms) * count(*), avg(s.throughput_gbps), var_pop(s.throughput_gbps) * count(*), avg(s.error_rate), var_pop(s.error_rate) * count(*)
FROM telemetry_samples s JOIN nodes r ON r.id = s.node_id AND r.deployment_id = $1
WHERE s.deployment_id = $1 AND s."timestamp" >= $2 AND s."timestamp" < $2::timestamptz + interval '1 minute'
  AND EXISTS (SELECT 1 FROM deployments WHERE id = $1 AND spine_count IS NOT NULL)
GROUP BY 2, 3;

-- TelemetryRollupsRepository.foldMinute (top of an hour)
-- example: SQL, 7, "2026-11-27T11:00:00.000Z"

-- $1 = 7
-- $2 = "2026-11-27T11:00:00.000Z"
-- $3 = true
INSERT INTO telemetry_prefix_sums AS p
  (deployment_id, node_id, minute, n, last_ts, latency_ms_sum, throughput_gbps_sum, error_rate_sum)
SELECT $1, node_id, $2, coalesce(c.n, 0) + coalesce(r.n, 0), greatest(c.last_ts, r.last_ts),
       coalesce(c.latency_ms_sum, 0) + coalesce(r.n * r.latency_ms_mean, 0),
       coalesce(c.throughput_gbps_sum, 0) + coalesce(r.n * r.throughput_gbps_mean, 0),
       coalesce(c.error_rate_sum, 0) + coalesce(r.n * r.error_rate_mean, 0)
FROM (SELECT node_id, n, last_ts, latency_ms_sum, throughput_gbps_sum, error_rate_sum
      FROM telemetry_prefix_sums
      WHERE NOT $3 AND deployment_id = $1 AND minute = $2::timestamptz - interval '1 minute') c
FULL JOIN (SELECT node_id, n, last_ts, latency_ms_mean, throughput_gbps_mean, error_rate_mean
           FROM telemetry_rollups WHERE deployment_id = $1 AND minute = $2) r USING (node_id)
ON CONFLICT (deployment_id, minute, node_id) DO UPDATE SET
  n = EXCLUDED.n, last_ts = EXCLUDED.last_ts,
  latency_ms_sum = EXCLUDED.latency_ms_sum, throughput_gbps_sum = EXCLUDED.throughput_gbps_sum, error_rate_sum = EXCLUDED.error_rate_sum;

-- $1 = 7
-- $2 = "2026-11-27T11:00:00.000Z"
DELETE FROM telemetry_prefix_buckets
WHERE deployment_id = $1 AND bucket >= $2 AND bucket < $2::timestamptz + interval '1 minute';

-- $1 = 7
-- $2 = "2026-11-27T11:00:00.000Z"
INSERT INTO telemetry_prefix_buckets (deployment_id, bucket, n, latency_ms_mean, latency_ms_m2, throughput_gbps_mean, throughput_gbps_m2, error_rate_mean, error_rate_m2)
SELECT $1, date_bin('10 seconds', "timestamp", timestamptz '1970-01-01 00:00:00+00'), count(*),
       avg(latency_ms), var_pop(latency_ms) * count(*), avg(throughput_gbps), var_pop(throughput_gbps) * count(*), avg(error_rate), var_pop(error_rate) * count(*)
FROM telemetry_samples
WHERE deployment_id = $1 AND "timestamp" >= $2 AND "timestamp" < $2::timestamptz + interval '1 minute'
GROUP BY 2;

-- $1 = 7
-- $2 = "2026-11-27T11:00:00.000Z"
DELETE FROM telemetry_prefix_role_buckets
WHERE deployment_id = $1 AND bucket >= $2 AND bucket < $2::timestamptz + interval '1 minute';

-- $1 = 7
-- $2 = "2026-11-27T11:00:00.000Z"
INSERT INTO telemetry_prefix_role_buckets (deployment_id, bucket, role, n, latency_ms_mean, latency_ms_m2, throughput_gbps_mean, throughput_gbps_m2, error_rate_mean, error_rate_m2)
SELECT $1, date_bin('10 seconds', s."timestamp", timestamptz '1970-01-01 00:00:00+00'), r.role, count(*),
       avg(s.latency_ms), var_pop(s.latency_ms) * count(*), avg(s.throughput_gbps), var_pop(s.throughput_gbps) * count(*), avg(s.error_rate), var_pop(s.error_rate) * count(*)
FROM telemetry_samples s JOIN nodes r ON r.id = s.node_id AND r.deployment_id = $1
WHERE s.deployment_id = $1 AND s."timestamp" >= $2 AND s."timestamp" < $2::timestamptz + interval '1 minute'
  AND EXISTS (SELECT 1 FROM deployments WHERE id = $1 AND spine_count IS NOT NULL)
GROUP BY 2, 3;

-- TelemetryRollupsRepository.foldProbe (inside an hour)
-- example: SQL, 7, "2026-11-27T10:05:00.000Z", "2026-11-27T10:09:00.000Z"

-- $1 = 7
-- $2 = "2026-11-27T10:05:00.000Z"
-- $3 = "2026-11-27T10:09:00.000Z"
-- $4 = false
SELECT EXISTS (SELECT 1 FROM telemetry_prefix_sums WHERE NOT $4 AND deployment_id = $1
          AND minute = $2::timestamptz - interval '1 minute') AS carry,
(SELECT min(minute) FROM telemetry_rollup_groups
 WHERE deployment_id = $1 AND minute >= $2 AND minute < $3) AS next;

-- TelemetryRollupsRepository.foldProbe (top of an hour)
-- example: SQL, 7, "2026-11-27T11:00:00.000Z", "2026-11-27T11:04:00.000Z"

-- $1 = 7
-- $2 = "2026-11-27T11:00:00.000Z"
-- $3 = "2026-11-27T11:04:00.000Z"
-- $4 = true
SELECT EXISTS (SELECT 1 FROM telemetry_prefix_sums WHERE NOT $4 AND deployment_id = $1
          AND minute = $2::timestamptz - interval '1 minute') AS carry,
(SELECT min(minute) FROM telemetry_rollup_groups
 WHERE deployment_id = $1 AND minute >= $2 AND minute < $3) AS next;

-- TelemetryRollupsRepository.prefixMarks
-- example: SQL, 7

-- $1 = 7
SELECT since, until FROM telemetry_prefix_marks WHERE deployment_id = $1;

-- TelemetryRollupsRepository.samplesTouching (two ranges)
-- example: 7, [{"from":"2026-11-27T10:05:23.500Z","to":"2026-11-27T10:06:00.000Z"},{"from":"2026-11-27T10:59:00.000Z","to":"2026-11-27T10:59:41.000Z"}]

-- $1 = 7
-- $2 = "2026-11-27T10:05:23.500Z"
-- $3 = "2026-11-27T10:06:00.000Z"
-- $4 = "2026-11-27T10:59:00.000Z"
-- $5 = "2026-11-27T10:59:41.000Z"
SELECT coalesce(sum(n), 0)::bigint AS n FROM telemetry_rollup_groups
WHERE deployment_id = $1 AND ((minute >= date_bin('1 minute', $2::timestamptz, timestamptz '1970-01-01 00:00:00+00') AND minute < $3) OR (minute >= date_bin('1 minute', $4::timestamptz, timestamptz '1970-01-01 00:00:00+00') AND minute < $5));

-- TelemetryRollupsRepository.samplesTouching (one node)
-- example: 7, [{"from":"2026-11-27T10:05:00.000Z","to":"2026-11-27T11:00:00.000Z"}], 42

-- $1 = 7
-- $2 = "2026-11-27T10:05:00.000Z"
-- $3 = "2026-11-27T11:00:00.000Z"
-- $4 = 42
SELECT coalesce(sum(n), 0)::bigint AS n FROM telemetry_rollups
WHERE deployment_id = $1 AND ((minute >= date_bin('1 minute', $2::timestamptz, timestamptz '1970-01-01 00:00:00+00') AND minute < $3)) AND node_id = $4;

-- TelemetryRollupsRepository.samplesTouching (no ranges)
-- example: 7, []

-- (runs no statement)

-- TelemetryRollupsRepository.series (group rollups)
-- example: 7, {"metric":"latency_ms","from":"2026-11-27T10:05:00.000Z","to":"2026-11-27T11:00:00.000Z","bucketMs":300000}

-- $1 = 7
-- $2 = "2026-11-27T10:05:00.000Z"
-- $3 = "2026-11-27T11:00:00.000Z"
-- $4 = "300 seconds"
SELECT date_bin($4::interval, minute, timestamptz '1970-01-01 00:00:00+00') AS t,
       sum(n * latency_ms_mean) / sum(n) AS avg, NULL AS p95, max(latency_ms_max) AS max,
       sum(n)::bigint AS count
FROM telemetry_rollup_groups
WHERE deployment_id = $1 AND minute >= $2 AND minute < $3

GROUP BY 1 ORDER BY 1;

-- TelemetryRollupsRepository.series (one node)
-- example: 7, {"metric":"error_rate","from":"2026-11-27T10:05:00.000Z","to":"2026-11-27T11:00:00.000Z","bucketMs":60000,"nodeId":42}

-- $1 = 7
-- $2 = "2026-11-27T10:05:00.000Z"
-- $3 = "2026-11-27T11:00:00.000Z"
-- $4 = "60 seconds"
-- $5 = 42
SELECT date_bin($4::interval, minute, timestamptz '1970-01-01 00:00:00+00') AS t,
       sum(n * error_rate_mean) / sum(n) AS avg, NULL AS p95, max(error_rate_max) AS max,
       sum(n)::bigint AS count
FROM telemetry_rollups
WHERE deployment_id = $1 AND minute >= $2 AND minute < $3
  AND node_id = $5
GROUP BY 1 ORDER BY 1;

-- TelemetryRollupsRepository.setPrefixMarks
-- example: SQL, 7, {"since":"2026-11-27T08:00:00.000Z","until":"2026-11-27T10:05:00.000Z"}

-- $1 = 7
-- $2 = "2026-11-27T08:00:00.000Z"
-- $3 = "2026-11-27T10:05:00.000Z"
INSERT INTO telemetry_prefix_marks (deployment_id, since, until) VALUES ($1, $2, $3)
ON CONFLICT (deployment_id) DO UPDATE SET since = EXCLUDED.since, until = EXCLUDED.until;

-- TelemetryRollupsRepository.trimPrefix
-- example: SQL, 7, "2026-11-27T08:00:00.000Z"

-- $1 = 7
-- $2 = "2026-11-27T08:00:00.000Z"
DELETE FROM telemetry_prefix_sums WHERE deployment_id = $1 AND minute < $2;

-- $1 = 7
-- $2 = "2026-11-27T08:00:00.000Z"
DELETE FROM telemetry_prefix_buckets WHERE deployment_id = $1 AND bucket < $2;

-- $1 = 7
-- $2 = "2026-11-27T08:00:00.000Z"
DELETE FROM telemetry_prefix_role_buckets WHERE deployment_id = $1 AND bucket < $2;
