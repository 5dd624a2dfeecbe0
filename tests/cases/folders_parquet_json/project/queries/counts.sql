-- Rows and totals of each dataset.
SELECT 'monthly' AS dataset, count(*) AS rows, sum(cases) AS total FROM monthly
UNION ALL SELECT 'agencies', count(*), sum(members) FROM agencies
UNION ALL SELECT 'delegations', count(*), sum(delegates) FROM delegations
ORDER BY dataset
