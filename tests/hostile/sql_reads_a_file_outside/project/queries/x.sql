-- An attack.
SELECT * FROM read_text('{{OUTSIDE}}/secret.txt')
