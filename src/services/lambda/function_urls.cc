#include "services/lambda/function_urls.h"

#include <spdlog/spdlog.h>

#include "common/crypto.h"
#include "common/text.h"
#include "services/lambda/errors.h"
#include "services/lambda/http_events.h"

namespace nuage::services::lambda {

namespace {

constexpr std::string_view kPathForm = "/_nuage/lambda-url/";
// A function URL takes what a synchronous Invoke takes (6 MB).
constexpr uint64_t kMaxPayloadBytes = 6 * 1024 * 1024;

// Function URLs answer their own refusals with a capitalized "Message".
http::Response url_message(int status, const std::string& message) {
  http::Response res;
  res.status = status;
  res.headers.set("Content-Type", "application/json");
  res.body = Value{{"Message", message}}.dump();
  return res;
}

std::string url_id() {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string bytes = crypto::random_bytes(32), out;
  for (unsigned char b : bytes) out += kAlphabet[b % 36];
  return out;
}

AwsError url_config_not_found() {
  return errors("ResourceNotFoundException", "The resource you requested does not exist.");
}

std::string function_url(const std::string& url_id, const std::string& region, uint16_t port) {
  return "http://" + url_id + ".lambda-url." + region + ".localhost:" + std::to_string(port) + "/";
}

std::string qualifier_key(const Ref& ref) { return ref.qualifier == "$LATEST" ? "" : ref.qualifier; }

bool contains_ci(const Value& list, const std::string& item) {
  if (!list.is_array()) return false;
  for (const auto& v : list)
    if (v.is_string() && (v == "*" || text::lower(v.get<std::string>()) == text::lower(item))) return true;
  return false;
}

std::string joined(const Value& list) {
  std::string out;
  if (list.is_array())
    for (const auto& v : list)
      if (v.is_string()) out += (out.empty() ? "" : ",") + v.get<std::string>();
  return out;
}

// The Cors configuration's headers for a request from `origin` (none when
// the origin is not allowed).
void add_cors(const Value& cors, const std::string& origin, http::Response& res, bool preflight) {
  if (!cors.is_object() || origin.empty() || !contains_ci(cors.value("AllowOrigins", Value()), origin)) return;
  bool any = contains_ci(cors.value("AllowOrigins", Value()), "*") && !cors.value("AllowCredentials", false);
  res.headers.set("Access-Control-Allow-Origin", any ? "*" : origin);
  if (cors.value("AllowCredentials", false)) res.headers.set("Access-Control-Allow-Credentials", "true");
  if (cors.contains("ExposeHeaders")) res.headers.set("Access-Control-Expose-Headers", joined(cors["ExposeHeaders"]));
  if (!preflight) return;
  if (cors.contains("AllowMethods")) res.headers.set("Access-Control-Allow-Methods", joined(cors["AllowMethods"]));
  if (cors.contains("AllowHeaders")) res.headers.set("Access-Control-Allow-Headers", joined(cors["AllowHeaders"]));
  if (cors.contains("MaxAge")) res.headers.set("Access-Control-Max-Age", std::to_string(cors["MaxAge"].get<int>()));
}

}  // namespace

Value FunctionUrls::public_config(const Value& config) const {
  Value out = config;
  out.erase("UrlId");
  // The port nuage listens on now (it may have changed since the URL was made).
  auto arn = text::split(config.value("FunctionArn", ""), ':');
  std::string region = arn.size() > 3 ? arn[3] : shared_.env.settings.default_region;
  out["FunctionUrl"] = function_url(config.value("UrlId", ""), region, shared_.env.port());
  return out;
}

FunctionUrls::FunctionUrls(Shared& shared, Permissions& permissions) : shared_(shared), permissions_(permissions) {
  invoke_table_.set_iam_prefix("lambda");
  invoke_table_.set_resource_policies([this](const Context& ctx, const kit::ActionTarget& target) {
    return permissions_.resource_policy(ctx, target);
  });
  invoke_table_.set_condition_keys([](const Context&, const Value& in, policy::Context& keys) {
    keys.set("lambda:FunctionUrlAuthType", in.value("AuthType", ""));
    keys.set("lambda:InvokedViaFunctionUrl", "true");
  });
  invoke_table_
      .add("InvokeFunctionUrl",
           [](Context&, const Value&) -> Result<Output> { return internal_error("authorization only"); })
      .iam_targets([](const Context&, const Value& in) {
        std::string arn = in.at("FunctionArn");
        return std::vector<kit::ActionTarget>{{"lambda:InvokeFunctionUrl", arn}, {"lambda:InvokeFunction", arn}};
      });
}

Result<Output> FunctionUrls::create_config(Context& ctx, const Value& in) {
  auto found = shared_.named_function(ctx, in, true);
  if (!found) return found.take_error();
  const Ref& ref = found->ref;
  NUAGE_TRY(resolve_entry(ref, *found->doc, ref.qualifier));
  if (is_number(ref.qualifier))
    return errors("InvalidParameterValueException", "Function URLs can only be created for $LATEST or an alias");
  Value doc = *found->doc;
  std::string key = qualifier_key(ref);
  if (doc.contains("url_configs") && doc["url_configs"].contains(key))
    return errors("ResourceConflictException", "Failed to create function url config for [functionArn = " +
                                                   function_arn(ref) +
                                                   "]. Error message:  FunctionUrlConfig exists for this Lambda function");
  std::string id = url_id();
  std::string now = lambda_time(shared_.env.clock.now());
  Value config = {{"FunctionArn", function_arn(ref)},
                  {"AuthType", in.at("AuthType")},
                  {"CreationTime", now},
                  {"LastModifiedTime", now},
                  {"InvokeMode", in.value("InvokeMode", "BUFFERED")},
                  {"UrlId", id}};
  if (in.contains("Cors")) config["Cors"] = in["Cors"];
  doc["url_configs"][key] = config;
  NUAGE_TRY(shared_.put_function(ref, std::move(doc)));
  Output out;
  out.value = public_config(config);
  out.value.erase("LastModifiedTime");
  return out;
}

Result<Output> FunctionUrls::get_config(Context& ctx, const Value& in) {
  auto found = shared_.named_function(ctx, in, true);
  if (!found) return found.take_error();
  const Value& configs = found->doc->value("url_configs", Value::object());
  auto it = configs.find(qualifier_key(found->ref));
  if (it == configs.end()) return url_config_not_found();
  Output out;
  out.value = public_config(*it);
  return out;
}

Result<Output> FunctionUrls::update_config(Context& ctx, const Value& in) {
  auto found = shared_.named_function(ctx, in, true);
  if (!found) return found.take_error();
  Value doc = *found->doc;
  std::string key = qualifier_key(found->ref);
  if (!doc.contains("url_configs") || !doc["url_configs"].contains(key)) return url_config_not_found();
  Value& config = doc["url_configs"][key];
  for (const char* m : {"AuthType", "Cors", "InvokeMode"})
    if (in.contains(m)) config[m] = in[m];
  config["LastModifiedTime"] = lambda_time(shared_.env.clock.now());
  Output out;
  out.value = public_config(config);
  NUAGE_TRY(shared_.put_function(found->ref, std::move(doc)));
  return out;
}

Result<Output> FunctionUrls::delete_config(Context& ctx, const Value& in) {
  auto found = shared_.named_function(ctx, in, true);
  if (!found) return found.take_error();
  Value doc = *found->doc;
  std::string key = qualifier_key(found->ref);
  if (!doc.contains("url_configs") || !doc["url_configs"].contains(key)) return url_config_not_found();
  doc["url_configs"].erase(key);
  NUAGE_TRY(shared_.put_function(found->ref, std::move(doc)));
  return Output{};
}

Result<Output> FunctionUrls::list_configs(Context& ctx, const Value& in) {
  auto found = shared_.named_function(ctx, in, false);
  if (!found) return found.take_error();
  size_t start = 0, limit = static_cast<size_t>(in.value("MaxItems", 50));
  if (in.contains("Marker")) {
    std::string marker = in["Marker"];
    if (!is_number(marker)) return errors("InvalidParameterValueException", "Invalid marker: " + marker);
    start = std::stoul(marker);
  }
  Output out;
  out.value["FunctionUrlConfigs"] = Value::array();
  size_t i = 0;
  const Value configs = found->doc->value("url_configs", Value::object());
  for (const auto& [key, config] : configs.items()) {
    if (i++ < start) continue;
    if (out.value["FunctionUrlConfigs"].size() == limit) {
      out.value["NextMarker"] = std::to_string(i - 1);
      break;
    }
    out.value["FunctionUrlConfigs"].push_back(public_config(config));
  }
  return out;
}

void FunctionUrls::register_operations(kit::OperationTable& table) {
  table.add_locked("CreateFunctionUrlConfig", this, shared_.mutex, &FunctionUrls::create_config);
  table.add_locked("GetFunctionUrlConfig", this, shared_.mutex, &FunctionUrls::get_config);
  table.add_locked("UpdateFunctionUrlConfig", this, shared_.mutex, &FunctionUrls::update_config);
  table.add_locked("DeleteFunctionUrlConfig", this, shared_.mutex, &FunctionUrls::delete_config);
  table.add_locked("ListFunctionUrlConfigs", this, shared_.mutex, &FunctionUrls::list_configs);
}

void FunctionUrls::add_doors(std::vector<kit::Door>& doors) {
  doors.push_back({[](const http::Request& request) {
                         if (text::starts_with(request.path(), kPathForm)) return true;
                         std::string host = text::lower(request.headers.get("host"));
                         auto dot = host.find('.');
                         return dot != std::string::npos && host.compare(dot, 12, ".lambda-url.") == 0;
                       },
                       [this](kit::DoorRequest& call) { return serve(call); }});
}

http::Response FunctionUrls::serve(kit::DoorRequest& call) {
  http::Request& request = call.http;
  if (request.body.size() > kMaxPayloadBytes) return url_message(413, "Request Entity Too Large");
  std::string_view raw_path = request.path();
  std::string host = text::lower(request.headers.get("host"));
  std::string id, path;
  if (text::starts_with(raw_path, kPathForm)) {
    std::string_view rest = raw_path.substr(kPathForm.size());
    auto slash = rest.find('/');
    id = std::string(rest.substr(0, slash));
    path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  } else {
    id = host.substr(0, host.find('.'));
    path = raw_path.empty() ? "/" : std::string(raw_path);
  }
  Ref ref;
  Value config;
  {
    std::lock_guard lock(shared_.mutex);
    shared_.store->for_each(kFunction, [&](const storage::Scope& scope, const std::string& name, const Value& doc) {
      const Value configs = doc.value("url_configs", Value::object());
      for (const auto& [key, c] : configs.items())
        if (c.value("UrlId", "") == id) {
          ref = Ref{scope.account, scope.region, name, key};
          config = c;
        }
    });
  }
  if (config.is_null()) return url_message(404, "Not Found");
  const Value cors = config.value("Cors", Value());
  std::string origin = request.headers.get("origin");
  if (request.method == "OPTIONS" && cors.is_object() && request.headers.contains("access-control-request-method")) {
    http::Response res;
    add_cors(cors, origin, res, true);
    return res;
  }

  Context& ctx = call.ctx;
  ctx.service = "lambda";
  ctx.operation = "InvokeFunctionUrl";
  ctx.region = ref.region;
  std::string auth_type = config.value("AuthType", "NONE");
  if (auth_type == "NONE") {
    // Whatever the request carries, a NONE URL's caller is the public.
    ctx.anonymous = true;
    ctx.caller = auth::Credential{};
    ctx.account_id = ref.account;
  } else if (ctx.anonymous) {
    return url_message(403, "Forbidden");
  }
  std::string arn = config.value("FunctionArn", function_arn(ref));
  Status allowed = call.authorize(ctx, invoke_table_, Value{{"FunctionArn", arn}, {"AuthType", auth_type}});
  if (!allowed.ok()) return url_message(403, "Forbidden");

  HttpEventContext context;
  context.account_id = auth_type == "NONE" ? "anonymous" : ctx.caller.account_id;
  context.api_id = id;
  context.domain_name = text::starts_with(raw_path, kPathForm) ? id + ".lambda-url." + ref.region + ".localhost" : host;
  context.domain_prefix = id;
  context.request_id = ctx.request_id;
  context.path = path;
  context.time = shared_.env.clock.now();
  if (auth_type == "AWS_IAM")
    context.authorizer = {{"iam",
                           {{"accessKey", ctx.caller.access_key},
                            {"accountId", ctx.caller.account_id},
                            {"callerId", ctx.caller.user_id},
                            {"cognitoIdentity", nullptr},
                            {"principalOrgId", nullptr},
                            {"userArn", ctx.caller.arn},
                            {"userId", ctx.caller.user_id}}}};
  Value event = http_event_v2(request, context);
  // The function runs on its own account's authority: the URL's
  // authorization above is the caller's.
  auth::Credential owner;
  owner.type = auth::PrincipalType::kRoot;
  owner.account_id = ref.account;
  owner.arn = "arn:aws:iam::" + ref.account + ":root";
  owner.user_id = ref.account;
  auto out = shared_.env.call("lambda", "Invoke", {{"FunctionName", arn}, {"Payload", kit::make_blob(event.dump())}},
                              owner, ref.region);
  http::Response res;
  if (!out) {
    spdlog::info("lambda: function URL {} -> {}: {} {}", id, arn, out.error().code, out.error().message);
    res = out.error().code == "TooManyRequestsException" ? url_message(429, "Rate Exceeded.")
                                                         : url_message(502, "Internal Server Error");
  } else if (out->value.contains("FunctionError") ||
             !http_response_from(out->stream_bytes.value_or(""), true, res)) {
    res = url_message(502, "Internal Server Error");
  }
  res.headers.set("x-amzn-RequestId", ctx.request_id);
  add_cors(cors, origin, res, false);
  return res;
}

}  // namespace nuage::services::lambda
