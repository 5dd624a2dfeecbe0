-- Cases per quarter: dates on the first day of each quarter.
SELECT date_trunc('quarter', month)::DATE AS quarter, sum(cases) AS cases
FROM monthly
GROUP BY ALL
ORDER BY quarter
