SELECT id, length(note) AS note_length, md5(note) AS note_md5 FROM good_very_long_line
