// Stages (CreateStage ... DeleteStage) and deployments (CreateDeployment,
// GetDeployment(s), DeleteDeployment); automatic deployment.
#include "common/text.h"
#include "services/apigatewayv2/provider.h"

namespace nuage::services::apigatewayv2 {

namespace {

constexpr const char* kStageMembers[] = {"AccessLogSettings", "AutoDeploy",    "ClientCertificateId",
                                         "DefaultRouteSettings", "DeploymentId", "Description",
                                         "RouteSettings",     "StageVariables"};

bool valid_stage_name(const std::string& name) {
  if (name == "$default") return true;
  if (name.empty() || name.size() > 128) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  return true;
}

}  // namespace

Result<kit::Value> Provider::deploy(const storage::Scope& scope, const std::string& api_id,
                                    const std::string& description, bool automatic) {
  if (count_children(*store_, scope, kDeployment, api_id) >= kMaxDeploymentsPerApi)
    return errors("LimitExceededException", "The maximum number of deployments has been reached; delete some");
  Value snapshot = {{"routes", Value::array()}, {"integrations", Value::object()}};
  for_each_child(*store_, scope, kRoute, api_id, [&](const std::string&, const Value& doc) {
    snapshot["routes"].push_back(doc);
  });
  for_each_child(*store_, scope, kIntegration, api_id, [&](const std::string&, const Value& doc) {
    snapshot["integrations"][doc.value("IntegrationId", "")] = doc;
  });
  std::string id = new_id(6);
  Value deployment = {{"DeploymentId", id},       {"CreatedDate", now_seconds()},
                      {"DeploymentStatus", "DEPLOYED"}, {"AutoDeployed", automatic},
                      {"snapshot", snapshot}};
  if (!description.empty()) deployment["Description"] = description;
  NUAGE_TRY(store_->put(scope, kDeployment, child_id(api_id, id), deployment));
  return deployment;
}

Status Provider::auto_deploy(const storage::Scope& scope, const std::string& api_id) {
  std::vector<std::pair<std::string, Value>> stages;
  for_each_child(*store_, scope, kStage, api_id, [&](const std::string& id, const Value& doc) {
    if (doc.value("AutoDeploy", false)) stages.emplace_back(id, doc);
  });
  for (auto& [id, stage] : stages) {
    // The automatic deployment this one replaces goes, unless another stage serves it.
    std::string previous = stage.value("DeploymentId", "");
    auto deployment = deploy(scope, api_id, "Automatic deployment triggered by changes to the Api configuration", true);
    if (!deployment) return deployment.error();
    stage["DeploymentId"] = (*deployment)["DeploymentId"];
    stage["LastUpdatedDate"] = now_seconds();
    stage["LastDeploymentStatusMessage"] = "Successfully deployed stage with deployment ID '" +
                                           (*deployment)["DeploymentId"].get<std::string>() + "'";
    NUAGE_TRY(store_->put(scope, kStage, id, stage));
    if (previous.empty()) continue;
    const Value* old = store_->get(scope, kDeployment, child_id(api_id, previous));
    bool served = false;
    for_each_child(*store_, scope, kStage, api_id, [&](const std::string&, const Value& doc) {
      served = served || doc.value("DeploymentId", "") == previous;
    });
    if (old && old->value("AutoDeployed", false) && !served)
      NUAGE_TRY(store_->erase(scope, kDeployment, child_id(api_id, previous)));
  }
  return Status::Ok();
}

Result<kit::Output> Provider::create_stage(Context& ctx, const Value& in) {
  NUAGE_TRY(api_of(ctx, in));
  std::string api_id = in.at("ApiId"), name = in.at("StageName");
  auto scope = scope_of(ctx);
  if (!valid_stage_name(name))
    return bad_request("Stage name only allows a-zA-Z0-9_- or exactly '$default': " + name);
  if (store_->get(scope, kStage, child_id(api_id, name)))
    return errors("ConflictException", "Stage " + name + " already exists");
  if (count_children(*store_, scope, kStage, api_id) >= kMaxStagesPerApi) return errors("LimitExceededException", "The maximum number of stages has been reached");
  if (in.contains("DeploymentId") && !store_->get(scope, kDeployment, child_id(api_id, in["DeploymentId"])))
    return not_found("Deployment", in["DeploymentId"]);
  Value stage = {{"StageName", name},
                 {"AutoDeploy", false},
                 {"CreatedDate", now_seconds()},
                 {"LastUpdatedDate", now_seconds()},
                 {"DefaultRouteSettings", {{"DetailedMetricsEnabled", false}}},
                 {"RouteSettings", Value::object()},
                 {"StageVariables", Value::object()},
                 {"Tags", in.value("Tags", Value::object())}};
  for (const char* m : kStageMembers)
    if (in.contains(m)) stage[m] = in[m];
  NUAGE_TRY(store_->transaction([&]() -> Status {
    NUAGE_TRY(store_->put(scope, kStage, child_id(api_id, name), stage));
    if (stage["AutoDeploy"].get<bool>()) return auto_deploy(scope, api_id);
    return Status::Ok();
  }));
  Output out;
  out.value = *store_->get(scope, kStage, child_id(api_id, name));
  return out;
}

Result<kit::Output> Provider::get_stage(Context& ctx, const Value& in) {
  NUAGE_TRY(api_of(ctx, in));
  std::string id = child_id(in.at("ApiId"), in.at("StageName"));
  if (!store_->get(scope_of(ctx), kStage, id)) return not_found("stage", in.at("StageName"));
  Output out;
  out.value = out.share(store_->share(scope_of(ctx), kStage, id));
  return out;
}

Result<kit::Output> Provider::get_stages(Context& ctx, const Value& in) {
  NUAGE_TRY(api_of(ctx, in));
  return list_under(ctx, kStage, in.at("ApiId"), in);
}

Result<kit::Output> Provider::update_stage(Context& ctx, const Value& in) {
  NUAGE_TRY(api_of(ctx, in));
  std::string api_id = in.at("ApiId"), name = in.at("StageName");
  auto scope = scope_of(ctx);
  const Value* found = store_->get(scope, kStage, child_id(api_id, name));
  if (!found) return not_found("stage", name);
  if (in.contains("DeploymentId") && !store_->get(scope, kDeployment, child_id(api_id, in["DeploymentId"])))
    return not_found("Deployment", in["DeploymentId"]);
  Value stage = *found;
  bool was_auto = stage.value("AutoDeploy", false);
  for (const char* m : kStageMembers)
    if (in.contains(m)) stage[m] = in[m];
  stage["LastUpdatedDate"] = now_seconds();
  NUAGE_TRY(store_->transaction([&]() -> Status {
    NUAGE_TRY(store_->put(scope, kStage, child_id(api_id, name), stage));
    if (!was_auto && stage.value("AutoDeploy", false)) return auto_deploy(scope, api_id);
    return Status::Ok();
  }));
  Output out;
  out.value = *store_->get(scope, kStage, child_id(api_id, name));
  return out;
}

Result<kit::Output> Provider::delete_stage(Context& ctx, const Value& in) {
  NUAGE_TRY(api_of(ctx, in));
  std::string id = child_id(in.at("ApiId"), in.at("StageName"));
  if (!store_->get(scope_of(ctx), kStage, id)) return not_found("stage", in.at("StageName"));
  NUAGE_TRY(store_->erase(scope_of(ctx), kStage, id));
  return Output{};
}

Result<kit::Output> Provider::create_deployment(Context& ctx, const Value& in) {
  NUAGE_TRY(api_of(ctx, in));
  std::string api_id = in.at("ApiId");
  auto scope = scope_of(ctx);
  std::string stage_name = in.value("StageName", "");
  const Value* stage = stage_name.empty() ? nullptr : store_->get(scope, kStage, child_id(api_id, stage_name));
  if (!stage_name.empty() && !stage) return not_found("stage", stage_name);
  if (stage && stage->value("AutoDeploy", false))
    return bad_request("Stage " + stage_name + " has AutoDeploy enabled; its deployments are made automatically");
  Value deployment;
  NUAGE_TRY(store_->transaction([&]() -> Status {
    auto made = deploy(scope, api_id, in.value("Description", ""), false);
    if (!made) return made.error();
    deployment = std::move(*made);
    if (!stage) return Status::Ok();
    Value updated = *stage;
    updated["DeploymentId"] = deployment["DeploymentId"];
    updated["LastUpdatedDate"] = now_seconds();
    return store_->put(scope, kStage, child_id(api_id, stage_name), std::move(updated));
  }));
  Output out;
  out.value = deployment;
  return out;
}

Result<kit::Output> Provider::get_deployment(Context& ctx, const Value& in) {
  NUAGE_TRY(api_of(ctx, in));
  std::string id = child_id(in.at("ApiId"), in.at("DeploymentId"));
  if (!store_->get(scope_of(ctx), kDeployment, id)) return not_found("Deployment", in.at("DeploymentId"));
  Output out;
  out.value = out.share(store_->share(scope_of(ctx), kDeployment, id));
  return out;
}

Result<kit::Output> Provider::get_deployments(Context& ctx, const Value& in) {
  NUAGE_TRY(api_of(ctx, in));
  return list_under(ctx, kDeployment, in.at("ApiId"), in);
}

Result<kit::Output> Provider::delete_deployment(Context& ctx, const Value& in) {
  NUAGE_TRY(api_of(ctx, in));
  std::string api_id = in.at("ApiId"), deployment_id = in.at("DeploymentId");
  auto scope = scope_of(ctx);
  if (!store_->get(scope, kDeployment, child_id(api_id, deployment_id))) return not_found("Deployment", deployment_id);
  bool served = false;
  for_each_child(*store_, scope, kStage, api_id, [&](const std::string&, const Value& doc) {
    served = served || doc.value("DeploymentId", "") == deployment_id;
  });
  if (served) return bad_request("Active stages pointing to this deployment must be moved or deleted");
  NUAGE_TRY(store_->erase(scope, kDeployment, child_id(api_id, deployment_id)));
  return Output{};
}

}  // namespace nuage::services::apigatewayv2
