/**
 * Main → renderer: "connected" / "disconnected" as the station process comes and goes; renderer → main (invoke):
 * the current state, so a page that loads after a change still starts with the truth.
 */
export const IPC_CONNECTION_CHANNEL = "api:connection"
