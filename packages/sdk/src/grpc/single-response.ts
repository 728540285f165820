/**
 * Response header set by a mesh server (createMeshServer) on methods with a single response
 * message: once that message has arrived, the call's status can only be OK.
 */
export const SINGLE_RESPONSE_HEADER = "switchboard-single-response";
