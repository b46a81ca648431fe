// HTTP API route keys and how a request picks its route, by AWS's rules:
// "$default", or "<METHOD> <path>" with METHOD one of GET POST PUT PATCH
// DELETE HEAD OPTIONS ANY and path segments that are literals, "{name}"
// variables or a final greedy "{name+}". Among the routes a request
// matches, the most specific path wins (segment by segment, a literal over
// a variable over a greedy tail), then a route of the request's method over
// ANY; "$default" takes what nothing else matched.
//
// Thread-safety: pure functions.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace nuage::services::apigatewayv2 {

// Why a route key is not one AWS accepts, or "" when it is.
std::string route_key_problem(const std::string& route_key);

struct RouteMatch {
  std::string route_key;
  std::map<std::string, std::string> path_parameters;  // decoded values
};

// The route `method` and `path` (decoded, from '/') take among `route_keys`.
std::optional<RouteMatch> match_route(const std::vector<std::string>& route_keys, const std::string& method,
                                      const std::string& path);

// The path of a route key ("GET /a/{b}" -> "/a/{b}"; "$default" -> "$default").
std::string route_path(const std::string& route_key);

}  // namespace nuage::services::apigatewayv2
