#include "services/apigatewayv2/provider.h"

#include "common/crypto.h"
#include "common/text.h"
#include "kit/tagging.h"
#include "model/model.h"

namespace nuage::services::apigatewayv2 {

const kit::Errors errors("apigatewayv2", {{"AccessDeniedException", 403}});

AwsError not_found(const std::string& what, const std::string& id) {
  return errors("NotFoundException", "Invalid " + what + " identifier specified " + id, {{"ResourceType", what}});
}

AwsError bad_request(const std::string& message) { return errors("BadRequestException", message); }

std::string new_id(size_t length) {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string bytes = crypto::random_bytes(length), out;
  for (unsigned char b : bytes) out += kAlphabet[b % 36];
  return out;
}

void for_each_child(const storage::ResourceStore& store, const storage::Scope& scope, const char* kind,
                    const std::string& api_id, const std::function<void(const std::string&, const kit::Value&)>& fn) {
  auto view = store.all(scope, kind);
  for (auto it = view.from(api_id + "/"); it != view.end(); ++it) {
    auto [id, doc] = *it;
    if (!text::starts_with(id, api_id + "/")) break;
    fn(id, doc);
  }
}

size_t count_children(const storage::ResourceStore& store, const storage::Scope& scope, const char* kind,
                      const std::string& api_id) {
  size_t count = 0;
  for_each_child(store, scope, kind, api_id, [&](const std::string&, const kit::Value&) { ++count; });
  return count;
}

int64_t Provider::now_seconds() const {
  return std::chrono::duration_cast<std::chrono::seconds>(env_.clock.now().time_since_epoch()).count();
}

Status Provider::open() {
  storage::ResourceStore::Options options;
  options.service = "apigatewayv2";
  options.bus = &env_.bus;
  options.clock = &env_.clock;
  options.guard = &mutex_;
  options.kinds[kApi] = storage::ResourceStore::KindSpec{"Tags", true};
  options.kinds[kStage] = storage::ResourceStore::KindSpec{"Tags", true};
  auto store = storage::ResourceStore::open(env_.db, std::move(options));
  if (!store) return store.error();
  store_ = std::move(*store);
  return Status::Ok();
}

void Provider::reset() {
  std::lock_guard lock(mutex_);
  store_->clear();
}

Result<kit::Output> Provider::list_under(const Context& ctx, const std::string& kind, const std::string& api_id,
                                    const Value& in) const {
  size_t limit = 100;
  if (in.contains("MaxResults")) {
    std::string text = in["MaxResults"];
    if (text.empty() || text.size() > 4 || text.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(text) < 1)
      return bad_request("MaxResults must be a number between 1 and 500");
    limit = std::min<size_t>(500, std::stoul(text));
  }
  std::string prefix = api_id.empty() ? "" : api_id + "/";
  auto view = store_->all(scope_of(ctx), kind);
  auto it = view.from(prefix);
  if (in.contains("NextToken")) {
    auto last = storage::ResourceStore::from_page_token(in["NextToken"]);
    if (!last || !text::starts_with(*last, prefix)) return bad_request("Invalid NextToken");
    it = view.after(*last);
  }
  Output out;
  out.value["Items"] = Value::array();
  std::string last;
  for (; it != view.end(); ++it) {
    auto [id, doc] = *it;
    if (!text::starts_with(id, prefix)) break;
    if (out.value["Items"].size() == limit) {
      out.value["NextToken"] = storage::ResourceStore::page_token(last);
      break;
    }
    out.value["Items"].push_back(out.share(store_->share(scope_of(ctx), kind, id)));
    last = id;
  }
  return out;
}

namespace {

// IAM authorizes API Gateway calls as apigateway:<HTTP method> on the
// resource path ("arn:aws:apigateway:us-east-1::/apis/a1b2c3/routes").
kit::Targets http_target(std::string method, std::string uri) {
  return [method, uri](const kit::RequestContext& ctx, const kit::Value& in) {
    std::string path;
    for (size_t i = 0; i < uri.size();) {
      if (uri[i] != '{') {
        path += uri[i++];
        continue;
      }
      size_t end = uri.find('}', i);
      std::string name = uri.substr(i + 1, end - i - 1);
      // URI labels are the model's wire names; the input has member names.
      std::string member = name == "resource-arn" ? "ResourceArn" : std::string(1, char(std::toupper(name[0]))) + name.substr(1);
      auto v = in.find(member);
      path += v != in.end() && v->is_string() ? v->get<std::string>() : "*";
      i = end + 1;
    }
    return std::vector<kit::ActionTarget>{{"apigateway:" + method, "arn:aws:apigateway:" + ctx.region + "::" + path}};
  };
}

}  // namespace

void Provider::register_operations(kit::OperationTable& table) {
  table.set_iam_prefix("apigateway");
  // The IAM action and resource path of each operation come from its
  // route in the model (/v2/apis/{apiId} → apigateway:GET on /apis/<id>).
  const model::Service& service = *model::find_service("apigatewayv2");
  auto add = [&](const char* op, Result<Output> (Provider::*fn)(Context&, const Value&)) {
    const model::Operation& operation = *service.find_operation(op);
    std::string uri = operation.request_uri;
    if (uri.starts_with("/v2/")) uri = uri.substr(3);
    table.add_locked(op, this, mutex_, fn).iam_targets(http_target(operation.http_method, uri));
  };
  add("CreateApi", &Provider::create_api);
  add("GetApi", &Provider::get_api);
  add("GetApis", &Provider::get_apis);
  add("UpdateApi", &Provider::update_api);
  add("DeleteApi", &Provider::delete_api);
  add("CreateRoute", &Provider::create_route);
  add("GetRoute", &Provider::get_route);
  add("GetRoutes", &Provider::get_routes);
  add("UpdateRoute", &Provider::update_route);
  add("DeleteRoute", &Provider::delete_route);
  add("CreateIntegration", &Provider::create_integration);
  add("GetIntegration", &Provider::get_integration);
  add("GetIntegrations", &Provider::get_integrations);
  add("UpdateIntegration", &Provider::update_integration);
  add("DeleteIntegration", &Provider::delete_integration);
  add("CreateStage", &Provider::create_stage);
  add("GetStage", &Provider::get_stage);
  add("GetStages", &Provider::get_stages);
  add("UpdateStage", &Provider::update_stage);
  add("DeleteStage", &Provider::delete_stage);
  add("CreateDeployment", &Provider::create_deployment);
  add("GetDeployment", &Provider::get_deployment);
  add("GetDeployments", &Provider::get_deployments);
  add("DeleteDeployment", &Provider::delete_deployment);

  kit::TaggingSpec tagging;
  tagging.list_operation = "GetTags";
  tagging.arn_member = "ResourceArn";
  tagging.tags_as_map = true;
  tagging.max_tags = kMaxTags;
  tagging.too_many_error = "BadRequestException";
  tagging.too_many_message = "Resource can have at most 50 tags";
  tagging.reserved_error = "BadRequestException";
  tagging.reserved_message = "Tag keys cannot start with 'aws:'";
  kit::add_tagging(table, tagging, errors, store_, mutex_,
                   [this](const Context& ctx, const std::string& arn) -> Result<kit::TaggedResource> {
                     // arn:aws:apigateway:<region>::/apis/<id>[/stages/<name>]
                     auto colons = text::split(arn, ':');
                     if (colons.size() != 6 || colons[2] != "apigateway") return bad_request("Invalid ARN " + arn);
                     storage::Scope scope{ctx.account_id, colons[3]};
                     auto parts = text::split(colons[5], '/');
                     if (parts.size() == 3 && parts[1] == "apis") {
                       if (!store_->get(scope, kApi, parts[2])) return not_found("API", parts[2]);
                       return kit::TaggedResource{scope, kApi, parts[2]};
                     }
                     if (parts.size() == 5 && parts[1] == "apis" && parts[3] == "stages") {
                       std::string id = child_id(parts[2], parts[4]);
                       if (!store_->get(scope, kStage, id)) return not_found("stage", parts[4]);
                       return kit::TaggedResource{scope, kStage, id};
                     }
                     return not_found("resource", arn);
                   });
}

void Provider::add_doors(std::vector<kit::Door>& doors) {
  doors.push_back({[](const http::Request& request) {
                         if (text::starts_with(request.path(), "/_nuage/execute-api/")) return true;
                         std::string host = text::lower(request.headers.get("host"));
                         auto dot = host.find('.');
                         return dot != std::string::npos && host.compare(dot, 13, ".execute-api.") == 0;
                       },
                       [this](kit::DoorRequest& call) { return serve(call); }, false});
}

}  // namespace nuage::services::apigatewayv2
