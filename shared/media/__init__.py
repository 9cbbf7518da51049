"""Audio and text made ready for speech: recording formats (sniffed, decoded, encoded) and
sentences cut out of a reply for speaking. Pure functions, no provider and no database."""
