// Amazon API Gateway HTTP APIs (apigatewayv2, rest-json; signed as
// "apigateway", told from REST APIs by its /v2/ paths): APIs (quick create
// included), routes, Lambda proxy integrations, stages, deployments and tags,
// and the APIs themselves served on nuage's port (invoke.cc).
//
// State: documents of the resource store (service "apigatewayv2"), members
// as the model's output shapes name them: kind "api" (id = ApiId), and
// "route", "integration", "stage", "deployment" with id "<ApiId>/<id>" (a
// stage's id is its name), so View::from("<ApiId>/") walks one API's.
// A deployment holds a snapshot of the API's routes and integrations; a
// stage serves the deployment it names. Stages with AutoDeploy get a new
// deployment after every change of routes or integrations (and drop the
// automatic one they replace, so deployments stay bounded).
//
// Invocation (invoke.cc): requests whose Host is
// "<ApiId>.execute-api.localhost[:port]" (any "<ApiId>.execute-api.*"), or
// whose path is /_nuage/execute-api/<ApiId>/..., are routed by AWS's rules
// and sent to the integration's function through Lambda's Invoke, as the
// service principal apigateway.amazonaws.com with the execute-api ARN as
// aws:SourceArn, so the function's resource policy decides.
//
// Thread-safety: handlers run under mutex_; invocations read the documents
// under it and call Lambda without it.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "kit/environment.h"
#include "kit/errors.h"
#include "kit/front_door.h"
#include "kit/provider.h"
#include "storage/resource_store.h"

namespace nuage::services::apigatewayv2 {

// Limits on what a client can make nuage hold (AWS's quotas).
inline constexpr size_t kMaxApisPerScope = 600;
inline constexpr size_t kMaxRoutesPerApi = 300;
inline constexpr size_t kMaxIntegrationsPerApi = 300;
inline constexpr size_t kMaxStagesPerApi = 10;
inline constexpr size_t kMaxDeploymentsPerApi = 100;
inline constexpr size_t kMaxTags = 50;

class Provider : public kit::Provider, public kit::FrontDoors {
 public:
  explicit Provider(kit::Environment& env) : env_(env) {}
  std::string_view service() const override { return "apigatewayv2"; }
  void register_operations(kit::OperationTable& table) override;
  void add_doors(std::vector<kit::Door>& doors) override;
  Status open() override;
  void reset() override;

 private:
  using Context = kit::RequestContext;
  using Value = kit::Value;
  using Output = kit::Output;

  // apis.cc
  Result<Output> create_api(Context& ctx, const Value& in);
  Result<Output> get_api(Context& ctx, const Value& in);
  Result<Output> get_apis(Context& ctx, const Value& in);
  Result<Output> update_api(Context& ctx, const Value& in);
  Result<Output> delete_api(Context& ctx, const Value& in);
  // http://<id>.execute-api.localhost:<port>, with the port nuage listens on.
  std::string api_endpoint(const std::string& api_id) const;
  // The API `in` names (ApiId), or NotFoundException.
  Result<const Value*> api_of(const Context& ctx, const Value& in) const;

  // routes.cc
  Result<Output> create_route(Context& ctx, const Value& in);
  Result<Output> get_route(Context& ctx, const Value& in);
  Result<Output> get_routes(Context& ctx, const Value& in);
  Result<Output> update_route(Context& ctx, const Value& in);
  Result<Output> delete_route(Context& ctx, const Value& in);
  // Checks a route's key and target against the API's routes and integrations.
  Status check_route(const Context& ctx, const std::string& api_id, const Value& route,
                     const std::string& except_id) const;

  // integrations.cc
  Result<Output> create_integration(Context& ctx, const Value& in);
  Result<Output> get_integration(Context& ctx, const Value& in);
  Result<Output> get_integrations(Context& ctx, const Value& in);
  Result<Output> update_integration(Context& ctx, const Value& in);
  Result<Output> delete_integration(Context& ctx, const Value& in);
  // The members of an integration from Create/UpdateIntegration's input,
  // checked as AWS checks them.
  Status apply_integration(const Value& in, Value& doc) const;

  // stages.cc
  Result<Output> create_stage(Context& ctx, const Value& in);
  Result<Output> get_stage(Context& ctx, const Value& in);
  Result<Output> get_stages(Context& ctx, const Value& in);
  Result<Output> update_stage(Context& ctx, const Value& in);
  Result<Output> delete_stage(Context& ctx, const Value& in);
  Result<Output> create_deployment(Context& ctx, const Value& in);
  Result<Output> get_deployment(Context& ctx, const Value& in);
  Result<Output> get_deployments(Context& ctx, const Value& in);
  Result<Output> delete_deployment(Context& ctx, const Value& in);
  // A deployment of the API's routes and integrations as they are now.
  Result<Value> deploy(const storage::Scope& scope, const std::string& api_id, const std::string& description,
                       bool automatic);
  // Redeploys every AutoDeploy stage of the API (after a change).
  Status auto_deploy(const storage::Scope& scope, const std::string& api_id);

  // invoke.cc: the execute-api front door.
  http::Response serve(kit::DoorRequest& call);

  // A page of the documents of `kind` under the API (Items, NextToken).
  Result<Output> list_under(const Context& ctx, const std::string& kind, const std::string& api_id,
                            const Value& in) const;
  storage::Scope scope_of(const Context& ctx) const { return {ctx.account_id, ctx.region}; }
  int64_t now_seconds() const;

  kit::Environment& env_;
  mutable std::mutex mutex_;
  std::unique_ptr<storage::ResourceStore> store_;
};

// Shared by the feature files.
extern const kit::Errors errors;
inline constexpr const char* kApi = "api";
inline constexpr const char* kRoute = "route";
inline constexpr const char* kIntegration = "integration";
inline constexpr const char* kStage = "stage";
inline constexpr const char* kDeployment = "deployment";
AwsError not_found(const std::string& what, const std::string& id);
AwsError bad_request(const std::string& message);
// A new resource id: `length` lower-case letters and digits.
std::string new_id(size_t length);
// Calls fn(store id, document) for each document of `kind` under the API.
void for_each_child(const storage::ResourceStore& store, const storage::Scope& scope, const char* kind,
                    const std::string& api_id, const std::function<void(const std::string&, const kit::Value&)>& fn);
size_t count_children(const storage::ResourceStore& store, const storage::Scope& scope, const char* kind,
                      const std::string& api_id);
// "<api>/<id>", the store id of a resource of an API.
inline std::string child_id(const std::string& api_id, const std::string& id) { return api_id + "/" + id; }

}  // namespace nuage::services::apigatewayv2
