-- Every event had at least one delegate.
SELECT event_id, delegates FROM events WHERE delegates < 1
