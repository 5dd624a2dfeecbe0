-- An attack.
SELECT count(*) AS n FROM base
