#include "services/iam/request_keys.h"

#include <vector>

#include "model/model.h"

namespace nuage::services::iam {

using kit::Value;

namespace {

std::string s(const Value& in, const char* key) {
  return in.is_object() && in.contains(key) && in[key].is_string() ? in[key].get<std::string>() : "";
}

}  // namespace

void add_request_tag_keys(const Value& in, nuage::policy::Context& context) {
  if (!in.is_object()) return;
  // Tags in the request: a list of {Key, Value} (query/json services), a map
  // (Lambda, logs), or EC2's TagSpecifications.
  std::vector<std::string> keys;
  auto tag_list = [&](const Value& tags) {
    if (tags.is_array()) {
      for (const auto& t : tags) {
        std::string k = s(t, "Key");
        if (k.empty()) continue;
        context.set("aws:RequestTag/" + k, s(t, "Value"));
        keys.push_back(k);
      }
    } else if (tags.is_object()) {
      for (const auto& [k, v] : tags.items()) {
        context.set("aws:RequestTag/" + k, v.is_string() ? v.get<std::string>() : v.dump());
        keys.push_back(k);
      }
    }
  };
  for (const char* member : {"Tags", "tags"})
    if (in.contains(member)) tag_list(in[member]);
  if (in.contains("TagSpecifications"))
    for (const auto& spec : in["TagSpecifications"])
      if (spec.contains("Tags")) tag_list(spec["Tags"]);
  if (in.contains("TagKeys") && in["TagKeys"].is_array())
    for (const auto& k : in["TagKeys"])
      if (k.is_string()) keys.push_back(k);
  if (!keys.empty()) context.set_multi("aws:TagKeys", keys);
}

std::string access_denied_code(const std::string& service) {
  if (service == "ec2") return "UnauthorizedOperation";
  const model::Service* svc = model::find_service(service);
  if (svc && (svc->protocol == "json" || svc->protocol == "rest-json")) return "AccessDeniedException";
  return "AccessDenied";
}

bool terse_outsider_denials(const std::string& service) { return service == "s3"; }

}  // namespace nuage::services::iam

