-- B.
SELECT *
FROM c
