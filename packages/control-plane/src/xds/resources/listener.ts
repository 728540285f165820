import { TYPE_URLS, typeUrlOf, type XdsMessage } from "../type-urls.js";
import { ADS_CONFIG_SOURCE } from "./proto-values.js";
import { FAULT_FILTER_NAME, HTTP_FAULT } from "./route-rules.js";

const HCM = typeUrlOf("envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager");
const ROUTER = typeUrlOf("envoy.extensions.filters.http.router.v3.Router");

/**
 * The Listener a client of `xds:///<service>` asks for: an api_listener whose
 * HttpConnectionManager fetches RouteConfiguration `<service>` over ADS. The fault filter (A33)
 * comes first and does nothing until a route configures it; the router filter is the last, as
 * gRPC requires.
 */
export function listenerFor(service: string): XdsMessage {
  return {
    "@type": TYPE_URLS.listener,
    name: service,
    api_listener: {
      api_listener: {
        "@type": HCM,
        rds: { config_source: ADS_CONFIG_SOURCE, route_config_name: service },
        http_filters: [
          { name: FAULT_FILTER_NAME, typed_config: { "@type": HTTP_FAULT } },
          { name: "envoy.filters.http.router", typed_config: { "@type": ROUTER } },
        ],
      },
    },
  };
}
