// The regions EC2 lists and the availability zones of the caller's region.
#include "services/ec2/catalog.h"
#include "services/ec2/provider.h"

namespace nuage::services::ec2 {

using kit::Output;

Result<Output> Provider::describe_regions(Context&, const Value& in) {
  static const char* kRegions[] = {"us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1",
                                   "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1",
                                   "eu-south-1", "ap-south-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
                                   "ap-southeast-1", "ap-southeast-2", "sa-east-1", "af-south-1", "me-south-1"};
  static const FilterFields fields = {
      {"region-name", {"RegionName"}}, {"endpoint", {"Endpoint"}}, {"opt-in-status", {"OptInStatus"}}};
  const Value& filters = filters_of(in);
  NUAGE_TRY(check_filters(filters, fields));
  std::set<std::string> wanted;
  for (const auto& n : in.value("RegionNames", Value::array())) wanted.insert(n);
  Output out;
  out.value["Regions"] = Value::array();
  for (const char* r : kRegions) {
    std::string name = r;
    bool opt_in = name == "eu-south-1" || name == "af-south-1" || name == "me-south-1" || name == "ap-northeast-3";
    Value region = {{"RegionName", name},
                    {"Endpoint", "ec2." + name + ".amazonaws.com"},
                    {"OptInStatus", opt_in ? "opted-in" : "opt-in-not-required"}};
    if (!wanted.empty() && !wanted.count(name)) continue;
    if (matches(region, filters, fields)) out.value["Regions"].push_back(region);
  }
  for (const auto& w : wanted) {
    bool known = false;
    for (const char* r : kRegions) known |= w == r;
    if (!known) return errors("InvalidParameterValue", "Invalid region: " + w);
  }
  return out;
}

Result<Output> Provider::describe_availability_zones(Context& ctx, const Value& in) {
  static const FilterFields fields = {
      {"zone-name", {"ZoneName"}}, {"zone-id", {"ZoneId"}}, {"state", {"State"}}, {"region-name", {"RegionName"}},
      {"zone-type", {"ZoneType"}}, {"group-name", {"GroupName"}}, {"opt-in-status", {"OptInStatus"}}};
  const Value& filters = filters_of(in);
  NUAGE_TRY(check_filters(filters, fields));
  std::set<std::string> wanted;
  for (const auto& n : in.value("ZoneNames", Value::array())) wanted.insert(n);
  Output out;
  out.value["AvailabilityZones"] = Value::array();
  for (const Zone& az : availability_zones(ctx.region)) {
    const std::string& name = az.name;
    Value zone = {{"ZoneName", name},
                  {"ZoneId", az.id},
                  {"State", "available"},
                  {"RegionName", ctx.region},
                  {"ZoneType", "availability-zone"},
                  {"GroupName", ctx.region},
                  {"NetworkBorderGroup", ctx.region},
                  {"OptInStatus", "opt-in-not-required"},
                  {"Messages", Value::array()}};
    if (!wanted.empty() && !wanted.count(name)) continue;
    if (matches(zone, filters, fields)) out.value["AvailabilityZones"].push_back(zone);
  }
  return out;
}

}  // namespace nuage::services::ec2
