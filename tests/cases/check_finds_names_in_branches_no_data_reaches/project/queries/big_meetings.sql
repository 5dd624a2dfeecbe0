-- Meetings with more than 20 delegates (none yet).
SELECT held_on, title, delegates FROM meetings WHERE delegates > 20
