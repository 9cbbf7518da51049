"""Reply, transcription and speech providers: OpenAI (or compatible) and offline engines."""
