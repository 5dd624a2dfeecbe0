-- All.
SELECT * FROM carz
