# host tests (filled below)
