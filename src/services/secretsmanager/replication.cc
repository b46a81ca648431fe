// Replication, recorded: the regions a secret is replicated to and their
// status, as DescribeSecret shows them. The replicas themselves are not
// made (a replica secret in another region is not served).
#include <set>

#include "services/secretsmanager/internal.h"
#include "services/secretsmanager/provider.h"

namespace nuage::services::secretsmanager {

using namespace detail;
using kit::Output;
using kit::Value;

Result<Value> Provider::replicas(const Context& ctx, const Value& regions, const Value& current) {
  Value out = current;
  std::set<std::string> seen;
  for (const auto& r : current) seen.insert(r.value("Region", ""));
  for (const auto& r : regions) {
    std::string region = r.value("Region", "");
    if (region.empty()) return invalid_parameter("A replica Region is required.");
    if (region == ctx.region) return invalid_parameter("Invalid replica region: the secret's primary region " + region + ".");
    if (!seen.insert(region).second) continue;
    out.push_back({{"Region", region},
                   {"KmsKeyId", r.value("KmsKeyId", std::string(kDefaultKey))},
                   {"Status", "InSync"},
                   {"StatusMessage", "Replication succeeded"}});
  }
  return out;
}

Result<Output> Provider::replicate_secret_to_regions(Context& ctx, const Value& in) {
  auto found = find_live(ctx, in["SecretId"]);
  if (!found) return found.error();
  auto status = replicas(ctx, in["AddReplicaRegions"], doc(*found).value("ReplicationStatus", Value::array()));
  if (!status) return status.error();
  NUAGE_TRY(change(*found, [&](Value& d) {
    d["ReplicationStatus"] = *status;
    d["PrimaryRegion"] = found->scope.region;
    return Status::Ok();
  }));
  return answer(Value{{"ARN", doc(*found)["ARN"]}, {"ReplicationStatus", *status}});
}

Result<Output> Provider::remove_regions_from_replication(Context& ctx, const Value& in) {
  auto found = find_live(ctx, in["SecretId"]);
  if (!found) return found.error();
  std::set<std::string> removed;
  for (const auto& r : in["RemoveReplicaRegions"]) removed.insert(r.get<std::string>());
  Value kept = Value::array();
  for (const auto& r : doc(*found).value("ReplicationStatus", Value::array()))
    if (!removed.count(r.value("Region", ""))) kept.push_back(r);
  NUAGE_TRY(change(*found, [&](Value& d) {
    if (kept.empty()) d.erase("ReplicationStatus");
    else d["ReplicationStatus"] = kept;
    return Status::Ok();
  }));
  return answer(Value{{"ARN", doc(*found)["ARN"]}, {"ReplicationStatus", kept}});
}

}  // namespace nuage::services::secretsmanager
