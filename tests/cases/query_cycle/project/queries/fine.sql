-- Fine.
SELECT * FROM t
