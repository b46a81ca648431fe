// Lambda function URLs: Create/Get/Update/Delete/ListFunctionUrlConfig(s),
// and the URLs themselves served on nuage's port —
// http://<url-id>.lambda-url.<region>.localhost:<port>/ (any Host
// "<url-id>.lambda-url.*"), or /_nuage/lambda-url/<url-id>/... for clients
// that cannot set Host.
//
// A request is authorized as AWS does since October 2025: lambda:InvokeFunctionUrl
// and lambda:InvokeFunction on the function, with lambda:FunctionUrlAuthType
// and lambda:InvokedViaFunctionUrl in the request's condition keys. AuthType
// NONE: the caller is anonymous, so only the function's resource policy can
// allow it (Principal "*"); AWS_IAM: the request must carry a valid SigV4
// signature (service "lambda"), and the caller's policies and the resource
// policy decide as for any call. Refusals answer 403 {"Message":"Forbidden"}.
// The function then runs through Lambda's Invoke (as the function's account)
// with a payload 2.0 event (http_events.h); Cors is applied to the answer and
// preflight OPTIONS requests are answered without running the function.
//
// State: the configurations live in the function's document
// ("url_configs": qualifier or "" -> the config, with its "UrlId").
//
// Thread-safety: handlers run under Shared::mutex; a URL request reads under
// it and invokes without it.
#pragma once

#include "kit/front_door.h"
#include "kit/provider.h"
#include "services/lambda/permissions.h"
#include "services/lambda/resources.h"

namespace nuage::services::lambda {

class FunctionUrls {
 public:
  FunctionUrls(Shared& shared, Permissions& permissions);
  void register_operations(kit::OperationTable& table);
  void add_doors(std::vector<kit::Door>& doors);

 private:
  Result<Output> create_config(Context& ctx, const Value& in);
  Result<Output> get_config(Context& ctx, const Value& in);
  Result<Output> update_config(Context& ctx, const Value& in);
  Result<Output> delete_config(Context& ctx, const Value& in);
  Result<Output> list_configs(Context& ctx, const Value& in);
  http::Response serve(kit::DoorRequest& call);
  // The output members of a stored configuration.
  Value public_config(const Value& config) const;

  Shared& shared_;
  Permissions& permissions_;
  // What a URL request is authorized against (its one entry, InvokeFunctionUrl).
  kit::OperationTable invoke_table_;
};

}  // namespace nuage::services::lambda
