// The gateway: from an HTTP request to a provider call and back.
// It finds the service (credential scope, X-Amz-Target, REST path, S3 host),
// the protocol and the operation, authenticates the caller (SigV4 against the
// credential store), parses the input, calls the provider and serializes the
// output or the error. Admin paths (/_nuage/..., /moto-api/reset) go to the
// admin handler. A provider's front doors (kit::FrontDoors: API Gateway's
// execute-api hosts, function URLs) are asked first.
//
// Thread-safety: handle() is called concurrently; providers are registered
// before the server starts and never afterwards.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "auth/credentials.h"
#include "auth/chunked.h"
#include "auth/sigv4.h"
#include "common/clock.h"
#include "http/message.h"
#include "kit/environment.h"
#include "kit/front_door.h"
#include "kit/provider.h"
#include "model/model.h"
#include "protocol/protocol.h"

namespace nuage::gateway {

struct GatewayOptions {
  std::string default_region = "us-east-1";
  std::vector<std::string> s3_hosts = {"s3.localhost", "localhost"};  // virtual-hosted bases
};

using kit::Output;
using kit::RequestContext;
using kit::Value;

class Gateway : public kit::ServiceCalls {
 public:
  Gateway(GatewayOptions options, auth::CredentialStore& credentials, const Clock& clock);

  void add_provider(std::unique_ptr<kit::Provider> provider);
  // Opens every provider's state, in the order they were added; the first
  // failure is returned (nuage does not start).
  Status open_providers();
  // Stops what the providers run (database servers), in reverse order of
  // opening, before the database closes.
  void close_providers();
  // Tells the providers that wait for clients that nuage is stopping (kit/stoppable.h).
  void stopping_providers();
  // Decides whether the caller may perform the operation (IAM enforcement),
  // from what the provider's table declares for it. Called after the input is
  // parsed and before the provider runs; a failed Status is answered as the
  // operation's error. Unset: everything is allowed.
  using Authorizer = std::function<Status(const RequestContext& ctx, const kit::OperationTable& table,
                                          const Value& input)>;
  void set_authorizer(Authorizer authorizer) { authorizer_ = std::move(authorizer); }
  // Admin requests (paths under /_nuage/ and /moto-api/) go here.
  void set_admin_handler(http::Handler handler) { admin_ = std::move(handler); }

  http::Response handle(http::Request& request);

  // Calls an operation of another service from inside nuage (an alarm action
  // stopping an instance, a schedule invoking a Lambda function): the same
  // handler, authorization and validation of required members as a request,
  // without HTTP. `caller` is who acts (a role session, or the account root
  // for AWS-managed actions); region and account come from it.
  Result<Output> call(const std::string& service, const std::string& operation, const Value& input,
                      const auth::Credential& caller, const std::string& region) override;

  // Admin routes and health members the providers declare.
  kit::Routes provider_routes() const;
  void add_provider_health(Value& health) const;

  // Per model: implemented operations (from the dispatch tables; no model
  // is parsed for it).
  struct Coverage {
    std::string service;
    std::vector<std::string> implemented;
    size_t total = 0;  // operations in the model
  };
  std::vector<Coverage> coverage() const;
  void reset_all();

 private:
  struct ServiceEntry {
    std::unique_ptr<kit::Provider> provider;
    kit::OperationTable table;
  };

  http::Response dispatch(http::Request& request, const std::string& request_id);
  // Checks a signed request's key, token, expiry and signature (against
  // request.target as it is) and makes its key the caller in `ctx`;
  // `chunked` (optional) receives the chunk signing of a streaming payload.
  Status verify_caller(const http::Request& request, const auth::SignatureInfo& info, bool s3, RequestContext& ctx,
                       std::optional<auth::ChunkSigning>* chunked);
  // A provider's front door: the caller found as for an API call, then the
  // provider's handler.
  http::Response serve_door(const kit::Door& door, http::Request& request,
                                const std::string& request_id);
  // A 500 InternalError in the request's service format, no cause in it.
  static http::Response internal_error_response(const http::Request& request, const std::string& request_id);

  GatewayOptions options_;
  auth::CredentialStore& credentials_;
  const Clock& clock_;
  std::map<std::string, ServiceEntry, std::less<>> services_;
  std::vector<kit::Provider*> order_;  // as added
  std::vector<kit::Door> doors_;
  http::Handler admin_;
  Authorizer authorizer_;
};

// Which service model a request is for, from what it carries (exposed for tests).
// Returns "" when nothing identifies it.
std::string detect_service(const http::Request& request, const std::string& scope_service);

// The service named by the request's SigV4 credential scope, or "".
std::string scope_service_hint(const http::Request& request);

}  // namespace nuage::gateway

namespace nuage::gateway {

// The protocol a request to `service` speaks (a service may speak several).
const protocol::Protocol* choose_protocol(const model::Service& service, const http::Request& request);
// The model whose shapes the wire is read and written with: the service's
// query dialect for the query protocol when it has one, else the service's.
const model::Service& wire_model(const model::Service& service, const protocol::Protocol& proto);

// Oracle hooks for `nuage debug parse|serialize` (tests drive them with
// botocore): what nuage makes of a request, and what it would answer.
// Blobs appear base64-encoded in these JSON documents.
protocol::Value debug_parse(http::Request& request, auth::CredentialStore& credentials);
http::Response debug_serialize(const protocol::Value& spec);

}  // namespace nuage::gateway
