// AWS Lambda (rest-json): functions, versions, aliases, tags, concurrency,
// resource policies, layers, and invocation through real execution
// environments (src/runtime) speaking the Lambda Runtime API.
//
// The provider only wires the feature groups, one file each:
//   resources   the documents (resource store, service "lambda") and names
//   functions   CreateFunction ... GetAccountSettings, concurrency
//   versions    PublishVersion, ListVersionsByFunction, aliases
//   layers      layer versions
//   permissions function and layer version policies
//   code        packages, extraction, layer merging, the code download route
//   roles       execution role credentials
//   invoke      Invoke / InvokeAsync, the Event queue, logs and metrics
//   function_urls  function URL configurations and the URLs themselves
//   event_invoke_configs   asynchronous invocation settings and destinations
//   event_source_mappings  SQS and DynamoDB stream event source mappings;
//               pollers their threads (SQS batches), stream_poller stream batches
// Tags go through kit::add_tagging (TagResource, UntagResource, ListTags).
//
// Thread-safety: handlers run concurrently; the documents are guarded by
// one mutex (Shared::mutex), never held while calling another service or
// while an invocation runs; the credential cache, the event queue and the
// pool have their own locks.
#pragma once

#include <memory>

#include "kit/environment.h"
#include "kit/front_door.h"
#include "kit/provider.h"
#include "kit/stoppable.h"
#include "services/lambda/code.h"
#include "services/lambda/event_invoke_configs.h"
#include "services/lambda/event_source_mappings.h"
#include "services/lambda/function_urls.h"
#include "services/lambda/functions.h"
#include "services/lambda/invoke.h"
#include "services/lambda/layers.h"
#include "services/lambda/permissions.h"
#include "services/lambda/resources.h"
#include "services/lambda/roles.h"
#include "services/lambda/versions.h"

namespace nuage::services::lambda {

class Provider : public kit::Provider, public kit::FrontDoors, public kit::Stoppable {
 public:
  explicit Provider(kit::Environment& env, Options options = {});
  std::string_view service() const override { return "lambda"; }
  void register_operations(kit::OperationTable& table) override;
  Status open() override;
  // The event source mappings' pollers stop (and are joined at close).
  void stopping() override;
  void close() override;
  void reset() override;
  // GET /_nuage/lambda/code/<blob>?token=<t>: the code download location
  // GetFunction and GetLayerVersion answer.
  void register_routes(kit::Routes& routes) override;
  // Function URLs (function_urls.h).
  void add_doors(std::vector<kit::Door>& doors) override;
  // lambda_sandbox: "bubblewrap" or "process".
  void add_health(kit::Value& health) const override;

 private:
  // Declared in the order they are built; destroyed in reverse (the invoker,
  // whose workers read the store, goes before it).
  Shared shared_;
  Code code_;
  Roles roles_;
  Layers layers_;
  Permissions permissions_;
  Invoker invoker_;
  Functions functions_;
  Versions versions_;
  FunctionUrls urls_;
  EventInvokeConfigs event_invoke_configs_;
  Pollers pollers_;  // run the invoker: destroyed before it
  EventSourceMappings event_source_mappings_;
};

}  // namespace nuage::services::lambda
