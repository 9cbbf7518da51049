"""The turn engine: one storage policy for every way of asking (text, stream, voice, retry,
regenerate, edit), executed by a sync store in the API and an async one in the voice service.

Storage policy:
1. The USER message is stored (committed) as soon as it is accepted or transcribed.
2. The AI reply is stored at once as `pending` (empty), in the same transaction.
3. While it is written, its content is saved as it grows (every `SAVE_INTERVAL`, by the
   process's beat for all its replies at once: `beat.py`).
4. It ends `complete`, `failed` (stage and reason kept, retry answers it in place) or `stopped`
   (the text so far kept); the generation finishes on the server when the client goes away.
5. Nothing is deleted: regenerate and edit add versions and move the branch the chat shows.
"""
