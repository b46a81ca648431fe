#include "services/ssm/parameter_filters.h"

#include <algorithm>
#include <set>

#include "common/text.h"
#include "services/ssm/errors.h"

namespace nuage::services::ssm::parameter_filters {

using kit::Value;

namespace {

bool one_of(const std::string& value, std::initializer_list<const char*> allowed) {
  return std::any_of(allowed.begin(), allowed.end(), [&](const char* a) { return value == a; });
}

std::string listed(std::initializer_list<const char*> names) {
  std::string out;
  for (const char* n : names) out += (out.empty() ? "" : ", ") + std::string(n);
  return "[" + out + "]";
}

Status check_values(const Filter& f, std::initializer_list<const char*> allowed) {
  for (const auto& v : f.values)
    if (!one_of(v, allowed))
      return errors("InvalidFilterValue",
                    "The following filter value is not valid: " + v + ". Valid values include: " + listed(allowed) + ".");
  return Status::Ok();
}

Status check_path(const std::string& path) {
  std::string lowered = text::lower(path);
  if (text::starts_with(lowered, "/aws") || text::starts_with(lowered, "/ssm"))
    return errors("ValidationException",
                  "Filters for common parameters can't be prefixed with \"aws\" or \"ssm\" (case-insensitive). When "
                  "using global parameters, please specify within a global namespace.");
  bool bad = path.empty() || path[0] != '/' || path.find("//") != std::string::npos ||
             path.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-/") !=
                 std::string::npos;
  if (bad)
    return errors("ValidationException",
                  "The parameter doesn't meet the parameter name requirements. The parameter name must begin with a "
                  "forward slash \"/\". It can't be prefixed with \"aws\" or \"ssm\" (case-insensitive). It must use "
                  "only letters, numbers, or the following symbols: . (period), - (hyphen), _ (underscore). Special "
                  "characters are not allowed. All sub-paths, if specified, must use the forward slash symbol \"/\". "
                  "Valid example: /get/parameters2-/by1./path0_.");
  return Status::Ok();
}

// "name" lives at the root as "/name" would.
std::string rooted(const std::string& name) { return name[0] == '/' ? name : "/" + name; }

bool string_matches(const Filter& f, const std::string& subject) {
  return std::any_of(f.values.begin(), f.values.end(), [&](const std::string& v) {
    if (f.option == "BeginsWith") return text::starts_with(subject, v);
    if (f.option == "Contains") return subject.find(v) != std::string::npos;
    return subject == v;
  });
}

bool path_matches(const Filter& f, const std::string& name) {
  std::string full = rooted(name);
  return std::any_of(f.values.begin(), f.values.end(), [&](std::string path) {
    if (path.back() != '/') path += '/';
    if (!text::starts_with(full, path)) return false;
    return f.option == "Recursive" || full.find('/', path.size()) == std::string::npos;
  });
}

bool tag_matches(const Filter& f, const Value& doc) {
  std::string key = f.key.substr(4);
  for (const auto& tag : doc.value("Tags", Value::array()))
    if (tag["Key"] == key) return f.values.empty() || string_matches(f, tag["Value"].get<std::string>());
  return false;
}

}  // namespace

Result<std::vector<Filter>> parse(const Value& parameter_filters, Use use) {
  std::vector<Filter> out;
  std::set<std::string> seen;
  for (const auto& item : parameter_filters) {
    Filter f;
    f.key = item.value("Key", "");
    f.option = item.value("Option", f.key == "Path" ? "OneLevel" : "Equals");
    for (const auto& v : item.value("Values", Value::array())) f.values.push_back(v.get<std::string>());
    bool tag = text::starts_with(f.key, "tag:");
    if (use == Use::kByPath && one_of(f.key, {"Name", "Path", "Tier"}))
      return errors("InvalidFilterKey",
                    "The following filter key is not valid: " + f.key + ". Valid filter keys include: [Type, KeyId].");
    if (use == Use::kDescribe && f.key == "Label")
      return errors("InvalidFilterKey", "The following filter key is not valid: Label. Valid filter keys include: "
                                        "[Path, Name, Type, KeyId, Tier].");
    if (!seen.insert(f.key).second)
      return errors("InvalidFilterKey", "The following filter is duplicated in the request: " + f.key +
                                            ". A request can contain only one occurrence of a specific filter.");
    if (!tag && f.values.empty())
      return errors("InvalidFilterValue", "The following filter values are missing : null for filter key " + f.key + ".");
    if (f.key == "Path") {
      if (!one_of(f.option, {"Recursive", "OneLevel"}))
        return errors("InvalidFilterOption", "The following filter option is not valid: " + f.option +
                                                 ". Valid options include: [Recursive, OneLevel].");
      for (const auto& v : f.values) NUAGE_TRY(check_path(v));
    } else if (f.key == "Name" ? !one_of(f.option, {"Equals", "BeginsWith", "Contains"})
                               : !one_of(f.option, {"Equals", "BeginsWith"})) {
      return errors("InvalidFilterOption",
                    "The following filter option is not valid: " + f.option + ". Valid options include: " +
                        (f.key == "Name" ? "[Equals, BeginsWith, Contains]." : "[BeginsWith, Equals]."));
    }
    if (f.key == "Type") NUAGE_TRY(check_values(f, {"String", "StringList", "SecureString"}));
    if (f.key == "Tier") NUAGE_TRY(check_values(f, {"Standard", "Advanced", "Intelligent-Tiering"}));
    out.push_back(std::move(f));
  }
  return out;
}

Result<std::vector<Filter>> parse_legacy(const Value& filters) {
  std::vector<Filter> out;
  for (const auto& item : filters) {
    Filter f;
    f.key = item.value("Key", "");
    f.option = f.key == "Name" ? "BeginsWith" : "Equals";
    for (const auto& v : item.value("Values", Value::array())) f.values.push_back(v.get<std::string>());
    if (f.key == "Type") NUAGE_TRY(check_values(f, {"String", "StringList", "SecureString"}));
    out.push_back(std::move(f));
  }
  return out;
}

const Value* select(const std::vector<Filter>& filters, const Value& doc) {
  const Value& history = doc["History"];
  if (history.empty()) return nullptr;
  const Value* chosen = &history.back();
  std::string name = doc["Name"];
  for (const auto& f : filters) {
    bool ok = true;
    if (f.key == "Name") ok = string_matches(f, name) || string_matches(f, rooted(name));
    else if (f.key == "Path") ok = path_matches(f, name);
    else if (f.key == "Type") ok = string_matches(f, doc.value("Type", ""));
    else if (f.key == "KeyId") ok = string_matches(f, doc.value("KeyId", ""));
    else if (f.key == "Tier") ok = string_matches(f, doc.value("Tier", "Standard"));
    else if (f.key == "DataType") ok = string_matches(f, doc.value("DataType", "text"));
    else if (text::starts_with(f.key, "tag:")) ok = tag_matches(f, doc);
    else if (f.key == "Label") {
      chosen = nullptr;
      for (const auto& entry : history)
        for (const auto& label : entry.value("Labels", Value::array()))
          if (string_matches(f, label.get<std::string>())) chosen = &entry;
      ok = chosen != nullptr;
    }
    if (!ok) return nullptr;
  }
  return chosen;
}

}  // namespace nuage::services::ssm::parameter_filters
