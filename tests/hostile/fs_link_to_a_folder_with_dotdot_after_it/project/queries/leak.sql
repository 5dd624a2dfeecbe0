-- An attack.
SELECT content FROM read_text('data/.l/a/b/L/../../../outside/secret.txt')
