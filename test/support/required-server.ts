import { EXTERNAL_SERVER_VARIABLES, REQUIRE_ALL_SERVERS, externalServer, type TestServer } from './servers.js';

/** For it.skipIf: skip only when the server is not configured and CI does not require it. */
export function skipWithoutServer(kind: keyof typeof EXTERNAL_SERVER_VARIABLES): boolean {
  return externalServer(kind) === undefined && !REQUIRE_ALL_SERVERS;
}

/** The configured server; when it is missing (under CI=true) the test that needs it fails, saying which variable to set. */
export function requireExternalServer(kind: keyof typeof EXTERNAL_SERVER_VARIABLES): TestServer {
  const server = externalServer(kind);
  if (!server) throw new Error(`${EXTERNAL_SERVER_VARIABLES[kind]} is not set, and CI=true requires the ${kind} server.`);
  return server;
}
