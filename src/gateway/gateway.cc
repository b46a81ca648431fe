#include "gateway/gateway.h"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <set>

#include "auth/sigv4.h"
#include "common/crypto.h"
#include "common/text.h"
#include "kit/stoppable.h"
#include "protocol/validate.h"
#include "protocol/values.h"
#include "model/model.h"

namespace nuage::gateway {

namespace {

// SigV4 signing names that differ from the model name.
std::string model_for_signing_name(const std::string& signing_name) {
  if (signing_name == "monitoring") return "cloudwatch";
  if (signing_name == "elasticfilesystem") return "efs";
  return signing_name;
}

// X-Amz-Target prefixes of the json services, for requests that carry no
// credential scope (the scope names the service on every signed request).
std::string model_for_target_prefix(std::string_view prefix) {
  static const std::pair<std::string_view, std::string_view> kPrefixes[] = {
      {"AWSEvents", "events"},       {"Logs_20140328", "logs"},
      {"AmazonSSM", "ssm"},          {"secretsmanager", "secretsmanager"},
      {"StarlingDoveService", "config"}, {"AmazonEC2ContainerServiceV20141113", "ecs"},
      {"DynamoDB_20120810", "dynamodb"}, {"AWSInsightsIndexService", "ce"},
      {"GraniteServiceVersion20100801", "cloudwatch"}, {"AmazonSQS", "sqs"},
      {"TrentService", "kms"},       {"DynamoDBStreams_20120810", "dynamodbstreams"},
  };
  for (const auto& [p, model] : kPrefixes)
    if (p == prefix) return std::string(model);
  return "";
}

bool is_s3(const std::string& service) { return service == "s3"; }

}  // namespace

// The service named in the credential scope (AK/date/region/SERVICE/aws4_request),
// read leniently so that a request whose signature is malformed still gets
// its error in the right service's format.
std::string scope_service_hint(const http::Request& request) {
  std::string credential;
  if (const std::string* auth = request.headers.find("authorization")) {
    auto pos = auth->find("Credential=");
    if (pos != std::string::npos) credential = auth->substr(pos + 11, auth->find_first_of(", ", pos) - pos - 11);
  } else {
    auto pairs = text::parse_query(request.query(), false);
    if (pairs)
      for (const auto& [k, v] : *pairs)
        if (k == "X-Amz-Credential") credential = v;
  }
  auto parts = text::split(credential, '/');
  return parts.size() >= 5 ? parts[parts.size() - 2] : "";
}

namespace {

// "bucket" when Host is "<bucket>.<base>[:port]" for one of the S3 bases.
std::string virtual_host_bucket(const http::Request& request, const std::vector<std::string>& bases) {
  std::string host = text::lower(request.headers.get("host"));
  if (auto colon = host.rfind(':'); colon != std::string::npos && host.find(']') == std::string::npos)
    host = host.substr(0, colon);
  for (const auto& base : bases) {
    std::string suffix = "." + base;
    if (host.size() > suffix.size() && text::ends_with(host, suffix)) {
      std::string bucket = host.substr(0, host.size() - suffix.size());
      if (bucket != "s3") return bucket;
    }
  }
  return "";
}

}  // namespace

namespace {
bool is_form(const http::Request& request) {
  return text::lower(request.headers.get("content-type")).find("x-www-form-urlencoded") != std::string::npos;
}
}  // namespace

const protocol::Protocol* choose_protocol(const model::Service& svc, const http::Request& request) {
  // Clients older than the service's move to json still send query forms.
  if (svc.query_dialect && !request.headers.contains("x-amz-target") && is_form(request))
    return protocol::find_protocol("query");
  if (svc.protocols.size() > 1) {
    if (text::lower(request.headers.get("smithy-protocol")) == "rpc-v2-cbor" && svc.speaks("smithy-rpc-v2-cbor"))
      return protocol::find_protocol("smithy-rpc-v2-cbor");
    if (request.headers.contains("x-amz-target") && svc.speaks("json")) return protocol::find_protocol("json");
    if (is_form(request) && svc.speaks("query")) return protocol::find_protocol("query");
  }
  for (const auto& p : svc.protocols) {
    // rpc-v2-cbor is only ever chosen by its header (above).
    if (p == "smithy-rpc-v2-cbor" && svc.protocols.size() > 1) continue;
    if (const auto* proto = protocol::find_protocol(p)) return proto;
  }
  return nullptr;
}

namespace {
// Older SDKs (the Java SDK v1's QueueUrlHandler) post a query form to the
// queue's own URL and leave the QueueUrl member out: the path gives it back.
// Called after the signature was checked (the client signed what it sent).
void address_by_path(const model::Operation& op, http::Request& request) {
  std::string_view path = request.path();
  if (path.size() < 2 || !op.input.shape || !op.input.shape->find_member("QueueUrl")) return;
  if (request.query().find("QueueUrl=") != std::string_view::npos) return;
  if (!request.body.in_file() && request.body.memory().find("QueueUrl=") != std::string::npos) return;
  std::string host = request.headers.get("host");
  std::string url = "http://" + (host.empty() ? std::string("localhost") : host) + std::string(path);
  request.target += (request.target.find('?') == std::string::npos ? "?" : "&") +
                    std::string("QueueUrl=") + text::uri_encode(url);
}
}  // namespace

const model::Service& wire_model(const model::Service& svc, const protocol::Protocol& proto) {
  return svc.query_dialect && proto.name() == "query" ? *svc.query_dialect : svc;
}

std::string detect_service(const http::Request& request, const std::string& scope_service) {
  // API Gateway's REST APIs (v1) and HTTP APIs (v2) share a signing name;
  // every v2 path starts with /v2/.
  if (scope_service == "apigateway" && text::starts_with(request.path(), "/v2/")) return "apigatewayv2";
  // DynamoDB Streams signs as "dynamodb"; its target prefix tells it apart.
  if (scope_service == "dynamodb")
    if (const std::string* target = request.headers.find("x-amz-target");
        target && text::starts_with(*target, "DynamoDBStreams_20120810."))
      return "dynamodbstreams";
  if (!scope_service.empty()) return model_for_signing_name(scope_service);
  if (const std::string* target = request.headers.find("x-amz-target")) {
    auto dot = target->rfind('.');
    std::string model = model_for_target_prefix(std::string_view(*target).substr(0, dot));
    if (!model.empty()) return model;
  }
  // Unsigned query-protocol calls (sts:AssumeRoleWithWebIdentity and the
  // like) name only their Action: the service is the query service whose
  // operation of that name may be called unsigned.
  if (is_form(request) && !request.body.in_file()) {
    if (auto pairs = text::parse_query(request.body.memory(), true))
      for (const auto& [k, v] : *pairs)
        if (k == "Action")
          for (const auto& name : model::service_names())
            if (const model::Service* svc = model::find_service(name); svc && svc->speaks("query"))
              if (const model::Operation* op = svc->find_operation(v); op && op->unsigned_allowed) return name;
  }
  // Lambda's paths start with a dated version and a collection
  // ("/2015-03-31/functions"): the pairs its model routes.
  static const std::set<std::string, std::less<>> kLambdaPrefixes = [] {
    std::set<std::string, std::less<>> prefixes;
    if (const model::Service* lambda = model::find_service("lambda"))
      for (const auto& [name, op] : lambda->operations) {
        std::string_view uri = op.request_uri;
        uri = uri.substr(0, uri.find('?'));
        size_t second = uri.find('/', 1);
        if (second == std::string_view::npos) continue;
        size_t third = uri.find('/', second + 1);
        prefixes.emplace(uri.substr(0, third));
      }
    return prefixes;
  }();
  std::string_view path = request.path();
  size_t second = path.find('/', 1);
  if (second != std::string_view::npos &&
      kLambdaPrefixes.count(path.substr(0, path.find('/', second + 1))) > 0)
    return "lambda";
  // Unsigned requests with nothing else to go by are S3's (presigned URLs
  // carry a scope; anonymous GETs do not).
  return "s3";
}

Gateway::Gateway(GatewayOptions options, auth::CredentialStore& credentials, const Clock& clock)
    : options_(std::move(options)), credentials_(credentials), clock_(clock) {}

void Gateway::add_provider(std::unique_ptr<kit::Provider> provider) {
  std::string name(provider->service());
  ServiceEntry& entry = services_[name];
  entry.provider = std::move(provider);
  entry.provider->register_operations(entry.table);
  if (auto* doors = dynamic_cast<kit::FrontDoors*>(entry.provider.get())) doors->add_doors(doors_);
  order_.push_back(entry.provider.get());
}

Status Gateway::open_providers() {
  for (kit::Provider* p : order_) {
    Status s = p->open();
    if (!s.ok()) return AwsError{s.error().code, std::string(p->service()) + ": " + s.error().message, s.error().status};
  }
  return Status::Ok();
}

void Gateway::close_providers() {
  for (auto it = order_.rbegin(); it != order_.rend(); ++it) (*it)->close();
}

void Gateway::stopping_providers() {
  for (kit::Provider* p : order_)
    if (auto* stoppable = dynamic_cast<kit::Stoppable*>(p)) stoppable->stopping();
}

kit::Routes Gateway::provider_routes() const {
  kit::Routes routes;
  for (kit::Provider* p : order_) p->register_routes(routes);
  return routes;
}

void Gateway::add_provider_health(Value& health) const {
  for (kit::Provider* p : order_) p->add_health(health);
}

std::vector<Gateway::Coverage> Gateway::coverage() const {
  std::vector<Coverage> out;
  for (const auto& name : model::service_names()) {
    Coverage c;
    c.service = name;
    auto it = services_.find(name);
    if (it != services_.end())
      for (const auto& [op, entry] : it->second.table.all()) c.implemented.push_back(op);
    c.total = model::operation_count(name);
    out.push_back(std::move(c));
  }
  return out;
}

void Gateway::reset_all() {
  for (auto& [name, entry] : services_) entry.provider->reset();
}

Result<Output> Gateway::call(const std::string& service, const std::string& operation, const Value& input,
                             const auth::Credential& caller, const std::string& region) {
  const model::Service* svc = model::find_service(service);
  const model::Operation* op = svc ? svc->find_operation(operation) : nullptr;
  auto entry = services_.find(service);
  const kit::OperationTable::Entry* handler =
      entry == services_.end() ? nullptr : entry->second.table.find(operation);
  if (!op || !handler) return not_implemented(service, operation);
  if (op->input.shape) NUAGE_TRY(protocol::validate_input(*svc, *op->input.shape, input, "json"));
  RequestContext ctx;
  ctx.request_id = crypto::random_uuid();
  ctx.service = service;
  ctx.operation = operation;
  ctx.region = region.empty() ? options_.default_region : region;
  ctx.account_id = caller.account_id;
  ctx.caller = caller;
  ctx.clock = &clock_;
  ctx.internal = true;
  if (authorizer_) NUAGE_TRY(authorizer_(ctx, entry->second.table, input));
  auto output = handler->handler(ctx, input);
  // Callers read the value: no placeholders.
  if (output && !output->shared.empty()) {
    output->value = output->materialized();
    output->shared.clear();
  }
  return output;
}

http::Response Gateway::handle(http::Request& request) {
  for (const auto& door : doors_)
    if (door.matches(request)) {
      std::string request_id = crypto::random_uuid();
      try {
        return serve_door(door, request, request_id);
      } catch (const std::exception& e) {
        spdlog::error("request {} {} {} failed: {}", request_id, request.method, request.target, e.what());
      }
      http::Response res;
      res.status = 500;
      res.headers.set("Content-Type", "application/json");
      res.body = R"({"message":"Internal Server Error"})";
      return res;
    }
  std::string_view path = request.path();
  if ((text::starts_with(path, "/_nuage/") || path == "/moto-api/reset" || path == "/moto-api/reset-auth") && admin_)
    return admin_(request);
  std::string request_id = crypto::random_uuid();
  try {
    http::Response res = dispatch(request, request_id);
    if (request.method == "HEAD") {
      // A HEAD answer carries the headers of the GET but never a body.
      if (!res.body.empty() && !res.headers.contains("content-length"))
        res.headers.set("Content-Length", std::to_string(res.body.size()));
      res.body.clear();
    }
    return res;
  } catch (const std::exception& e) {
    spdlog::error("request {} {} {} failed: {}", request_id, request.method, request.target, e.what());
  } catch (...) {
    spdlog::error("request {} {} {} failed: unknown exception", request_id, request.method, request.target);
  }
  return internal_error_response(request, request_id);
}

namespace {
// AWS's words for a failure of its own: the cause goes to the log only.
AwsError opaque_internal_error() {
  return AwsError{"InternalError", "We encountered an internal error. Please try again.", 500};
}
}  // namespace

http::Response Gateway::internal_error_response(const http::Request& request, const std::string& request_id) {
  // In the service's own format when the request says which service it is for.
  try {
    const model::Service* svc = model::find_service(detect_service(request, scope_service_hint(request)));
    if (const protocol::Protocol* proto = svc ? choose_protocol(*svc, request) : nullptr)
      return proto->serialize_error(wire_model(*svc, *proto), opaque_internal_error(), request_id);
  } catch (...) {
  }
  http::Response res;
  res.status = 500;
  res.headers.set("Content-Type", "application/json");
  res.headers.set("x-amzn-RequestId", request_id);
  res.body = R"({"__type":"InternalError","message":"We encountered an internal error. Please try again."})";
  return res;
}

namespace {
bool info_sigv2(const Result<auth::SignatureInfo>& signature) { return signature.value().sigv2; }
}  // namespace

Status Gateway::verify_caller(const http::Request& request, const auth::SignatureInfo& info, bool s3,
                              RequestContext& ctx, std::optional<auth::ChunkSigning>* chunked) {
  bool strict = credentials_.admit_request();  // counts toward moto's reset-auth allowance
  if (!info.region.empty()) ctx.region = info.region;
  auto cred = credentials_.lookup(info.access_key, strict);
  if (!cred || !cred->active) {
    if (s3)
      return AwsError{"InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", 403,
                      protocol::Value{{"AWSAccessKeyId", info.access_key}}};
    return AwsError{"InvalidClientTokenId", "The security token included in the request is invalid.", 403};
  }
  if (!cred->session_token.empty() && cred->session_token != info.session_token)
    return AwsError{"InvalidClientTokenId", "The security token included in the request is invalid.", 403};
  if (cred->expiration && clock_.now() >= *cred->expiration)
    return AwsError{"ExpiredToken", "The security token included in the request is expired", 403};
  auth::VerifyOptions vo;
  vo.s3 = s3;
  vo.check_signature = cred->verifiable;  // an unknown key: nuage has no secret to check it with
  NUAGE_TRY(auth::verify(request, info, cred->secret_key, vo));
  ctx.caller = *cred;
  ctx.account_id = cred->account_id;
  if (chunked && text::starts_with(info.payload_hash, "STREAMING-")) {
    auth::ChunkSigning cs;
    cs.signed_chunks = cred->verifiable && info.payload_hash != auth::kStreamingUnsignedTrailer;
    cs.signing_key = auth::signing_key(cred->secret_key, info.date, info.region, info.service);
    cs.amz_date = info.amz_date;
    cs.scope = info.scope();
    cs.seed_signature = info.signature;
    *chunked = std::move(cs);
  }
  return Status::Ok();
}

http::Response Gateway::serve_door(const kit::Door& door, http::Request& request,
                                       const std::string& request_id) {
  RequestContext ctx;
  ctx.request_id = request_id;
  ctx.region = options_.default_region;
  ctx.source_ip = request.remote_address;
  ctx.secure_transport = request.secure;
  ctx.clock = &clock_;
  // A front door answers its own errors as plain JSON, as AWS's do.
  auto refuse = [&](const AwsError& e) {
    http::Response res;
    res.status = e.status;
    res.headers.set("Content-Type", "application/json");
    res.headers.set("x-amzn-RequestId", request_id);
    res.body = protocol::Value{{"message", e.message}}.dump();
    return res;
  };
  if (!door.identifies_caller || scope_service_hint(request).empty()) {
    ctx.anonymous = true;
    ctx.account_id = credentials_.default_account();
  } else {
    auto signature = auth::parse_signature(request, false);
    if (!signature) return refuse(AwsError{"MissingAuthenticationToken", "Forbidden", 403});
    if (!signature->ok()) return refuse(signature->error());
    Status verified = verify_caller(request, signature->value(), false, ctx, nullptr);
    if (!verified.ok()) return refuse(verified.error());
  }
  static const kit::Authorize kAllowAll = [](const RequestContext&, const kit::OperationTable&, const Value&) {
    return Status::Ok();
  };
  kit::DoorRequest call{request, ctx, authorizer_ ? authorizer_ : kAllowAll};
  return door.handle(call);
}

http::Response Gateway::dispatch(http::Request& request, const std::string& request_id) {
  // 1. Signature information (names the service through its scope).
  std::string service_name = detect_service(request, scope_service_hint(request));
  auto signature = auth::parse_signature(request, is_s3(service_name));

  const model::Service* svc = model::find_service(service_name);
  const protocol::Protocol* proto = svc ? choose_protocol(*svc, request) : nullptr;
  if (!svc || !proto) {
    http::Response res;
    res.status = 501;
    res.headers.set("Content-Type", "application/json");
    res.headers.set("x-amzn-RequestId", request_id);
    res.body = protocol::Value{{"__type", "NotImplemented"},
                               {"message", "nuage does not serve the service '" + service_name + "'"}}
                   .dump();
    return res;
  }
  // The shapes the wire is read and written with (a query dialect's for a
  // query form to a service that moved to json).
  const model::Service& wire = wire_model(*svc, *proto);
  auto fail = [&](const AwsError& e) {
    if (e.status >= 500 && e.code == "InternalError") {
      // Causes name files, SQL and libraries: the log has them, the client a request id.
      spdlog::error("{} {}: {}", request_id, service_name, e.message);
      return proto->serialize_error(wire, opaque_internal_error(), request_id);
    }
    return proto->serialize_error(wire, e, request_id);
  };

  // 2. S3 virtual-hosted style: the bucket moves from the host into the path.
  // SigV4 signed the path as sent; SigV2 signs "/bucket/key" either way.
  std::string sent_target = request.target;
  if (is_s3(service_name)) {
    std::string bucket = virtual_host_bucket(request, options_.s3_hosts);
    if (!bucket.empty()) request.target = "/" + bucket + std::string(request.target.empty() ? "/" : request.target);
  }

  // 3. Operation.
  auto op = proto->identify(wire, request);
  if (!op) return fail(op.error());

  // 4. Caller.
  RequestContext ctx;
  ctx.request_id = request_id;
  ctx.service = service_name;
  ctx.operation = op.value()->name;
  ctx.region = options_.default_region;
  ctx.source_ip = request.remote_address;
  ctx.secure_transport = request.secure;
  ctx.clock = &clock_;
  std::optional<auth::ChunkSigning> chunked;
  if (signature && !signature->ok()) return fail(signature->error());
  if (signature) {
    if (!info_sigv2(*signature)) std::swap(request.target, sent_target);
    Status verified = verify_caller(request, signature->value(), is_s3(service_name), ctx, &chunked);
    if (!info_sigv2(*signature)) std::swap(request.target, sent_target);
    if (!verified.ok()) return fail(verified.error());
  } else if (op.value()->unsigned_allowed || is_s3(service_name)) {
    credentials_.admit_request();  // counts toward moto's reset-auth allowance
    ctx.anonymous = true;
    ctx.account_id = credentials_.default_account();
  } else {
    credentials_.admit_request();
    return fail(AwsError{"MissingAuthenticationToken", "Request is missing Authentication Token", 403});
  }

  ctx.payload = kit::Payload(&request.body, std::move(chunked));

  // 5. Provider.
  auto entry = services_.find(service_name);
  const kit::OperationTable::Entry* handler =
      entry == services_.end() ? nullptr : entry->second.table.find(ctx.operation);
  if (!handler) return fail(not_implemented(service_name, ctx.operation));

  if (&wire != svc) address_by_path(*op.value(), request);
  auto input = proto->parse(wire, *op.value(), request);
  if (!input) return fail(input.error());
  if (authorizer_) {
    Status allowed = authorizer_(ctx, entry->second.table, *input);
    if (!allowed.ok()) return fail(allowed.error());
  }
  auto output = handler->handler(ctx, *input);
  if (!output) {
    if (output.error().status >= 500 && output.error().code != "InternalError")
      spdlog::error("{} {}.{}: {} {}", request_id, service_name, ctx.operation, output.error().code,
                    output.error().message);
    return fail(output.error());
  }
  return proto->serialize(wire, *op.value(), *output, request_id);
}

}  // namespace nuage::gateway
