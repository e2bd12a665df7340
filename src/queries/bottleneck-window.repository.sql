-- The SQL of src/analytics/bottleneck-window.repository.ts, written by `npm run sql:generate`.
-- Each entry: the method and its example arguments, then every statement it runs.

-- BottleneckWindowRepository.groupedWindow (one connection)
-- example: 7, {"from":"2026-11-27T10:05:23.500Z","to":"2026-11-27T10:15:23.500Z","wholeFrom":"2026-11-27T10:06:00.000Z","wholeTo":"2026-11-27T10:15:00.000Z","leadMinute":"2026-11-27T10:05:00.000Z","leadByComplement":true}, {"minSamples":1,"threshold":2.5}

BEGIN ISOLATION LEVEL REPEATABLE READ;

-- $1 = 7
SELECT set_config('jit', 'off', true),
set_config('max_parallel_workers_per_gather', '0', true), set_config('work_mem', '64MB', true),
set_config('enable_sort', 'off', true),
(SELECT target_node_count FROM deployments WHERE id = $1) AS target_node_count,
(SELECT spine_count IS NOT NULL FROM deployments WHERE id = $1) AS fabric,
(SELECT since FROM telemetry_prefix_marks WHERE deployment_id = $1) AS since,
(SELECT until FROM telemetry_prefix_marks WHERE deployment_id = $1) AS until, pg_export_snapshot() AS snapshot;

-- $1 = 7
-- $2 = "2026-11-27T10:05:23.500Z"
-- $3 = "2026-11-27T10:15:23.500Z"
-- $4 = "2026-11-27T10:06:00.000Z"
-- $5 = "2026-11-27T10:15:00.000Z"
-- $6 = 1
-- $7 = 2.5
-- $8 = "2026-11-27T10:05:00.000Z"
-- $9 = true
-- $10 = 1
-- $11 = 0
-- $12 = ["2026-11-27T10:13:00.000Z"]
-- $13 = ["2026-11-27T10:04:00.000Z"]
-- $14 = "2026-11-27T10:14:00.000Z"
-- $15 = "2026-11-27T10:05:30.000Z"
WITH cut AS MATERIALIZED (
  SELECT node_id FROM telemetry_rollups
  WHERE deployment_id = $1 AND minute = $5 AND last_ts > $3
    -- Checked once on ~1/64 as many rows: usually no group of the trailing minute is cut.
    AND EXISTS (SELECT 1 FROM telemetry_rollup_groups
                WHERE deployment_id = $1 AND minute = $5 AND last_ts > $3)
), per_node AS MATERIALIZED (
  SELECT node_id, sum(n)::int AS n, max(last_ts) AS last_ts, sum(latency_ms_sum) AS latency_ms_sum, sum(throughput_gbps_sum) AS throughput_gbps_sum, sum(error_rate_sum) AS error_rate_sum
  FROM (
    SELECT node_id, n, last_ts, latency_ms_sum, throughput_gbps_sum, error_rate_sum
    FROM telemetry_prefix_sums
    WHERE node_id % $10 = $11 AND deployment_id = $1 AND minute = ANY ($12::timestamptz[])
    UNION ALL
    SELECT node_id, -n, NULL, -latency_ms_sum, -throughput_gbps_sum, -error_rate_sum
    FROM telemetry_prefix_sums
    WHERE node_id % $10 = $11 AND deployment_id = $1 AND minute = ANY ($13::timestamptz[])
    UNION ALL
    SELECT node_id, n, last_ts, n * latency_ms_mean AS latency_ms_sum, n * throughput_gbps_mean AS throughput_gbps_sum, n * error_rate_mean AS error_rate_sum
    FROM telemetry_rollups
    WHERE node_id % $10 = $11 AND deployment_id = $1 AND minute >= $14 AND minute <= $5
      AND NOT (minute = $5 AND last_ts > $3)
    UNION ALL
    SELECT node_id, 1, "timestamp", latency_ms, throughput_gbps, error_rate
    FROM telemetry_samples
    WHERE node_id % $10 = $11 AND NOT $9 AND deployment_id = $1 AND "timestamp" >= $2 AND "timestamp" < $4
    UNION ALL
    SELECT node_id, -1, NULL, -latency_ms, -throughput_gbps, -error_rate
    FROM telemetry_samples
    WHERE node_id % $10 = $11 AND $9 AND deployment_id = $1 AND "timestamp" >= $8 AND "timestamp" < $2
    UNION ALL
    SELECT node_id, 1, "timestamp", latency_ms, throughput_gbps, error_rate
    FROM telemetry_samples
    WHERE node_id % $10 = $11 AND deployment_id = $1 AND "timestamp" >= $5 AND "timestamp" <= $3
      AND node_id IN (SELECT node_id FROM cut)
  ) parts
  GROUP BY node_id
  -- A node whose leading-minute samples all fall before the window nets to nothing.
  HAVING sum(n) > 0
), lead AS (
  SELECT n, latency_ms_mean, latency_ms_m2, throughput_gbps_mean, throughput_gbps_m2, error_rate_mean, error_rate_m2
  FROM telemetry_prefix_buckets
  WHERE deployment_id = $1 AND bucket >= $15 AND bucket < $4
  UNION ALL
  SELECT count(*)::int AS n, avg(latency_ms) AS latency_ms_mean, var_pop(latency_ms) * count(*) AS latency_ms_m2, avg(throughput_gbps) AS throughput_gbps_mean, var_pop(throughput_gbps) * count(*) AS throughput_gbps_m2, avg(error_rate) AS error_rate_mean, var_pop(error_rate) * count(*) AS error_rate_m2
  FROM telemetry_samples
  WHERE deployment_id = $1 AND "timestamp" >= $2 AND "timestamp" < $15
), tail AS (
  SELECT count(*)::int AS n, avg(latency_ms) AS latency_ms_mean, var_pop(latency_ms) * count(*) AS latency_ms_m2, avg(throughput_gbps) AS throughput_gbps_mean, var_pop(throughput_gbps) * count(*) AS throughput_gbps_m2, avg(error_rate) AS error_rate_mean, var_pop(error_rate) * count(*) AS error_rate_m2
  FROM telemetry_samples
  WHERE deployment_id = $1 AND "timestamp" >= $5 AND "timestamp" <= $3
    AND node_id IN (SELECT node_id FROM cut)
), base AS MATERIALIZED (
  SELECT telemetry_moments(ARRAY[n, n * latency_ms_mean, latency_ms_m2]) AS latency_ms, telemetry_moments(ARRAY[n, n * throughput_gbps_mean, throughput_gbps_m2]) AS throughput_gbps, telemetry_moments(ARRAY[n, n * error_rate_mean, error_rate_m2]) AS error_rate
  FROM (
    SELECT n, latency_ms_mean, latency_ms_m2, throughput_gbps_mean, throughput_gbps_m2, error_rate_mean, error_rate_m2
    FROM telemetry_rollup_groups
    WHERE deployment_id = $1 AND minute >= $4 AND minute <= $5
      AND NOT (minute = $5 AND last_ts > $3)
    UNION ALL
    -- The trailing minute of a group that a later sample cuts: its nodes one by one.
    SELECT n, latency_ms_mean, latency_ms_m2, throughput_gbps_mean, throughput_gbps_m2, error_rate_mean, error_rate_m2
    FROM telemetry_rollups r
    WHERE deployment_id = $1 AND minute = $5 AND last_ts <= $3
      AND (node_id >> 6) IN (SELECT node_group FROM telemetry_rollup_groups
                             WHERE deployment_id = $1 AND minute = $5 AND last_ts > $3)
    UNION ALL
    SELECT n, latency_ms_mean, latency_ms_m2, throughput_gbps_mean, throughput_gbps_m2, error_rate_mean, error_rate_m2 FROM tail WHERE n > 0
    UNION ALL
    SELECT n, latency_ms_mean, latency_ms_m2, throughput_gbps_mean, throughput_gbps_m2, error_rate_mean, error_rate_m2 FROM lead WHERE n > 0
  ) parts
), stats AS (
  SELECT latency_ms[2] / nullif(latency_ms[1], 0) AS latency_ms_c,
         CASE WHEN latency_ms[1] > 1 THEN sqrt(greatest(latency_ms[3], 0) / (latency_ms[1] - 1)) END AS latency_ms_sd, throughput_gbps[2] / nullif(throughput_gbps[1], 0) AS throughput_gbps_c,
         CASE WHEN throughput_gbps[1] > 1 THEN sqrt(greatest(throughput_gbps[3], 0) / (throughput_gbps[1] - 1)) END AS throughput_gbps_sd, error_rate[2] / nullif(error_rate[1], 0) AS error_rate_c,
         CASE WHEN error_rate[1] > 1 THEN sqrt(greatest(error_rate[3], 0) / (error_rate[1] - 1)) END AS error_rate_sd
  FROM base
)
SELECT p.node_id, p.n, p.latency_ms_sum / p.n AS latency_ms, p.throughput_gbps_sum / p.n AS throughput_gbps, p.error_rate_sum / p.n AS error_rate,
       extract(epoch FROM p.last_ts)::float8 AS last_epoch,
       NULL::float8[] AS all_latency_ms, NULL::float8[] AS all_throughput_gbps,
       NULL::float8[] AS all_error_rate, NULL::int AS analysed,
       (SELECT node_id FROM nodes WHERE id = p.node_id) AS node_identifier
FROM per_node p, stats s
WHERE p.n >= $6
  AND ($7::float8 IS NULL
    OR p.latency_ms_sum / p.n - s.latency_ms_c >= $7 * s.latency_ms_sd * (1 - 1e-6)
    OR s.throughput_gbps_c - p.throughput_gbps_sum / p.n >= $7 * s.throughput_gbps_sd * (1 - 1e-6)
    OR p.error_rate_sum / p.n - s.error_rate_c >= $7 * s.error_rate_sd * (1 - 1e-6))
UNION ALL
SELECT NULL, (SELECT count(*)::int FROM per_node WHERE n < $6), NULL, NULL, NULL, NULL,
       latency_ms, throughput_gbps, error_rate,
       (SELECT count(*)::int FROM per_node WHERE n >= $6), NULL
FROM base;

COMMIT;

-- BottleneckWindowRepository.groupedWindow (split across two connections)
-- example: 7, {"from":"2026-11-27T10:05:23.500Z","to":"2026-11-27T10:15:23.500Z","wholeFrom":"2026-11-27T10:06:00.000Z","wholeTo":"2026-11-27T10:15:00.000Z","leadMinute":"2026-11-27T10:05:00.000Z","leadByComplement":true}, {"minSamples":1,"threshold":null}

BEGIN ISOLATION LEVEL REPEATABLE READ;

-- $1 = 7
SELECT set_config('jit', 'off', true),
set_config('max_parallel_workers_per_gather', '0', true), set_config('work_mem', '64MB', true),
set_config('enable_sort', 'off', true),
(SELECT target_node_count FROM deployments WHERE id = $1) AS target_node_count,
(SELECT spine_count IS NOT NULL FROM deployments WHERE id = $1) AS fabric,
(SELECT since FROM telemetry_prefix_marks WHERE deployment_id = $1) AS since,
(SELECT until FROM telemetry_prefix_marks WHERE deployment_id = $1) AS until, pg_export_snapshot() AS snapshot;

BEGIN ISOLATION LEVEL REPEATABLE READ; SET TRANSACTION SNAPSHOT '00000003-0000001B-1'; SELECT set_config('jit', 'off', true),
set_config('max_parallel_workers_per_gather', '0', true), set_config('work_mem', '64MB', true),
set_config('enable_sort', 'off', true);

-- $1 = 7
-- $2 = "2026-11-27T10:05:23.500Z"
-- $3 = "2026-11-27T10:15:23.500Z"
-- $4 = "2026-11-27T10:06:00.000Z"
-- $5 = "2026-11-27T10:15:00.000Z"
-- $6 = 1
-- $7 = null
-- $8 = "2026-11-27T10:05:00.000Z"
-- $9 = true
-- $10 = 2
-- $11 = 0
-- $12 = ["2026-11-27T10:13:00.000Z"]
-- $13 = ["2026-11-27T10:04:00.000Z"]
-- $14 = "2026-11-27T10:14:00.000Z"
-- $15 = "2026-11-27T10:05:30.000Z"
WITH cut AS MATERIALIZED (
  SELECT node_id FROM telemetry_rollups
  WHERE deployment_id = $1 AND minute = $5 AND last_ts > $3
    -- Checked once on ~1/64 as many rows: usually no group of the trailing minute is cut.
    AND EXISTS (SELECT 1 FROM telemetry_rollup_groups
                WHERE deployment_id = $1 AND minute = $5 AND last_ts > $3)
), per_node AS MATERIALIZED (
  SELECT node_id, sum(n)::int AS n, max(last_ts) AS last_ts, sum(latency_ms_sum) AS latency_ms_sum, sum(throughput_gbps_sum) AS throughput_gbps_sum, sum(error_rate_sum) AS error_rate_sum
  FROM (
    SELECT node_id, n, last_ts, latency_ms_sum, throughput_gbps_sum, error_rate_sum
    FROM telemetry_prefix_sums
    WHERE node_id % $10 = $11 AND deployment_id = $1 AND minute = ANY ($12::timestamptz[])
    UNION ALL
    SELECT node_id, -n, NULL, -latency_ms_sum, -throughput_gbps_sum, -error_rate_sum
    FROM telemetry_prefix_sums
    WHERE node_id % $10 = $11 AND deployment_id = $1 AND minute = ANY ($13::timestamptz[])
    UNION ALL
    SELECT node_id, n, last_ts, n * latency_ms_mean AS latency_ms_sum, n * throughput_gbps_mean AS throughput_gbps_sum, n * error_rate_mean AS error_rate_sum
    FROM telemetry_rollups
    WHERE node_id % $10 = $11 AND deployment_id = $1 AND minute >= $14 AND minute <= $5
      AND NOT (minute = $5 AND last_ts > $3)
    UNION ALL
    SELECT node_id, 1, "timestamp", latency_ms, throughput_gbps, error_rate
    FROM telemetry_samples
    WHERE node_id % $10 = $11 AND NOT $9 AND deployment_id = $1 AND "timestamp" >= $2 AND "timestamp" < $4
    UNION ALL
    SELECT node_id, -1, NULL, -latency_ms, -throughput_gbps, -error_rate
    FROM telemetry_samples
    WHERE node_id % $10 = $11 AND $9 AND deployment_id = $1 AND "timestamp" >= $8 AND "timestamp" < $2
    UNION ALL
    SELECT node_id, 1, "timestamp", latency_ms, throughput_gbps, error_rate
    FROM telemetry_samples
    WHERE node_id % $10 = $11 AND deployment_id = $1 AND "timestamp" >= $5 AND "timestamp" <= $3
      AND node_id IN (SELECT node_id FROM cut)
  ) parts
  GROUP BY node_id
  -- A node whose leading-minute samples all fall before the window nets to nothing.
  HAVING sum(n) > 0
), lead AS (
  SELECT n, latency_ms_mean, latency_ms_m2, throughput_gbps_mean, throughput_gbps_m2, error_rate_mean, error_rate_m2
  FROM telemetry_prefix_buckets
  WHERE deployment_id = $1 AND bucket >= $15 AND bucket < $4
  UNION ALL
  SELECT count(*)::int AS n, avg(latency_ms) AS latency_ms_mean, var_pop(latency_ms) * count(*) AS latency_ms_m2, avg(throughput_gbps) AS throughput_gbps_mean, var_pop(throughput_gbps) * count(*) AS throughput_gbps_m2, avg(error_rate) AS error_rate_mean, var_pop(error_rate) * count(*) AS error_rate_m2
  FROM telemetry_samples
  WHERE deployment_id = $1 AND "timestamp" >= $2 AND "timestamp" < $15
), tail AS (
  SELECT count(*)::int AS n, avg(latency_ms) AS latency_ms_mean, var_pop(latency_ms) * count(*) AS latency_ms_m2, avg(throughput_gbps) AS throughput_gbps_mean, var_pop(throughput_gbps) * count(*) AS throughput_gbps_m2, avg(error_rate) AS error_rate_mean, var_pop(error_rate) * count(*) AS error_rate_m2
  FROM telemetry_samples
  WHERE deployment_id = $1 AND "timestamp" >= $5 AND "timestamp" <= $3
    AND node_id IN (SELECT node_id FROM cut)
), base AS MATERIALIZED (
  SELECT telemetry_moments(ARRAY[n, n * latency_ms_mean, latency_ms_m2]) AS latency_ms, telemetry_moments(ARRAY[n, n * throughput_gbps_mean, throughput_gbps_m2]) AS throughput_gbps, telemetry_moments(ARRAY[n, n * error_rate_mean, error_rate_m2]) AS error_rate
  FROM (
    SELECT n, latency_ms_mean, latency_ms_m2, throughput_gbps_mean, throughput_gbps_m2, error_rate_mean, error_rate_m2
    FROM telemetry_rollup_groups
    WHERE deployment_id = $1 AND minute >= $4 AND minute <= $5
      AND NOT (minute = $5 AND last_ts > $3)
    UNION ALL
    -- The trailing minute of a group that a later sample cuts: its nodes one by one.
    SELECT n, latency_ms_mean, latency_ms_m2, throughput_gbps_mean, throughput_gbps_m2, error_rate_mean, error_rate_m2
    FROM telemetry_rollups r
    WHERE deployment_id = $1 AND minute = $5 AND last_ts <= $3
      AND (node_id >> 6) IN (SELECT node_group FROM telemetry_rollup_groups
                             WHERE deployment_id = $1 AND minute = $5 AND last_ts > $3)
    UNION ALL
    SELECT n, latency_ms_mean, latency_ms_m2, throughput_gbps_mean, throughput_gbps_m2, error_rate_mean, error_rate_m2 FROM tail WHERE n > 0
    UNION ALL
    SELECT n, latency_ms_mean, latency_ms_m2, throughput_gbps_mean, throughput_gbps_m2, error_rate_mean, error_rate_m2 FROM lead WHERE n > 0
  ) parts
), stats AS (
  SELECT latency_ms[2] / nullif(latency_ms[1], 0) AS latency_ms_c,
         CASE WHEN latency_ms[1] > 1 THEN sqrt(greatest(latency_ms[3], 0) / (latency_ms[1] - 1)) END AS latency_ms_sd, throughput_gbps[2] / nullif(throughput_gbps[1], 0) AS throughput_gbps_c,
         CASE WHEN throughput_gbps[1] > 1 THEN sqrt(greatest(throughput_gbps[3], 0) / (throughput_gbps[1] - 1)) END AS throughput_gbps_sd, error_rate[2] / nullif(error_rate[1], 0) AS error_rate_c,
         CASE WHEN error_rate[1] > 1 THEN sqrt(greatest(error_rate[3], 0) / (error_rate[1] - 1)) END AS error_rate_sd
  FROM base
)
SELECT p.node_id, p.n, p.latency_ms_sum / p.n AS latency_ms, p.throughput_gbps_sum / p.n AS throughput_gbps, p.error_rate_sum / p.n AS error_rate,
       extract(epoch FROM p.last_ts)::float8 AS last_epoch,
       NULL::float8[] AS all_latency_ms, NULL::float8[] AS all_throughput_gbps,
       NULL::float8[] AS all_error_rate, NULL::int AS analysed,
       (SELECT node_id FROM nodes WHERE id = p.node_id) AS node_identifier
FROM per_node p, stats s
WHERE p.n >= $6
  AND ($7::float8 IS NULL
    OR p.latency_ms_sum / p.n - s.latency_ms_c >= $7 * s.latency_ms_sd * (1 - 1e-6)
    OR s.throughput_gbps_c - p.throughput_gbps_sum / p.n >= $7 * s.throughput_gbps_sd * (1 - 1e-6)
    OR p.error_rate_sum / p.n - s.error_rate_c >= $7 * s.error_rate_sd * (1 - 1e-6))
UNION ALL
SELECT NULL, (SELECT count(*)::int FROM per_node WHERE n < $6), NULL, NULL, NULL, NULL,
       latency_ms, throughput_gbps, error_rate,
       (SELECT count(*)::int FROM per_node WHERE n >= $6), NULL
FROM base;

-- $1 = 7
-- $2 = "2026-11-27T10:05:23.500Z"
-- $3 = "2026-11-27T10:15:23.500Z"
-- $4 = "2026-11-27T10:06:00.000Z"
-- $5 = "2026-11-27T10:15:00.000Z"
-- $6 = 1
-- $7 = null
-- $8 = "2026-11-27T10:05:00.000Z"
-- $9 = true
-- $10 = 2
-- $11 = 1
-- $12 = ["2026-11-27T10:13:00.000Z"]
-- $13 = ["2026-11-27T10:04:00.000Z"]
-- $14 = "2026-11-27T10:14:00.000Z"
-- $15 = "2026-11-27T10:05:30.000Z"
WITH cut AS MATERIALIZED (
  SELECT node_id FROM telemetry_rollups
  WHERE deployment_id = $1 AND minute = $5 AND last_ts > $3
    -- Checked once on ~1/64 as many rows: usually no group of the trailing minute is cut.
    AND EXISTS (SELECT 1 FROM telemetry_rollup_groups
                WHERE deployment_id = $1 AND minute = $5 AND last_ts > $3)
), per_node AS MATERIALIZED (
  SELECT node_id, sum(n)::int AS n, max(last_ts) AS last_ts, sum(latency_ms_sum) AS latency_ms_sum, sum(throughput_gbps_sum) AS throughput_gbps_sum, sum(error_rate_sum) AS error_rate_sum
  FROM (
    SELECT node_id, n, last_ts, latency_ms_sum, throughput_gbps_sum, error_rate_sum
    FROM telemetry_prefix_sums
    WHERE node_id % $10 = $11 AND deployment_id = $1 AND minute = ANY ($12::timestamptz[])
    UNION ALL
    SELECT node_id, -n, NULL, -latency_ms_sum, -throughput_gbps_sum, -error_rate_sum
    FROM telemetry_prefix_sums
    WHERE node_id % $10 = $11 AND deployment_id = $1 AND minute = ANY ($13::timestamptz[])
    UNION ALL
    SELECT node_id, n, last_ts, n * latency_ms_mean AS latency_ms_sum, n * throughput_gbps_mean AS throughput_gbps_sum, n * error_rate_mean AS error_rate_sum
    FROM telemetry_rollups
    WHERE node_id % $10 = $11 AND deployment_id = $1 AND minute >= $14 AND minute <= $5
      AND NOT (minute = $5 AND last_ts > $3)
    UNION ALL
    SELECT node_id, 1, "timestamp", latency_ms, throughput_gbps, error_rate
    FROM telemetry_samples
    WHERE node_id % $10 = $11 AND NOT $9 AND deployment_id = $1 AND "timestamp" >= $2 AND "timestamp" < $4
    UNION ALL
    SELECT node_id, -1, NULL, -latency_ms, -throughput_gbps, -error_rate
    FROM telemetry_samples
    WHERE node_id % $10 = $11 AND $9 AND deployment_id = $1 AND "timestamp" >= $8 AND "timestamp" < $2
    UNION ALL
    SELECT node_id, 1, "timestamp", latency_ms, throughput_gbps, error_rate
    FROM telemetry_samples
    WHERE node_id % $10 = $11 AND deployment_id = $1 AND "timestamp" >= $5 AND "timestamp" <= $3
      AND node_id IN (SELECT node_id FROM cut)
  ) parts
  GROUP BY node_id
  -- A node whose leading-minute samples all fall before the window nets to nothing.
  HAVING sum(n) > 0
), lead AS (
  SELECT n, latency_ms_mean, latency_ms_m2, throughput_gbps_mean, throughput_gbps_m2, error_rate_mean, error_rate_m2
  FROM telemetry_prefix_buckets
  WHERE deployment_id = $1 AND bucket >= $15 AND bucket < $4
  UNION ALL
  SELECT count(*)::int AS n, avg(latency_ms) AS latency_ms_mean, var_pop(latency_ms) * count(*) AS latency_ms_m2, avg(throughput_gbps) AS throughput_gbps_mean, var_pop(throughput_gbps) * count(*) AS throughput_gbps_m2, avg(error_rate) AS error_rate_mean, var_pop(error_rate) * count(*) AS error_rate_m2
  FROM telemetry_samples
  WHERE deployment_id = $1 AND "timestamp" >= $2 AND "timestamp" < $15
), tail AS (
  SELECT count(*)::int AS n, avg(latency_ms) AS latency_ms_mean, var_pop(latency_ms) * count(*) AS latency_ms_m2, avg(throughput_gbps) AS throughput_gbps_mean, var_pop(throughput_gbps) * count(*) AS throughput_gbps_m2, avg(error_rate) AS error_rate_mean, var_pop(error_rate) * count(*) AS error_rate_m2
  FROM telemetry_samples
  WHERE deployment_id = $1 AND "timestamp" >= $5 AND "timestamp" <= $3
    AND node_id IN (SELECT node_id FROM cut)
), base AS MATERIALIZED (
  SELECT telemetry_moments(ARRAY[n, n * latency_ms_mean, latency_ms_m2]) AS latency_ms, telemetry_moments(ARRAY[n, n * throughput_gbps_mean, throughput_gbps_m2]) AS throughput_gbps, telemetry_moments(ARRAY[n, n * error_rate_mean, error_rate_m2]) AS error_rate
  FROM (
    SELECT n, latency_ms_mean, latency_ms_m2, throughput_gbps_mean, throughput_gbps_m2, error_rate_mean, error_rate_m2
    FROM telemetry_rollup_groups
    WHERE deployment_id = $1 AND minute >= $4 AND minute <= $5
      AND NOT (minute = $5 AND last_ts > $3)
    UNION ALL
    -- The trailing minute of a group that a later sample cuts: its nodes one by one.
    SELECT n, latency_ms_mean, latency_ms_m2, throughput_gbps_mean, throughput_gbps_m2, error_rate_mean, error_rate_m2
    FROM telemetry_rollups r
    WHERE deployment_id = $1 AND minute = $5 AND last_ts <= $3
      AND (node_id >> 6) IN (SELECT node_group FROM telemetry_rollup_groups
                             WHERE deployment_id = $1 AND minute = $5 AND last_ts > $3)
    UNION ALL
    SELECT n, latency_ms_mean, latency_ms_m2, throughput_gbps_mean, throughput_gbps_m2, error_rate_mean, error_rate_m2 FROM tail WHERE n > 0
    UNION ALL
    SELECT n, latency_ms_mean, latency_ms_m2, throughput_gbps_mean, throughput_gbps_m2, error_rate_mean, error_rate_m2 FROM lead WHERE n > 0
  ) parts
), stats AS (
  SELECT latency_ms[2] / nullif(latency_ms[1], 0) AS latency_ms_c,
         CASE WHEN latency_ms[1] > 1 THEN sqrt(greatest(latency_ms[3], 0) / (latency_ms[1] - 1)) END AS latency_ms_sd, throughput_gbps[2] / nullif(throughput_gbps[1], 0) AS throughput_gbps_c,
         CASE WHEN throughput_gbps[1] > 1 THEN sqrt(greatest(throughput_gbps[3], 0) / (throughput_gbps[1] - 1)) END AS throughput_gbps_sd, error_rate[2] / nullif(error_rate[1], 0) AS error_rate_c,
         CASE WHEN error_rate[1] > 1 THEN sqrt(greatest(error_rate[3], 0) / (error_rate[1] - 1)) END AS error_rate_sd
  FROM base
)
SELECT p.node_id, p.n, p.latency_ms_sum / p.n AS latency_ms, p.throughput_gbps_sum / p.n AS throughput_gbps, p.error_rate_sum / p.n AS error_rate,
       extract(epoch FROM p.last_ts)::float8 AS last_epoch,
       NULL::float8[] AS all_latency_ms, NULL::float8[] AS all_throughput_gbps,
       NULL::float8[] AS all_error_rate, NULL::int AS analysed,
       (SELECT node_id FROM nodes WHERE id = p.node_id) AS node_identifier
FROM per_node p, stats s
WHERE p.n >= $6
  AND ($7::float8 IS NULL
    OR p.latency_ms_sum / p.n - s.latency_ms_c >= $7 * s.latency_ms_sd * (1 - 1e-6)
    OR s.throughput_gbps_c - p.throughput_gbps_sum / p.n >= $7 * s.throughput_gbps_sd * (1 - 1e-6)
    OR p.error_rate_sum / p.n - s.error_rate_c >= $7 * s.error_rate_sd * (1 - 1e-6))
UNION ALL
SELECT NULL, (SELECT count(*)::int FROM per_node WHERE n < $6), NULL, NULL, NULL, NULL,
       latency_ms, throughput_gbps, error_rate,
       (SELECT count(*)::int FROM per_node WHERE n >= $6), NULL
FROM base;

COMMIT;

COMMIT;

-- BottleneckWindowRepository.groupedWindow (by role)
-- example: 7, {"from":"2026-11-27T10:05:23.500Z","to":"2026-11-27T10:15:23.500Z","wholeFrom":"2026-11-27T10:06:00.000Z","wholeTo":"2026-11-27T10:15:00.000Z","leadMinute":"2026-11-27T10:05:00.000Z","leadByComplement":true}, {"minSamples":1,"threshold":2.5,"byRole":true}

BEGIN ISOLATION LEVEL REPEATABLE READ;

-- $1 = 7
SELECT set_config('jit', 'off', true),
set_config('max_parallel_workers_per_gather', '0', true), set_config('work_mem', '64MB', true),
set_config('enable_sort', 'off', true),
(SELECT target_node_count FROM deployments WHERE id = $1) AS target_node_count,
(SELECT spine_count IS NOT NULL FROM deployments WHERE id = $1) AS fabric,
(SELECT since FROM telemetry_prefix_marks WHERE deployment_id = $1) AS since,
(SELECT until FROM telemetry_prefix_marks WHERE deployment_id = $1) AS until, pg_export_snapshot() AS snapshot;

-- $1 = 7
-- $2 = "2026-11-27T10:05:23.500Z"
-- $3 = "2026-11-27T10:15:23.500Z"
-- $4 = "2026-11-27T10:06:00.000Z"
-- $5 = "2026-11-27T10:15:00.000Z"
-- $6 = 1
-- $7 = 2.5
-- $8 = "2026-11-27T10:05:00.000Z"
-- $9 = true
-- $10 = 1
-- $11 = 0
-- $12 = ["2026-11-27T10:13:00.000Z"]
-- $13 = ["2026-11-27T10:04:00.000Z"]
-- $14 = "2026-11-27T10:14:00.000Z"
-- $15 = "2026-11-27T10:05:30.000Z"
WITH special AS MATERIALIZED (
  SELECT id AS node_id, role FROM nodes WHERE deployment_id = $1 AND role <> 'leaf'
), special_groups AS MATERIALIZED (
  SELECT DISTINCT node_id >> 6 AS node_group FROM special
), cut AS MATERIALIZED (
  SELECT node_id FROM telemetry_rollups
  WHERE deployment_id = $1 AND minute = $5 AND last_ts > $3
    -- Checked once on ~1/64 as many rows: usually no group of the trailing minute is cut.
    AND EXISTS (SELECT 1 FROM telemetry_rollup_groups
                WHERE deployment_id = $1 AND minute = $5 AND last_ts > $3)
), per_node AS MATERIALIZED (
  SELECT node_id, sum(n)::int AS n, max(last_ts) AS last_ts, sum(latency_ms_sum) AS latency_ms_sum, sum(throughput_gbps_sum) AS throughput_gbps_sum, sum(error_rate_sum) AS error_rate_sum
  FROM (
    SELECT node_id, n, last_ts, latency_ms_sum, throughput_gbps_sum, error_rate_sum
    FROM telemetry_prefix_sums
    WHERE node_id % $10 = $11 AND deployment_id = $1 AND minute = ANY ($12::timestamptz[])
    UNION ALL
    SELECT node_id, -n, NULL, -latency_ms_sum, -throughput_gbps_sum, -error_rate_sum
    FROM telemetry_prefix_sums
    WHERE node_id % $10 = $11 AND deployment_id = $1 AND minute = ANY ($13::timestamptz[])
    UNION ALL
    SELECT node_id, n, last_ts, n * latency_ms_mean AS latency_ms_sum, n * throughput_gbps_mean AS throughput_gbps_sum, n * error_rate_mean AS error_rate_sum
    FROM telemetry_rollups
    WHERE node_id % $10 = $11 AND deployment_id = $1 AND minute >= $14 AND minute <= $5
      AND NOT (minute = $5 AND last_ts > $3)
    UNION ALL
    SELECT node_id, 1, "timestamp", latency_ms, throughput_gbps, error_rate
    FROM telemetry_samples
    WHERE node_id % $10 = $11 AND NOT $9 AND deployment_id = $1 AND "timestamp" >= $2 AND "timestamp" < $4
    UNION ALL
    SELECT node_id, -1, NULL, -latency_ms, -throughput_gbps, -error_rate
    FROM telemetry_samples
    WHERE node_id % $10 = $11 AND $9 AND deployment_id = $1 AND "timestamp" >= $8 AND "timestamp" < $2
    UNION ALL
    SELECT node_id, 1, "timestamp", latency_ms, throughput_gbps, error_rate
    FROM telemetry_samples
    WHERE node_id % $10 = $11 AND deployment_id = $1 AND "timestamp" >= $5 AND "timestamp" <= $3
      AND node_id IN (SELECT node_id FROM cut)
  ) parts
  GROUP BY node_id
  -- A node whose leading-minute samples all fall before the window nets to nothing.
  HAVING sum(n) > 0
), lead AS (
  SELECT role, n, latency_ms_mean, latency_ms_m2, throughput_gbps_mean, throughput_gbps_m2, error_rate_mean, error_rate_m2
  FROM telemetry_prefix_role_buckets
  WHERE deployment_id = $1 AND bucket >= $15 AND bucket < $4
  UNION ALL
  -- Raw leading samples: the leaves' in one aggregate, the few others' by role.
  SELECT 'leaf', count(*)::int AS n, avg(latency_ms) AS latency_ms_mean, var_pop(latency_ms) * count(*) AS latency_ms_m2, avg(throughput_gbps) AS throughput_gbps_mean, var_pop(throughput_gbps) * count(*) AS throughput_gbps_m2, avg(error_rate) AS error_rate_mean, var_pop(error_rate) * count(*) AS error_rate_m2
  FROM telemetry_samples
  WHERE deployment_id = $1 AND "timestamp" >= $2 AND "timestamp" < $15
    AND node_id <> ALL (ARRAY(SELECT node_id FROM special))
  UNION ALL
  SELECT sp.role, count(*)::int AS n, avg(latency_ms) AS latency_ms_mean, var_pop(latency_ms) * count(*) AS latency_ms_m2, avg(throughput_gbps) AS throughput_gbps_mean, var_pop(throughput_gbps) * count(*) AS throughput_gbps_m2, avg(error_rate) AS error_rate_mean, var_pop(error_rate) * count(*) AS error_rate_m2
  FROM special sp JOIN telemetry_samples s ON s.node_id = sp.node_id
  WHERE s.deployment_id = $1 AND s."timestamp" >= $2 AND s."timestamp" < $15
  GROUP BY sp.role
), tail AS (
  SELECT COALESCE(sp.role, 'leaf') AS role, count(*)::int AS n, avg(latency_ms) AS latency_ms_mean, var_pop(latency_ms) * count(*) AS latency_ms_m2, avg(throughput_gbps) AS throughput_gbps_mean, var_pop(throughput_gbps) * count(*) AS throughput_gbps_m2, avg(error_rate) AS error_rate_mean, var_pop(error_rate) * count(*) AS error_rate_m2
  FROM telemetry_samples s LEFT JOIN special sp ON sp.node_id = s.node_id
  WHERE s.deployment_id = $1 AND s."timestamp" >= $5 AND s."timestamp" <= $3
    AND s.node_id IN (SELECT node_id FROM cut)
  GROUP BY 1
), base AS MATERIALIZED (
  SELECT role, telemetry_moments(ARRAY[n, n * latency_ms_mean, latency_ms_m2]) AS latency_ms, telemetry_moments(ARRAY[n, n * throughput_gbps_mean, throughput_gbps_m2]) AS throughput_gbps, telemetry_moments(ARRAY[n, n * error_rate_mean, error_rate_m2]) AS error_rate
  FROM (
    -- Whole minutes of the groups of leaves only.
    SELECT 'leaf' AS role, n, latency_ms_mean, latency_ms_m2, throughput_gbps_mean, throughput_gbps_m2, error_rate_mean, error_rate_m2
    FROM telemetry_rollup_groups
    WHERE deployment_id = $1 AND minute >= $4 AND minute <= $5
      AND NOT (minute = $5 AND last_ts > $3)
      AND node_group NOT IN (SELECT node_group FROM special_groups)
    UNION ALL
    -- The trailing minute of such a group that a later sample cuts: its nodes one by one.
    SELECT 'leaf', n, latency_ms_mean, latency_ms_m2, throughput_gbps_mean, throughput_gbps_m2, error_rate_mean, error_rate_m2
    FROM telemetry_rollups r
    WHERE deployment_id = $1 AND minute = $5 AND last_ts <= $3
      AND (node_id >> 6) IN (SELECT node_group FROM telemetry_rollup_groups
                             WHERE deployment_id = $1 AND minute = $5 AND last_ts > $3)
      AND (node_id >> 6) NOT IN (SELECT node_group FROM special_groups)
    UNION ALL
    -- Groups with a spine or border leaf: every whole minute node by node.
    SELECT COALESCE(sp.role, 'leaf'), t.n, t.latency_ms_mean, t.latency_ms_m2, t.throughput_gbps_mean, t.throughput_gbps_m2, t.error_rate_mean, t.error_rate_m2
    FROM telemetry_rollups t LEFT JOIN special sp ON sp.node_id = t.node_id
    WHERE t.deployment_id = $1
      AND t.minute = ANY (ARRAY(SELECT generate_series($4::timestamptz, $5::timestamptz, interval '1 minute')))
      AND t.node_id = ANY (ARRAY(SELECT (node_group << 6) + k
                                 FROM special_groups, generate_series(0, 63) k))
      AND NOT (t.minute = $5 AND t.last_ts > $3)
    UNION ALL
    SELECT role, n, latency_ms_mean, latency_ms_m2, throughput_gbps_mean, throughput_gbps_m2, error_rate_mean, error_rate_m2 FROM tail
    UNION ALL
    SELECT role, n, latency_ms_mean, latency_ms_m2, throughput_gbps_mean, throughput_gbps_m2, error_rate_mean, error_rate_m2 FROM lead WHERE n > 0
  ) parts
  GROUP BY role
), stats AS (
  SELECT role, latency_ms[2] / nullif(latency_ms[1], 0) AS latency_ms_c,
         CASE WHEN latency_ms[1] > 1 THEN sqrt(greatest(latency_ms[3], 0) / (latency_ms[1] - 1)) END AS latency_ms_sd, throughput_gbps[2] / nullif(throughput_gbps[1], 0) AS throughput_gbps_c,
         CASE WHEN throughput_gbps[1] > 1 THEN sqrt(greatest(throughput_gbps[3], 0) / (throughput_gbps[1] - 1)) END AS throughput_gbps_sd, error_rate[2] / nullif(error_rate[1], 0) AS error_rate_c,
         CASE WHEN error_rate[1] > 1 THEN sqrt(greatest(error_rate[3], 0) / (error_rate[1] - 1)) END AS error_rate_sd
  FROM base
), counts AS (
  SELECT COALESCE(sp.role, 'leaf') AS role, count(*) FILTER (WHERE p.n < $6)::int AS below,
         count(*) FILTER (WHERE p.n >= $6)::int AS analysed
  FROM per_node p LEFT JOIN special sp ON sp.node_id = p.node_id
  GROUP BY 1
)
SELECT p.node_id, p.n, p.latency_ms_sum / p.n AS latency_ms, p.throughput_gbps_sum / p.n AS throughput_gbps, p.error_rate_sum / p.n AS error_rate,
       extract(epoch FROM p.last_ts)::float8 AS last_epoch,
       NULL::float8[] AS all_latency_ms, NULL::float8[] AS all_throughput_gbps,
       NULL::float8[] AS all_error_rate, NULL::int AS analysed,
       (SELECT node_id FROM nodes WHERE id = p.node_id) AS node_identifier, s.role
FROM per_node p LEFT JOIN special sp ON sp.node_id = p.node_id
  JOIN stats s ON s.role = COALESCE(sp.role, 'leaf')
WHERE p.n >= $6
  AND ($7::float8 IS NULL
    OR p.latency_ms_sum / p.n - s.latency_ms_c >= $7 * s.latency_ms_sd * (1 - 1e-6)
    OR s.throughput_gbps_c - p.throughput_gbps_sum / p.n >= $7 * s.throughput_gbps_sd * (1 - 1e-6)
    OR p.error_rate_sum / p.n - s.error_rate_c >= $7 * s.error_rate_sd * (1 - 1e-6))
UNION ALL
SELECT NULL, COALESCE(c.below, 0), NULL, NULL, NULL, NULL,
       b.latency_ms, b.throughput_gbps, b.error_rate, COALESCE(c.analysed, 0), NULL, b.role
FROM base b LEFT JOIN counts c ON c.role = b.role;

COMMIT;

-- BottleneckWindowRepository.window (whole deployment)
-- example: 7, {"from":"2026-11-27T10:05:23.500Z","to":"2026-11-27T10:15:23.500Z","wholeFrom":"2026-11-27T10:06:00.000Z","wholeTo":"2026-11-27T10:15:00.000Z","leadMinute":"2026-11-27T10:05:00.000Z","leadByComplement":true}, 30

START TRANSACTION;

SELECT set_config('jit', 'off', true),
set_config('max_parallel_workers_per_gather', '0', true), set_config('work_mem', '64MB', true),
set_config('enable_sort', 'off', true);

-- $1 = 7
-- $2 = "2026-11-27T10:05:23.500Z"
-- $3 = "2026-11-27T10:15:23.500Z"
-- $4 = "2026-11-27T10:06:00.000Z"
-- $5 = "2026-11-27T10:15:00.000Z"
-- $6 = 30
WITH raw AS (
  SELECT node_id, count(*)::int AS n, max("timestamp") AS last_ts, avg(latency_ms) AS latency_ms_mean, var_pop(latency_ms) * count(*) AS latency_ms_m2, avg(throughput_gbps) AS throughput_gbps_mean, var_pop(throughput_gbps) * count(*) AS throughput_gbps_m2, avg(error_rate) AS error_rate_mean, var_pop(error_rate) * count(*) AS error_rate_m2
  FROM telemetry_samples
  WHERE deployment_id = $1 AND "timestamp" >= $2 AND "timestamp" < $4
  GROUP BY node_id
  UNION ALL
  SELECT node_id, count(*)::int AS n, max("timestamp") AS last_ts, avg(latency_ms) AS latency_ms_mean, var_pop(latency_ms) * count(*) AS latency_ms_m2, avg(throughput_gbps) AS throughput_gbps_mean, var_pop(throughput_gbps) * count(*) AS throughput_gbps_m2, avg(error_rate) AS error_rate_mean, var_pop(error_rate) * count(*) AS error_rate_m2
  FROM telemetry_samples
  WHERE deployment_id = $1 AND "timestamp" >= $5 AND "timestamp" <= $3
    AND node_id IN (SELECT node_id FROM telemetry_rollups
                    WHERE deployment_id = $1 AND minute = $5 AND last_ts > $3)
  GROUP BY node_id
), parts AS (
  SELECT node_id, n, last_ts, latency_ms_mean, latency_ms_m2, throughput_gbps_mean, throughput_gbps_m2, error_rate_mean, error_rate_m2
  FROM telemetry_rollups
  WHERE deployment_id = $1 AND minute >= $4 AND minute <= $5 AND NOT (minute = $5 AND last_ts > $3)
  UNION ALL
  SELECT node_id, n, last_ts, latency_ms_mean, latency_ms_m2, throughput_gbps_mean, throughput_gbps_m2, error_rate_mean, error_rate_m2 FROM raw
), per_node AS (
  SELECT node_id, sum(n)::int AS n, max(last_ts) AS last_ts, telemetry_moments(ARRAY[n, n * latency_ms_mean, latency_ms_m2]) AS latency_ms, telemetry_moments(ARRAY[n, n * throughput_gbps_mean, throughput_gbps_m2]) AS throughput_gbps, telemetry_moments(ARRAY[n, n * error_rate_mean, error_rate_m2]) AS error_rate
  FROM parts GROUP BY node_id
), analysed AS (
  SELECT * FROM per_node WHERE n >= $6
)
SELECT node_id, n, latency_ms[2] / latency_ms[1] AS latency_ms, throughput_gbps[2] / throughput_gbps[1] AS throughput_gbps, error_rate[2] / error_rate[1] AS error_rate,
       extract(epoch FROM last_ts)::float8 AS last_epoch,
       NULL::float8[] AS all_latency_ms, NULL::float8[] AS all_throughput_gbps,
       NULL::float8[] AS all_error_rate
FROM analysed
UNION ALL
SELECT NULL, (SELECT count(*)::int FROM per_node WHERE n < $6), NULL, NULL, NULL, NULL,
       telemetry_moments(latency_ms), telemetry_moments(throughput_gbps), telemetry_moments(error_rate)
FROM analysed;

COMMIT;

-- BottleneckWindowRepository.window (by role)
-- example: 7, {"from":"2026-11-27T10:05:23.500Z","to":"2026-11-27T10:15:23.500Z","wholeFrom":"2026-11-27T10:06:00.000Z","wholeTo":"2026-11-27T10:15:00.000Z","leadMinute":"2026-11-27T10:05:00.000Z","leadByComplement":true}, 30, true

START TRANSACTION;

SELECT set_config('jit', 'off', true),
set_config('max_parallel_workers_per_gather', '0', true), set_config('work_mem', '64MB', true),
set_config('enable_sort', 'off', true);

-- $1 = 7
-- $2 = "2026-11-27T10:05:23.500Z"
-- $3 = "2026-11-27T10:15:23.500Z"
-- $4 = "2026-11-27T10:06:00.000Z"
-- $5 = "2026-11-27T10:15:00.000Z"
-- $6 = 30
WITH special AS MATERIALIZED (
  SELECT id AS node_id, role FROM nodes WHERE deployment_id = $1 AND role <> 'leaf'
), raw AS (
  SELECT node_id, count(*)::int AS n, max("timestamp") AS last_ts, avg(latency_ms) AS latency_ms_mean, var_pop(latency_ms) * count(*) AS latency_ms_m2, avg(throughput_gbps) AS throughput_gbps_mean, var_pop(throughput_gbps) * count(*) AS throughput_gbps_m2, avg(error_rate) AS error_rate_mean, var_pop(error_rate) * count(*) AS error_rate_m2
  FROM telemetry_samples
  WHERE deployment_id = $1 AND "timestamp" >= $2 AND "timestamp" < $4
  GROUP BY node_id
  UNION ALL
  SELECT node_id, count(*)::int AS n, max("timestamp") AS last_ts, avg(latency_ms) AS latency_ms_mean, var_pop(latency_ms) * count(*) AS latency_ms_m2, avg(throughput_gbps) AS throughput_gbps_mean, var_pop(throughput_gbps) * count(*) AS throughput_gbps_m2, avg(error_rate) AS error_rate_mean, var_pop(error_rate) * count(*) AS error_rate_m2
  FROM telemetry_samples
  WHERE deployment_id = $1 AND "timestamp" >= $5 AND "timestamp" <= $3
    AND node_id IN (SELECT node_id FROM telemetry_rollups
                    WHERE deployment_id = $1 AND minute = $5 AND last_ts > $3)
  GROUP BY node_id
), parts AS (
  SELECT node_id, n, last_ts, latency_ms_mean, latency_ms_m2, throughput_gbps_mean, throughput_gbps_m2, error_rate_mean, error_rate_m2
  FROM telemetry_rollups
  WHERE deployment_id = $1 AND minute >= $4 AND minute <= $5 AND NOT (minute = $5 AND last_ts > $3)
  UNION ALL
  SELECT node_id, n, last_ts, latency_ms_mean, latency_ms_m2, throughput_gbps_mean, throughput_gbps_m2, error_rate_mean, error_rate_m2 FROM raw
), per_node AS (
  SELECT p.node_id, sum(p.n)::int AS n, max(p.last_ts) AS last_ts,
         min(COALESCE(sp.role, 'leaf')) AS role,
         telemetry_moments(ARRAY[p.n, p.n * p.latency_ms_mean, p.latency_ms_m2]) AS latency_ms, telemetry_moments(ARRAY[p.n, p.n * p.throughput_gbps_mean, p.throughput_gbps_m2]) AS throughput_gbps, telemetry_moments(ARRAY[p.n, p.n * p.error_rate_mean, p.error_rate_m2]) AS error_rate
  FROM parts p LEFT JOIN special sp ON sp.node_id = p.node_id GROUP BY p.node_id
)
SELECT node_id, n, latency_ms[2] / latency_ms[1] AS latency_ms, throughput_gbps[2] / throughput_gbps[1] AS throughput_gbps, error_rate[2] / error_rate[1] AS error_rate,
       extract(epoch FROM last_ts)::float8 AS last_epoch,
       NULL::float8[] AS all_latency_ms, NULL::float8[] AS all_throughput_gbps,
       NULL::float8[] AS all_error_rate, NULL::int AS analysed, role
FROM per_node WHERE n >= $6
UNION ALL
SELECT NULL, count(*) FILTER (WHERE n < $6)::int, NULL, NULL, NULL, NULL,
       telemetry_moments(latency_ms) FILTER (WHERE n >= $6), telemetry_moments(throughput_gbps) FILTER (WHERE n >= $6), telemetry_moments(error_rate) FILTER (WHERE n >= $6),
       count(*) FILTER (WHERE n >= $6)::int, role
FROM per_node GROUP BY role;

COMMIT;
