-- An attack.
SELECT 1 AS a$b; COPY (SELECT 1) TO '{{OUTSIDE}}/written.csv';
