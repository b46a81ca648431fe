// CreateIntegration, GetIntegration(s), UpdateIntegration, DeleteIntegration.
#include "common/text.h"
#include "services/apigatewayv2/provider.h"

namespace nuage::services::apigatewayv2 {

namespace {

constexpr const char* kIntegrationMembers[] = {
    "ConnectionId",        "ConnectionType",    "ContentHandlingStrategy", "CredentialsArn",
    "Description",         "IntegrationMethod", "IntegrationSubtype",      "IntegrationType",
    "IntegrationUri",      "PassthroughBehavior", "PayloadFormatVersion",  "RequestParameters",
    "RequestTemplates",    "ResponseParameters", "TemplateSelectionExpression", "TimeoutInMillis",
    "TlsConfig"};

}  // namespace

Status Provider::apply_integration(const Value& in, Value& doc) const {
  if (doc.is_null()) doc = {{"ConnectionType", "INTERNET"}, {"TimeoutInMillis", 30000}};
  for (const char* m : kIntegrationMembers)
    if (in.contains(m)) doc[m] = in[m];
  std::string type = doc.value("IntegrationType", "");
  if (type != "AWS_PROXY" && type != "HTTP_PROXY")
    return bad_request("Integration type " + type + " is not supported for HTTP APIs; use AWS_PROXY or HTTP_PROXY");
  if (!doc.contains("IntegrationUri")) return bad_request("IntegrationUri is required for " + type + " integrations");
  if (type == "AWS_PROXY") {
    std::string uri = doc["IntegrationUri"];
    if (!text::starts_with(uri, "arn:aws:lambda:") && !text::starts_with(uri, "arn:aws:apigateway:"))
      return bad_request("Invalid integration URI specified: " + uri);
    doc["IntegrationMethod"] = "POST";
    if (!doc.contains("PayloadFormatVersion")) doc["PayloadFormatVersion"] = "1.0";
  } else if (!doc.contains("PayloadFormatVersion")) {
    doc["PayloadFormatVersion"] = "1.0";
  }
  std::string version = doc["PayloadFormatVersion"];
  if (version != "1.0" && version != "2.0")
    return bad_request("Unsupported payload format version " + version + "; use 1.0 or 2.0");
  if (type != "AWS_PROXY" && version != "1.0")
    return bad_request("Payload format version 2.0 is only supported for AWS_PROXY integrations");
  int timeout = doc.value("TimeoutInMillis", 30000);
  if (timeout < 50 || timeout > 30000) return bad_request("TimeoutInMillis must be between 50 and 30000");
  return Status::Ok();
}

Result<kit::Output> Provider::create_integration(Context& ctx, const Value& in) {
  NUAGE_TRY(api_of(ctx, in));
  std::string api_id = in.at("ApiId");
  auto scope = scope_of(ctx);
  if (count_children(*store_, scope, kIntegration, api_id) >= kMaxIntegrationsPerApi)
    return errors("LimitExceededException", "The maximum number of integrations has been reached");
  Value doc;
  NUAGE_TRY(apply_integration(in, doc));
  doc["IntegrationId"] = new_id(7);
  NUAGE_TRY(store_->transaction([&]() -> Status {
    NUAGE_TRY(store_->put(scope, kIntegration, child_id(api_id, doc["IntegrationId"]), doc));
    return auto_deploy(scope, api_id);
  }));
  Output out;
  out.value = doc;
  return out;
}

Result<kit::Output> Provider::get_integration(Context& ctx, const Value& in) {
  NUAGE_TRY(api_of(ctx, in));
  std::string id = child_id(in.at("ApiId"), in.at("IntegrationId"));
  if (!store_->get(scope_of(ctx), kIntegration, id)) return not_found("Integration", in.at("IntegrationId"));
  Output out;
  out.value = out.share(store_->share(scope_of(ctx), kIntegration, id));
  return out;
}

Result<kit::Output> Provider::get_integrations(Context& ctx, const Value& in) {
  NUAGE_TRY(api_of(ctx, in));
  return list_under(ctx, kIntegration, in.at("ApiId"), in);
}

Result<kit::Output> Provider::update_integration(Context& ctx, const Value& in) {
  NUAGE_TRY(api_of(ctx, in));
  std::string api_id = in.at("ApiId"), integration_id = in.at("IntegrationId");
  auto scope = scope_of(ctx);
  const Value* found = store_->get(scope, kIntegration, child_id(api_id, integration_id));
  if (!found) return not_found("Integration", integration_id);
  Value doc = *found;
  NUAGE_TRY(apply_integration(in, doc));
  NUAGE_TRY(store_->transaction([&]() -> Status {
    NUAGE_TRY(store_->put(scope, kIntegration, child_id(api_id, integration_id), doc));
    return auto_deploy(scope, api_id);
  }));
  Output out;
  out.value = doc;
  return out;
}

Result<kit::Output> Provider::delete_integration(Context& ctx, const Value& in) {
  NUAGE_TRY(api_of(ctx, in));
  std::string api_id = in.at("ApiId"), integration_id = in.at("IntegrationId");
  auto scope = scope_of(ctx);
  if (!store_->get(scope, kIntegration, child_id(api_id, integration_id)))
    return not_found("Integration", integration_id);
  std::string target = "integrations/" + integration_id;
  std::string used_by;
  for_each_child(*store_, scope, kRoute, api_id, [&](const std::string&, const Value& doc) {
    if (doc.value("Target", "") == target) used_by = doc.value("RouteKey", "");
  });
  if (!used_by.empty())
    return errors("ConflictException",
                  "Cannot delete integration " + integration_id + ": it is the target of route " + used_by);
  NUAGE_TRY(store_->transaction([&]() -> Status {
    NUAGE_TRY(store_->erase(scope, kIntegration, child_id(api_id, integration_id)));
    return auto_deploy(scope, api_id);
  }));
  return Output{};
}

}  // namespace nuage::services::apigatewayv2
