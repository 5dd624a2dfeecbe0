-- The wet days of February: a CTE named after the query it wraps.
WITH clean AS (SELECT * FROM clean WHERE date >= DATE '2012-02-01')
SELECT count(*) AS days FROM clean
