/**
 * What the system tests start in processes of their own besides the control plane and Redis
 * (those launchers, the child tracker and the Admin client are in
 * `@switchboard/control-plane/testing`): echo mesh instances, and the echo service they serve.
 */

export type { EchoInstanceConfig } from "./echo-instance.js";
export type { EchoInstanceOptions } from "./echo-instance-process.js";
export { EchoInstanceProcess, launchEchoInstance } from "./echo-instance-process.js";
export type { EchoBehaviour } from "./echo-service.js";
export { EchoServiceService, echoImplementation } from "./echo-service.js";
export { EchoServiceClient } from "./gen/echo/v1/echo.js";
