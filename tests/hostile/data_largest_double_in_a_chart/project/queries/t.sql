-- An attack.
SELECT * FROM t
