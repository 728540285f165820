/**
 * grpc-go (interop/go-xds, google.golang.org/grpc/xds) against a real control plane:
 * the scenarios of helpers/xds-interop-suite.ts. Needs `bash scripts/install-tools.sh`.
 */
import { describeInterop } from "./helpers/xds-interop-suite.js";

describeInterop("go");
