-- A.
SELECT * FROM b
