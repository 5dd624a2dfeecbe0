-- Every meeting had at least one delegate.
--
-- A data test returns the rows that break its rule; no rows means it passes.
SELECT meeting_id, delegates
FROM meetings
WHERE delegates < 1
