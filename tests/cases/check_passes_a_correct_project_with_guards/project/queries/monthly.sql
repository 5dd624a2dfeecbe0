-- Per month.
SELECT date_trunc('month', date)::DATE AS month, count(*) AS days, sum(precipitation) AS rain,
       max(temp_max) AS "Avg Max"
FROM weather GROUP BY ALL ORDER BY month
