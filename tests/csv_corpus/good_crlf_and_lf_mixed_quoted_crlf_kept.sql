SELECT id, note, length(note) AS chars, contains(note, chr(13)) AS has_cr FROM good_crlf_and_lf_mixed_quoted_crlf_kept
