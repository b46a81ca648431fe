// What a provider implements when it serves HTTP front doors of its own on
// nuage's port beside the AWS APIs: API Gateway's execute-api hosts, Lambda
// function URLs. The gateway asks every door of every provider that
// implements it, before any AWS API routing, whether it takes a request;
// the door then gets the request with its caller found as for an API call —
// ctx.caller from a valid SigV4 signature (any service's), or ctx.anonymous
// when it carries none — and the gateway's IAM authorizer to judge it with.
//
// Thread-safety: doors are registered before serving; matches() and
// handle() are called concurrently.
#pragma once

#include <functional>
#include <vector>

#include "http/message.h"
#include "kit/provider.h"

namespace nuage::kit {

// Decides whether ctx's caller may do what `table` declares for
// ctx.operation (the gateway's authorizer; allows everything when nuage
// has none).
using Authorize = std::function<Status(const RequestContext& ctx, const OperationTable& table, const Value& input)>;

struct DoorRequest {
  http::Request& http;
  RequestContext& ctx;
  const Authorize& authorize;
};

struct Door {
  // Asked of every request: looks at the host or a /_nuage/ path only, quickly.
  std::function<bool(const http::Request&)> matches;
  std::function<http::Response(DoorRequest&)> handle;
  // False: the door does not care who calls (API Gateway routes without
  // IAM authorization): signatures are not checked, the caller is anonymous.
  bool identifies_caller = true;
};

class FrontDoors {
 public:
  virtual ~FrontDoors() = default;
  virtual void add_doors(std::vector<Door>& doors) = 0;
};

}  // namespace nuage::kit
