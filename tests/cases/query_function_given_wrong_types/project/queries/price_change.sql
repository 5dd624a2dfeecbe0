-- Change of each stock's price over 2000 (the date column is text: read
-- without a date_format declaration).
SELECT symbol,
       round(100 * (max_by(price, date) - min_by(price, date)) / min_by(price, date), 1) AS change_pct
FROM stocks WHERE year(date) = 2000 GROUP BY symbol ORDER BY symbol
