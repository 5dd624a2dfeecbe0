-- Sektor menurut perubahan jumlah pekerja dari akhir periode sebelumnya ke
-- akhir periode (ribu), yang paling terpukul lebih dulu.
-- @param period_start DATE = 1900-01-01
-- @param period_end DATE = 9999-12-31
-- @param previous_start DATE = 1800-01-01
-- @param previous_end DATE = 1800-12-31
-- @param top INTEGER = 11
WITH akhir AS (
    SELECT
        sektor,
        nama_sektor,
        arg_max(pekerja, bulan) FILTER (WHERE bulan BETWEEN $period_start AND $period_end) AS pekerja,
        arg_max(pekerja, bulan) FILTER (WHERE bulan BETWEEN $previous_start AND $previous_end) AS pekerja_sebelumnya
    FROM sektor_bulanan
    GROUP BY ALL
)
SELECT
    nama_sektor,
    pekerja_sebelumnya,
    pekerja,
    pekerja - pekerja_sebelumnya AS perubahan,
    (pekerja - pekerja_sebelumnya) / pekerja_sebelumnya AS perubahan_persen
FROM akhir
WHERE pekerja IS NOT NULL
ORDER BY perubahan, nama_sektor
LIMIT $top
