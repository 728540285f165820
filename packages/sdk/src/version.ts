/** Reported to the control plane in Hello.sdk_version. Kept in step with package.json by a test. */
export const SDK_VERSION = "0.1.0";
