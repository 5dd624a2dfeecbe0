-- Reads a FIFO.
SELECT content FROM read_text('data/.pipe') WHERE false
