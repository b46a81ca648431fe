// CreateRoute, GetRoute(s), UpdateRoute, DeleteRoute.
#include "common/text.h"
#include "services/apigatewayv2/provider.h"
#include "services/apigatewayv2/routing.h"

namespace nuage::services::apigatewayv2 {

namespace {

constexpr const char* kRouteMembers[] = {"ApiKeyRequired", "AuthorizationScopes", "AuthorizationType",
                                         "AuthorizerId", "ModelSelectionExpression", "OperationName",
                                         "RequestModels", "RequestParameters", "RouteKey",
                                         "RouteResponseSelectionExpression", "Target"};

}  // namespace

Status Provider::check_route(const Context& ctx, const std::string& api_id, const Value& route,
                             const std::string& except_id) const {
  std::string key = route.value("RouteKey", "");
  std::string problem = route_key_problem(key);
  if (!problem.empty()) return bad_request(problem);
  std::string auth = route.value("AuthorizationType", "NONE");
  if (auth != "NONE")
    return not_implemented("apigatewayv2", "routes with AuthorizationType " + auth);
  auto scope = scope_of(ctx);
  bool taken = false;
  for_each_child(*store_, scope, kRoute, api_id, [&](const std::string& id, const Value& doc) {
    taken = taken || (id != child_id(api_id, except_id) && doc.value("RouteKey", "") == key);
  });
  if (taken) return errors("ConflictException", "Route with key " + key + " already exists for this API");
  if (route.contains("Target")) {
    std::string target = route["Target"];
    if (!text::starts_with(target, "integrations/") ||
        !store_->get(scope, kIntegration, child_id(api_id, target.substr(13))))
      return bad_request("Invalid target: " + target + ". Target must be of the form integrations/<id> naming an "
                         "integration of this API");
  }
  return Status::Ok();
}

Result<kit::Output> Provider::create_route(Context& ctx, const Value& in) {
  NUAGE_TRY(api_of(ctx, in));
  std::string api_id = in.at("ApiId");
  auto scope = scope_of(ctx);
  if (count_children(*store_, scope, kRoute, api_id) >= kMaxRoutesPerApi) return errors("LimitExceededException", "The maximum number of routes has been reached");
  Value route = {{"ApiKeyRequired", false}, {"AuthorizationType", "NONE"}};
  for (const char* m : kRouteMembers)
    if (in.contains(m)) route[m] = in[m];
  NUAGE_TRY(check_route(ctx, api_id, route, ""));
  route["RouteId"] = new_id(7);
  NUAGE_TRY(store_->transaction([&]() -> Status {
    NUAGE_TRY(store_->put(scope, kRoute, child_id(api_id, route["RouteId"]), route));
    return auto_deploy(scope, api_id);
  }));
  Output out;
  out.value = route;
  return out;
}

Result<kit::Output> Provider::get_route(Context& ctx, const Value& in) {
  NUAGE_TRY(api_of(ctx, in));
  std::string id = child_id(in.at("ApiId"), in.at("RouteId"));
  if (!store_->get(scope_of(ctx), kRoute, id)) return not_found("Route", in.at("RouteId"));
  Output out;
  out.value = out.share(store_->share(scope_of(ctx), kRoute, id));
  return out;
}

Result<kit::Output> Provider::get_routes(Context& ctx, const Value& in) {
  NUAGE_TRY(api_of(ctx, in));
  return list_under(ctx, kRoute, in.at("ApiId"), in);
}

Result<kit::Output> Provider::update_route(Context& ctx, const Value& in) {
  NUAGE_TRY(api_of(ctx, in));
  std::string api_id = in.at("ApiId"), route_id = in.at("RouteId");
  auto scope = scope_of(ctx);
  const Value* found = store_->get(scope, kRoute, child_id(api_id, route_id));
  if (!found) return not_found("Route", route_id);
  Value route = *found;
  for (const char* m : kRouteMembers)
    if (in.contains(m)) route[m] = in[m];
  // An empty Target detaches the route.
  if (route.contains("Target") && route["Target"] == "") route.erase("Target");
  NUAGE_TRY(check_route(ctx, api_id, route, route_id));
  NUAGE_TRY(store_->transaction([&]() -> Status {
    NUAGE_TRY(store_->put(scope, kRoute, child_id(api_id, route_id), route));
    return auto_deploy(scope, api_id);
  }));
  Output out;
  out.value = route;
  return out;
}

Result<kit::Output> Provider::delete_route(Context& ctx, const Value& in) {
  NUAGE_TRY(api_of(ctx, in));
  std::string api_id = in.at("ApiId"), route_id = in.at("RouteId");
  auto scope = scope_of(ctx);
  if (!store_->get(scope, kRoute, child_id(api_id, route_id))) return not_found("Route", route_id);
  NUAGE_TRY(store_->transaction([&]() -> Status {
    NUAGE_TRY(store_->erase(scope, kRoute, child_id(api_id, route_id)));
    return auto_deploy(scope, api_id);
  }));
  return Output{};
}

}  // namespace nuage::services::apigatewayv2
