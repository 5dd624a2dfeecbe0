-- An attack.
SELECT 'shadow' AS name
