-- Every meeting had a delegate.
SELECT meeting_id FROM meetings WHERE delegates < 1
