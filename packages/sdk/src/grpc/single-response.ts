/**
 * Response header set by a mesh server (createMeshServer) on methods with a single response
 * message: once that message has arrived, the call's status can only be OK, unless the server
 * itself sends another one. The server therefore also sets it in the trailers of every status
 * it sends: a status without it after such a message was made up by the client's transport
 * (the connection dropped), not sent by the server.
 */
export const SINGLE_RESPONSE_HEADER = "switchboard-single-response";
