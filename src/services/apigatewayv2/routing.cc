#include "services/apigatewayv2/routing.h"

#include <algorithm>
#include <set>

#include "common/text.h"

namespace nuage::services::apigatewayv2 {

namespace {

const std::set<std::string, std::less<>> kMethods = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"};

// Path segments without the empty ones a leading or doubled '/' makes.
std::vector<std::string> segments(const std::string& path) {
  std::vector<std::string> out;
  for (auto& s : text::split(path, '/'))
    if (!s.empty()) out.push_back(s);
  return out;
}

bool is_variable(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}
bool is_greedy(const std::string& segment) { return is_variable(segment) && segment[segment.size() - 2] == '+'; }
std::string variable_name(const std::string& segment) {
  return segment.substr(1, segment.size() - (is_greedy(segment) ? 3 : 2));
}

// How specific a route is, compared lexicographically (greater wins).
struct Specificity {
  int not_greedy;                 // 1 unless the path ends in a greedy variable
  std::vector<int> segment_ranks;  // literal 2, variable 1, greedy 0
  int method_exact;                // 1 for a route of the request's method, 0 for ANY
  bool operator<(const Specificity& o) const {
    return std::tie(not_greedy, segment_ranks, method_exact) < std::tie(o.not_greedy, o.segment_ranks, o.method_exact);
  }
};

}  // namespace

std::string route_path(const std::string& route_key) {
  auto space = route_key.find(' ');
  return space == std::string::npos ? route_key : route_key.substr(space + 1);
}

std::string route_key_problem(const std::string& key) {
  if (key == "$default") return "";
  auto space = key.find(' ');
  if (space == std::string::npos) return "Invalid route key: " + key;
  if (!kMethods.count(key.substr(0, space))) return "Invalid HTTP method in route key: " + key;
  std::string path = key.substr(space + 1);
  if (path.empty() || path[0] != '/') return "Route key path must start with '/': " + key;
  auto parts = segments(path);
  std::set<std::string> names;
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string& s = parts[i];
    if (s.find_first_of("{}") != std::string::npos && !is_variable(s))
      return "Invalid path variable in route key: " + key;
    if (!is_variable(s)) continue;
    if (is_greedy(s) && i + 1 != parts.size()) return "A greedy path variable must be the last segment: " + key;
    std::string name = variable_name(s);
    if (name.empty() || !names.insert(name).second) return "Invalid path variable in route key: " + key;
  }
  return "";
}

std::optional<RouteMatch> match_route(const std::vector<std::string>& route_keys, const std::string& method,
                                      const std::string& path) {
  const auto request = segments(path);
  std::optional<RouteMatch> best;
  std::optional<Specificity> best_rank;
  bool has_default = false;
  for (const auto& key : route_keys) {
    if (key == "$default") {
      has_default = true;
      continue;
    }
    auto space = key.find(' ');
    if (space == std::string::npos) continue;
    std::string route_method = key.substr(0, space);
    if (route_method != method && route_method != "ANY") continue;
    const auto route = segments(key.substr(space + 1));
    RouteMatch m{key, {}};
    Specificity rank{1, {}, route_method == method ? 1 : 0};
    bool matched = true;
    size_t i = 0;
    for (; i < route.size(); ++i) {
      const std::string& r = route[i];
      if (is_greedy(r)) {
        if (i >= request.size()) {
          matched = false;
          break;
        }
        std::string rest;
        for (size_t j = i; j < request.size(); ++j) rest += (j > i ? "/" : "") + request[j];
        m.path_parameters[variable_name(r)] = rest;
        rank.not_greedy = 0;
        rank.segment_ranks.push_back(0);
        i = request.size();
        break;
      }
      if (i >= request.size()) {
        matched = false;
        break;
      }
      if (is_variable(r)) {
        m.path_parameters[variable_name(r)] = request[i];
        rank.segment_ranks.push_back(1);
      } else if (r == request[i]) {
        rank.segment_ranks.push_back(2);
      } else {
        matched = false;
        break;
      }
    }
    if (!matched || (i < request.size() && rank.not_greedy)) continue;
    if (route.size() < request.size() && rank.not_greedy) continue;
    if (!best_rank || *best_rank < rank) {
      best_rank = rank;
      best = std::move(m);
    }
  }
  if (!best && has_default) best = RouteMatch{"$default", {}};
  return best;
}

}  // namespace nuage::services::apigatewayv2
