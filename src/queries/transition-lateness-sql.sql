-- The SQL of src/store/transition-lateness-sql.ts, written by `npm run sql:generate`.
-- Each entry: the method and its example arguments, then every statement it runs.

-- latenessSummarySql('m.due_at'): select-list columns

ARRAY[count(*) FILTER (WHERE extract(epoch FROM now() - m.due_at) <= 0.05)::int, count(*) FILTER (WHERE extract(epoch FROM now() - m.due_at) <= 0.1)::int, count(*) FILTER (WHERE extract(epoch FROM now() - m.due_at) <= 0.25)::int, count(*) FILTER (WHERE extract(epoch FROM now() - m.due_at) <= 0.5)::int, count(*) FILTER (WHERE extract(epoch FROM now() - m.due_at) <= 1)::int, count(*) FILTER (WHERE extract(epoch FROM now() - m.due_at) <= 2)::int, count(*) FILTER (WHERE extract(epoch FROM now() - m.due_at) <= 5)::int, count(*) FILTER (WHERE extract(epoch FROM now() - m.due_at) <= 10)::int, count(*) FILTER (WHERE extract(epoch FROM now() - m.due_at) <= 30)::int, count(*) FILTER (WHERE extract(epoch FROM now() - m.due_at) <= 60)::int] AS lateness_le, sum(extract(epoch FROM now() - m.due_at))::float8 AS lateness_sum;
