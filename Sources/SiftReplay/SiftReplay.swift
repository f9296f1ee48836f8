// Replay servers: see BraveReplay, SearXNGReplay and PageServer.
