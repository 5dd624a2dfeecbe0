-- An event ends on or after the day it starts.
SELECT event_id, name, start_date, end_date
FROM events
WHERE end_date < start_date
