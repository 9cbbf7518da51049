"""Tools agents call: MCP servers named in TOOL_SERVERS_FILE (never created through the API),
one kept session per server and process (`hub`), and the policy of a reply's tool rounds
(`rounds`: what is offered, caps, statuses, the messages the model reads next)."""
