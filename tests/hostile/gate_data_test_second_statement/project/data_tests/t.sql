-- Never fails.
SELECT 1 WHERE false; COPY (SELECT 1) TO '{{OUTSIDE}}/written.csv'
