#include "services/sts/provider.h"

namespace nuage::services::sts {

using gateway::Output;
using gateway::RequestContext;
using gateway::Value;

static Result<Output> get_caller_identity(RequestContext& ctx, const Value&) {
  Output out;
  out.value = {{"UserId", ctx.caller.user_id}, {"Account", ctx.caller.account_id}, {"Arn", ctx.caller.arn}};
  return out;
}

void Provider::register_operations(gateway::OperationTable& table) {
  table.add("GetCallerIdentity", get_caller_identity);
}

}  // namespace nuage::services::sts
