// CreateApi (quick create included), GetApi(s), UpdateApi, DeleteApi.
#include "common/text.h"
#include "services/apigatewayv2/provider.h"
#include "services/apigatewayv2/routing.h"

namespace nuage::services::apigatewayv2 {

namespace {

// The members CreateApi and UpdateApi copy as given.
constexpr const char* kApiMembers[] = {"ApiKeySelectionExpression", "CorsConfiguration", "Description",
                                       "DisableExecuteApiEndpoint", "DisableSchemaValidation", "IpAddressType",
                                       "Name", "RouteSelectionExpression", "Version"};

}  // namespace

Result<const kit::Value*> Provider::api_of(const Context& ctx, const Value& in) const {
  std::string id = in.at("ApiId");
  const Value* doc = store_->get(scope_of(ctx), kApi, id);
  if (!doc) return not_found("API", id);
  return doc;
}

Result<kit::Output> Provider::create_api(Context& ctx, const Value& in) {
  std::string protocol = in.at("ProtocolType");
  if (protocol != "HTTP") return not_implemented("apigatewayv2", "CreateApi with ProtocolType " + protocol);
  auto scope = scope_of(ctx);
  if (store_->all(scope, kApi).size() >= kMaxApisPerScope)
    return errors("LimitExceededException", "The maximum number of APIs has been reached");
  std::string id;
  do id = new_id(10);
  while (store_->get(scope, kApi, id));
  Value api = {{"ApiId", id},
               {"ApiEndpoint", api_endpoint(id)},
               {"ApiKeySelectionExpression", "$request.header.x-api-key"},
               {"CreatedDate", now_seconds()},
               {"DisableExecuteApiEndpoint", false},
               {"ProtocolType", protocol},
               {"RouteSelectionExpression", "$request.method $request.path"},
               {"IpAddressType", "ipv4"},
               {"Tags", in.value("Tags", Value::object())}};
  for (const char* m : kApiMembers)
    if (in.contains(m)) api[m] = in[m];
  if (api["Tags"].size() > kMaxTags) return bad_request("Resource can have at most 50 tags");
  std::string route_key = in.value("RouteKey", "$default");
  if (in.contains("RouteKey") && !in.contains("Target"))
    return bad_request("RouteKey can only be specified when Target is specified");
  NUAGE_TRY(store_->transaction([&]() -> Status {
    NUAGE_TRY(store_->put(scope, kApi, id, api));
    if (!in.contains("Target")) return Status::Ok();
    // Quick create: the target's integration, a route to it and the
    // $default stage deploying automatically, all managed by API Gateway.
    std::string target = in["Target"];
    Value integration = {{"IntegrationType", text::starts_with(target, "arn:") ? "AWS_PROXY" : "HTTP_PROXY"},
                         {"IntegrationUri", target}};
    if (integration["IntegrationType"] == "HTTP_PROXY") integration["IntegrationMethod"] = "ANY";
    if (in.contains("CredentialsArn")) integration["CredentialsArn"] = in["CredentialsArn"];
    integration["PayloadFormatVersion"] = "2.0";
    Value doc;
    NUAGE_TRY(apply_integration(integration, doc));
    std::string integration_id = new_id(7);
    doc["IntegrationId"] = integration_id;
    doc["ApiGatewayManaged"] = true;
    NUAGE_TRY(store_->put(scope, kIntegration, child_id(id, integration_id), doc));
    std::string problem = route_key_problem(route_key);
    if (!problem.empty()) return bad_request(problem);
    std::string route_id = new_id(7);
    Value route = {{"RouteId", route_id},         {"RouteKey", route_key},
                   {"ApiKeyRequired", false},     {"AuthorizationType", "NONE"},
                   {"ApiGatewayManaged", true},   {"Target", "integrations/" + integration_id}};
    NUAGE_TRY(store_->put(scope, kRoute, child_id(id, route_id), route));
    Value stage = {{"StageName", "$default"},
                   {"AutoDeploy", true},
                   {"ApiGatewayManaged", true},
                   {"CreatedDate", now_seconds()},
                   {"LastUpdatedDate", now_seconds()},
                   {"DefaultRouteSettings", {{"DetailedMetricsEnabled", false}}},
                   {"RouteSettings", Value::object()},
                   {"StageVariables", Value::object()},
                   {"Tags", Value::object()}};
    NUAGE_TRY(store_->put(scope, kStage, child_id(id, "$default"), stage));
    return auto_deploy(scope, id);
  }));
  Output out;
  out.value = api;
  return out;
}

std::string Provider::api_endpoint(const std::string& api_id) const {
  return "http://" + api_id + ".execute-api.localhost:" + std::to_string(env_.port());
}

Result<kit::Output> Provider::get_api(Context& ctx, const Value& in) {
  auto found = api_of(ctx, in);
  if (!found) return found.take_error();
  Output out;
  out.value = **found;
  // The port nuage listens on now (it may have changed since CreateApi).
  out.value["ApiEndpoint"] = api_endpoint(in.at("ApiId"));
  return out;
}

Result<kit::Output> Provider::get_apis(Context& ctx, const Value& in) {
  auto out = list_under(ctx, kApi, "", in);
  if (!out) return out;
  out->value = out->materialized();
  out->shared.clear();
  for (auto& api : out->value["Items"]) api["ApiEndpoint"] = api_endpoint(api.value("ApiId", ""));
  return out;
}

Result<kit::Output> Provider::update_api(Context& ctx, const Value& in) {
  auto found = api_of(ctx, in);
  if (!found) return found.take_error();
  Value api = **found;
  for (const char* m : kApiMembers)
    if (in.contains(m)) api[m] = in[m];
  NUAGE_TRY(store_->put(scope_of(ctx), kApi, in.at("ApiId"), api));
  Output out;
  out.value = api;
  return out;
}

Result<kit::Output> Provider::delete_api(Context& ctx, const Value& in) {
  NUAGE_TRY(api_of(ctx, in));
  std::string id = in.at("ApiId");
  auto scope = scope_of(ctx);
  NUAGE_TRY(store_->transaction([&]() -> Status {
    for (const char* kind : {kRoute, kIntegration, kStage, kDeployment}) {
      std::vector<std::string> ids;
      for_each_child(*store_, scope, kind, id, [&](const std::string& child, const Value&) { ids.push_back(child); });
      for (const auto& child : ids) NUAGE_TRY(store_->erase(scope, kind, child));
    }
    return store_->erase(scope, kApi, id);
  }));
  return Output{};
}

}  // namespace nuage::services::apigatewayv2
