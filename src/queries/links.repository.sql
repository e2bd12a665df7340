-- The SQL of src/store/links.repository.ts, written by `npm run sql:generate`.
-- Each entry: the method and its example arguments, then every statement it runs.

-- LinksRepository.count
-- example: SQL, 1
-- (answered with one row of zeros)

-- $1 = 1
SELECT count(*)::int AS n FROM links WHERE deployment_id = $1;

-- LinksRepository.deleteAll
-- example: SQL, 1
-- (answered with one row of zeros)

-- $1 = 1
WITH gone AS (DELETE FROM links WHERE deployment_id = $1 RETURNING 1)
SELECT count(*)::int AS n FROM gone;

-- LinksRepository.deleteForNode
-- example: SQL, 17
-- (answered with one row of zeros)

-- $1 = 17
WITH gone AS (DELETE FROM links WHERE a_node_id = $1 OR b_node_id = $1 RETURNING 1)
SELECT count(*)::int AS n FROM gone;

-- LinksRepository.dependents
-- example: SQL, 17

-- $1 = 17
SELECT l.b_node_id AS node_id, count(*)::int AS lost,
       (SELECT count(*) FROM links u WHERE u.b_node_id = l.b_node_id)::int AS uplinks
FROM links l WHERE l.a_node_id = $1
GROUP BY l.b_node_id ORDER BY l.b_node_id;

-- LinksRepository.insertPlanned
-- example: SQL, 1, [{"spineSeq":1,"spinePort":1,"leafSeq":3,"leafPort":49}]
-- (answered with one row of zeros)

-- $1 = 1
-- $2 = "{1}"
-- $3 = "{1}"
-- $4 = "{3}"
-- $5 = "{49}"
WITH stored AS (
  INSERT INTO links (deployment_id, a_node_id, a_port, b_node_id, b_port)
  SELECT $1, a.id, u.a_port, b.id, u.b_port
  FROM unnest($2::int[], $3::int[], $4::int[], $5::int[]) AS u(a_seq, a_port, b_seq, b_port)
  JOIN nodes a ON a.deployment_id = $1 AND a.seq = u.a_seq
  JOIN nodes b ON b.deployment_id = $1 AND b.seq = u.b_seq
  ORDER BY u.b_seq, u.a_seq
  RETURNING 1
)
SELECT count(*)::int AS n FROM stored;

-- LinksRepository.leafPeers
-- example: SQL, 1

-- $1 = 1
-- $2 = 49
SELECT n.seq,
       GREATEST(COALESCE((SELECT max(b_port) FROM links WHERE b_node_id = n.id) + 1, $2), $2)::int AS "nextPort"
FROM nodes n WHERE n.deployment_id = $1 AND n.role <> 'spine' ORDER BY n.seq;

-- LinksRepository.list (all)
-- example: 1, {"skip":0,"limit":50}
-- (answered with one row of zeros)

START TRANSACTION ISOLATION LEVEL REPEATABLE READ;

-- $1 = 1
-- $2 = 0
-- $3 = 50
SELECT id, a_node_id, a_interface, b_node_id, b_interface FROM links
WHERE deployment_id = $1 ORDER BY id OFFSET $2 LIMIT $3;

-- $1 = 1
SELECT count(*)::int AS n FROM links WHERE deployment_id = $1;

COMMIT;

-- LinksRepository.list (one node)
-- example: 1, {"nodeId":17,"skip":0,"limit":50}
-- (answered with one row of zeros)

START TRANSACTION ISOLATION LEVEL REPEATABLE READ;

-- $1 = 1
-- $2 = 17
-- $3 = 0
-- $4 = 50
SELECT id, a_node_id, a_interface, b_node_id, b_interface FROM links
WHERE (a_node_id = $2 OR b_node_id = $2) AND deployment_id = $1 ORDER BY id OFFSET $3 LIMIT $4;

-- $1 = 1
-- $2 = 17
SELECT count(*)::int AS n FROM links WHERE (a_node_id = $2 OR b_node_id = $2) AND deployment_id = $1;

COMMIT;

-- LinksRepository.spinePeers
-- example: SQL, 1

-- $1 = 1
SELECT n.seq, COALESCE((SELECT max(a_port) FROM links WHERE a_node_id = n.id), 0)::int + 1 AS "nextPort"
FROM nodes n WHERE n.deployment_id = $1 AND n.role = 'spine' ORDER BY n.seq;

-- LinksRepository.uplinksOf
-- example: [17,18]

-- $1 = [17,18]
SELECT u.id AS node_id,
       ARRAY(SELECT a_node_id FROM links WHERE b_node_id = u.id ORDER BY a_node_id) AS spines
FROM unnest($1::int[]) AS u(id);
