#include "services/ssm/parameter_versions.h"

#include <cctype>

#include "common/text.h"
#include "services/ssm/errors.h"

namespace nuage::services::ssm::versions {

using kit::Value;

Selector parse(const std::string& spec) {
  Selector out;
  std::string name = spec;
  // ARN form: arn:aws:ssm:region:account:parameter/name[:selector]; a
  // hierarchical name keeps its leading slash, a plain one has none.
  if (text::starts_with(spec, "arn:")) {
    auto p = spec.find(":parameter/");
    if (p != std::string::npos) {
      name = spec.substr(p + 10);
      if (name.find('/', 1) == std::string::npos) name = name.substr(1);
    }
  }
  auto colon = name.rfind(':');
  if (colon == std::string::npos || colon + 1 >= name.size()) {
    out.name = name;
    return out;
  }
  std::string tail = name.substr(colon + 1);
  out.name = name.substr(0, colon);
  if (tail.find_first_not_of("0123456789") == std::string::npos && tail.size() <= 18)
    out.version = std::stoll(tail);
  else
    out.label = tail;
  return out;
}

Result<const Value*> find(const Value& doc, const Selector& selector) {
  const Value& history = doc["History"];
  if (selector.version > 0) {
    for (const auto& entry : history)
      if (entry["Version"] == selector.version) return &entry;
    return errors("ParameterVersionNotFound", "Systems Manager could not find version " +
                                                  std::to_string(selector.version) + " of " + selector.name +
                                                  ". Verify the version and try again.");
  }
  if (!selector.label.empty()) {
    for (const auto& entry : history)
      if (auto labels = entry.find("Labels"); labels != entry.end())
        for (const auto& label : *labels)
          if (label == selector.label) return &entry;
    return errors("ParameterNotFound", "Parameter " + selector.name + ":" + selector.label + " not found.");
  }
  if (history.empty()) return errors("ParameterNotFound", "Parameter " + selector.name + " not found.");
  return &history.back();
}

Value field(const Value& doc, const Value& entry, const char* member) {
  if (auto it = entry.find(member); it != entry.end()) return *it;
  // Entries of an older nuage: only the newest can borrow from the document.
  if (entry.contains("Type")) return nullptr;
  if (auto it = doc.find(member); it != doc.end()) return *it;
  return nullptr;
}

bool valid_label(const std::string& label) {
  if (label.empty() || label.size() > 100) return false;
  if (label[0] >= '0' && label[0] <= '9') return false;
  std::string lowered = text::lower(label);
  if (text::starts_with(lowered, "aws") || text::starts_with(lowered, "ssm")) return false;
  for (char c : label)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_')) return false;
  return true;
}

}  // namespace nuage::services::ssm::versions
