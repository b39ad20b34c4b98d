/** The HTTP API: its server (TCP or a local socket), the client that speaks it, and the holder's forwarding endpoint. */
export { ApiServer, newToken, type ApiServerOptions } from "./apiServer";
export { HttpTaskflowClient, type HttpClientOptions } from "./httpClient";
export { HttpError, errorResponse, errorFromResponse, type ErrorBody } from "./httpErrors";
export { serveLocalEndpoint, readEndpoint, endpointPathOf, socketPathOf, type EndpointInfo, type LocalEndpoint } from "./localEndpoint";
export { queryToParams, paramsToQuery } from "./queryParams";
