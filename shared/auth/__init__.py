"""Who is calling and what they may do: passwords, tokens and their standing (revocation,
disabled accounts), access rules for agents and chats, guest chats claimed on sign-up, and the
administration rules."""
