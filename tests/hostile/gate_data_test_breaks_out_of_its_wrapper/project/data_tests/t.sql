-- Breaks out.
SELECT 1 WHERE false) UNION ALL (SELECT content FROM read_text('{{OUTSIDE}}/secret.txt')
