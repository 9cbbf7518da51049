"""Code both services import. Nothing in this package imports a web framework.

Subpackages by domain, on floors: a package imports only the floors below it
(`bin/check-architecture` holds this, `bin/import-layers` prints it).

    web        the edge both services share: error table, JSON bodies, headers, logs, health, UI
    turns      the turn engine: one storage policy for text, stream, voice, regenerate, edit
    tools      MCP tool servers (one kept session each) and the policy of a reply's tool rounds
    speech     speaking text through a provider (whole, while written, cached)
    catalog    models and voices: the upstream's lifecycle, warnings, an agent's choices
    knowledge  an agent's files: extraction, chunks, the ingestion queue, retrieval
    chats      history for the model, search and snippets, export/import
    usage      budgets, ledger reservations, speech rows, reports, retention
    limits     request rates and failed-login back-off
    auth       passwords, tokens and their standing, access rules, guest claims, admin rules
    providers  OpenAI (or compatible) and offline engines behind small interfaces
    media      recording formats and sentences for speech (pure functions)
    core       config, database, models, input rules, the error envelope, metric names
"""

FLOORS = (
    "core",
    "media",
    "providers",
    "auth",
    "limits",
    "usage",
    "chats",
    "knowledge",
    "catalog",
    "speech",
    "tools",
    "turns",
    "web",
)
