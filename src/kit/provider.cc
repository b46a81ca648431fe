#include "kit/provider.h"

namespace nuage::kit {

Authorization OperationTable::authorization(const std::string& operation, const RequestContext& ctx,
                                            const Value& input) const {
  Authorization out;
  const Entry* e = find(operation);
  if (!e) return out;
  if (e->decided_elsewhere) {
    out.decided_elsewhere = true;
    return out;
  }
  if (e->targets) {
    out.targets = e->targets(ctx, input);
    return out;
  }
  if (!e->resources && default_targets_) {
    out.targets = default_targets_(ctx, input);
    return out;
  }
  std::string action = (iam_prefix_.empty() ? ctx.service : iam_prefix_) + ":" + (e->action.empty() ? operation : e->action);
  const Resources& resources = e->resources ? e->resources : default_resources_;
  std::vector<std::string> arns = resources ? resources(ctx, input) : std::vector<std::string>{};
  if (arns.empty()) arns.push_back("*");
  for (auto& arn : arns) out.targets.push_back({action, std::move(arn)});
  return out;
}

}  // namespace nuage::kit
