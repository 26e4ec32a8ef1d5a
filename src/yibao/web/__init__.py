"""The pages people look at: an agency's dashboard (server-rendered)."""
