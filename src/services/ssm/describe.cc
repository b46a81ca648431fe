// DescribeParameters: the metadata of the newest version of each parameter
// the filters select, in name order, paged.
#include "common/time.h"
#include "services/ssm/errors.h"
#include "services/ssm/parameter_filters.h"
#include "services/ssm/provider.h"

namespace nuage::services::ssm {

using kit::Output;
using kit::Value;

Result<Output> Provider::describe_parameters(Context& ctx, const Value& in) {
  bool legacy = in.contains("Filters") && !in["Filters"].empty();
  if (legacy && in.contains("ParameterFilters") && !in["ParameterFilters"].empty())
    return errors("ValidationException", "You can use either Filters or ParameterFilters in a single request.");
  auto filters = legacy ? parameter_filters::parse_legacy(in["Filters"])
                        : parameter_filters::parse(in.value("ParameterFilters", Value::array()),
                                                   parameter_filters::Use::kDescribe);
  if (!filters) return filters.error();
  size_t limit = in.value("MaxResults", 10);
  storage::Scope scope = scope_of(ctx);
  Output out;
  out.value["Parameters"] = Value::array();
  // Parameters shared by other accounts (Shared): nuage has no Resource
  // Access Manager, so none ever are.
  if (in.value("Shared", false)) return out;
  auto all = store_->all(scope, kParameter);
  auto it = all.begin();
  if (in.contains("NextToken")) {
    auto after = storage::ResourceStore::from_page_token(in["NextToken"]);
    if (!after) return errors("InvalidNextToken", "The specified token isn't valid.");
    it = all.after(*after);
  }
  std::string last;
  for (; it != all.end(); ++it) {
    const Value& doc = (*it).second;
    if (!parameter_filters::select(*filters, doc)) continue;
    if (out.value["Parameters"].size() == limit) {
      out.value["NextToken"] = storage::ResourceStore::page_token(last);
      break;
    }
    last = (*it).first;
    Value meta = {{"Name", doc["Name"]},
                  {"ARN", parameter_arn(scope, doc["Name"])},
                  {"Type", doc["Type"]},
                  {"LastModifiedDate", doc["LastModifiedDate"]},
                  {"Version", doc["Version"]},
                  {"Tier", doc.value("Tier", "Standard")},
                  {"DataType", doc.value("DataType", "text")},
                  {"Policies", doc.value("Policies", Value::array())}};
    for (const char* member : {"KeyId", "LastModifiedUser", "Description", "AllowedPattern"})
      if (doc.contains(member)) meta[member] = doc[member];
    out.value["Parameters"].push_back(std::move(meta));
  }
  return out;
}

}  // namespace nuage::services::ssm
