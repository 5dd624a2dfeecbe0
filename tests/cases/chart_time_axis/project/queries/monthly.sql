-- Seizures by month, as recorded (not in order; March and April missing).
SELECT month, usd FROM seizures
