-- An attack.
SELECT * FROM big
