// The execute-api front door: a request to an HTTP API, routed to its stage,
// route and integration, sent to the function and answered with what the
// function returns, as API Gateway does.
#include <spdlog/spdlog.h>

#include <chrono>

#include "common/crypto.h"
#include "common/text.h"
#include "services/apigatewayv2/provider.h"
#include "services/apigatewayv2/routing.h"
#include "services/lambda/http_events.h"

namespace nuage::services::apigatewayv2 {

namespace {

using lambda::http_message;

constexpr std::string_view kPathForm = "/_nuage/execute-api/";
// AWS's HTTP API payload quota.
constexpr uint64_t kMaxPayloadBytes = 10 * 1024 * 1024;

// What the request names: the API and the path after it (still encoded).
struct Target {
  std::string api_id;
  std::string path;
  std::string domain;
};

Target target_of(const http::Request& request) {
  std::string_view path = request.path();
  std::string host = text::lower(request.headers.get("host"));
  if (text::starts_with(path, kPathForm)) {
    std::string_view rest = path.substr(kPathForm.size());
    auto slash = rest.find('/');
    Target t{std::string(rest.substr(0, slash)), slash == std::string_view::npos ? "/" : std::string(rest.substr(slash)),
             ""};
    t.domain = t.api_id + ".execute-api.localhost";
    return t;
  }
  return Target{host.substr(0, host.find('.')), path.empty() ? "/" : std::string(path), host};
}

// The Lambda function an AWS_PROXY integration URI names: a function ARN,
// or API Gateway's "arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<arn>/invocations".
std::string function_of(const std::string& uri) {
  auto start = uri.find("/functions/");
  if (!text::starts_with(uri, "arn:aws:apigateway:") || start == std::string::npos) return uri;
  start += 11;
  auto end = uri.find("/invocations", start);
  return uri.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::map<std::string, std::string> string_map(const kit::Value& v) {
  std::map<std::string, std::string> out;
  if (v.is_object())
    for (const auto& [k, value] : v.items())
      if (value.is_string()) out[k] = value.get<std::string>();
  return out;
}

}  // namespace

http::Response Provider::serve(kit::DoorRequest& call) {
  http::Request& request = call.http;
  if (request.body.size() > kMaxPayloadBytes) return http_message(413, "Request Entity Too Large");
  Target target = target_of(request);
  // Everything the request needs, read under the lock; Lambda is called without it.
  storage::Scope scope;
  kit::Value api, stage, snapshot;
  {
    std::lock_guard lock(mutex_);
    store_->for_each(kApi, [&](const storage::Scope& s, const std::string& id, const kit::Value& doc) {
      if (id == target.api_id) {
        scope = s;
        api = doc;
      }
    });
    if (api.is_null()) return http_message(404, "Not Found");
    // A named stage is the first path segment; the $default stage serves the rest.
    std::string first = target.path.substr(1, target.path.find('/', 1) - 1);
    if (auto named = store_->get(scope, kStage, child_id(target.api_id, first)); named && first != "$default") {
      stage = *named;
    } else if (auto fallback = store_->get(scope, kStage, child_id(target.api_id, "$default"))) {
      stage = *fallback;
    } else {
      return http_message(404, "Not Found");
    }
    const kit::Value* deployment =
        store_->get(scope, kDeployment, child_id(target.api_id, stage.value("DeploymentId", "")));
    if (!deployment) return http_message(404, "Not Found");
    snapshot = (*deployment)["snapshot"];
  }
  if (api.value("DisableExecuteApiEndpoint", false)) return http_message(403, "Forbidden");
  std::string stage_name = stage["StageName"];
  std::string api_path = target.path;
  if (stage_name != "$default") {
    api_path = target.path.substr(1 + stage_name.size());
    if (api_path.empty()) api_path = "/";
  }
  std::vector<std::string> keys;
  for (const auto& route : snapshot["routes"]) keys.push_back(route.value("RouteKey", ""));
  std::string decoded = text::uri_decode(api_path).value_or(api_path);
  auto match = match_route(keys, request.method, decoded);
  if (!match) return http_message(404, "Not Found");
  const kit::Value* integration = nullptr;
  for (const auto& route : snapshot["routes"])
    if (route.value("RouteKey", "") == match->route_key) {
      std::string t = route.value("Target", "");
      if (text::starts_with(t, "integrations/") && snapshot["integrations"].contains(t.substr(13)))
        integration = &snapshot["integrations"][t.substr(13)];
    }
  if (!integration) return http_message(404, "Not Found");
  if ((*integration).value("IntegrationType", "") != "AWS_PROXY") {
    spdlog::warn("apigatewayv2: {} integrations are not served (API {})", (*integration).value("IntegrationType", ""),
                 target.api_id);
    return http_message(500, "Internal Server Error");
  }

  lambda::HttpEventContext context;
  context.account_id = scope.account;
  context.api_id = target.api_id;
  context.domain_name = target.domain;
  context.domain_prefix = target.api_id;
  context.request_id = call.ctx.request_id;
  context.route_key = match->route_key;
  context.stage = stage_name;
  context.resource_path = route_path(match->route_key);
  context.path = target.path;
  context.path_parameters = match->path_parameters;
  context.stage_variables = string_map(stage.value("StageVariables", kit::Value::object()));
  context.time = env_.clock.now();
  bool v2 = (*integration).value("PayloadFormatVersion", "1.0") == "2.0";
  kit::Value event = v2 ? lambda::http_event_v2(request, context) : lambda::http_event_v1(request, context);

  // arn:aws:execute-api:<region>:<account>:<api>/<stage>/<method>/<route path>:
  // what the function's resource policy names in AWS:SourceArn.
  std::string resource = match->route_key == "$default" ? "$default"
                                                          : request.method + route_path(match->route_key);
  std::string source_arn =
      "arn:aws:execute-api:" + scope.region + ":" + scope.account + ":" + target.api_id + "/" + stage_name + "/" + resource;
  std::string function = function_of((*integration).value("IntegrationUri", ""));
  auto parts = text::split(function, ':');
  std::string region = parts.size() > 3 ? parts[3] : scope.region;
  // With CredentialsArn, API Gateway calls with that role's session (its
  // policies decide); without, as itself (the function's resource policy does).
  auth::Credential caller = kit::Environment::service_principal("apigateway.amazonaws.com", scope.account, source_arn);
  if (std::string role = (*integration).value("CredentialsArn", ""); !role.empty()) {
    auto session = env_.assume_role(role, "apigateway.amazonaws.com", scope.account, scope.region,
                                    "apigateway-" + target.api_id);
    if (!session) {
      spdlog::info("apigatewayv2: API {} cannot assume {}: {}", target.api_id, role, session.error().message);
      return http_message(500, "Internal Server Error");
    }
    caller = *session;
  }
  auto started = std::chrono::steady_clock::now();
  auto out = env_.call("lambda", "Invoke", {{"FunctionName", function}, {"Payload", kit::make_blob(event.dump())}},
                       caller, region);
  auto elapsed = std::chrono::steady_clock::now() - started;
  http::Response res;
  if (!out) {
    spdlog::info("apigatewayv2: {} {} -> {}: {} {}", request.method, target.path, function, out.error().code,
                 out.error().message);
    res = out.error().code == "TooManyRequestsException" ? http_message(503, "Service Unavailable")
                                                         : http_message(500, "Internal Server Error");
  } else if (elapsed > std::chrono::milliseconds((*integration).value("TimeoutInMillis", 30000))) {
    // API Gateway stops waiting at the integration's timeout; nuage answers
    // the same once the function has ended.
    res = http_message(503, "Service Unavailable");
  } else if (out->value.contains("FunctionError") ||
             !lambda::http_response_from(out->stream_bytes.value_or(""), v2, res)) {
    res = http_message(502, "Internal Server Error");
  }
  res.headers.set("Apigw-Requestid", call.ctx.request_id);
  return res;
}

}  // namespace nuage::services::apigatewayv2
