-- An attack.
SELECT 1 AS one --c; COPY (SELECT 1) TO '{{OUTSIDE}}/written.csv'
