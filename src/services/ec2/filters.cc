#include "services/ec2/filters.h"

#include "common/text.h"
#include "services/ec2/errors.h"

namespace nuage::services::ec2 {

const Value* tags_of(const Value& doc) {
  auto it = doc.find("Tags");
  if (it == doc.end()) it = doc.find("TagSet");
  return it != doc.end() && it->is_array() ? &*it : nullptr;
}

static void collect(const Value& node, const std::vector<std::string>& parts, size_t i,
                    std::vector<std::string>& out) {
  if (node.is_array()) {
    for (const auto& item : node) collect(item, parts, i, out);
    return;
  }
  if (i == parts.size()) {
    if (node.is_string()) out.push_back(node.get<std::string>());
    else if (node.is_boolean()) out.push_back(node.get<bool>() ? "true" : "false");
    else if (node.is_number_integer()) out.push_back(std::to_string(node.get<int64_t>()));
    else if (node.is_number()) out.push_back(node.dump());
    return;
  }
  if (!node.is_object()) return;
  auto it = node.find(parts[i]);
  if (it != node.end()) collect(*it, parts, i + 1, out);
}

std::vector<std::string> values_at(const Value& doc, std::string_view path) {
  std::vector<std::string> out;
  collect(doc, text::split(path, '.'), 0, out);
  return out;
}

bool wildcard_match(std::string_view p, std::string_view t) {
  // Iterative matcher with backtracking on the last '*'.
  size_t pi = 0, ti = 0, star = std::string_view::npos, mark = 0;
  while (ti < t.size()) {
    if (pi < p.size() && p[pi] == '\\' && pi + 1 < p.size()) {
      if (p[pi + 1] == t[ti]) {
        pi += 2;
        ++ti;
        continue;
      }
    } else if (pi < p.size() && (p[pi] == '?' || p[pi] == t[ti]) && p[pi] != '*') {
      ++pi;
      ++ti;
      continue;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = ti;
      continue;
    }
    if (star == std::string_view::npos) return false;
    pi = star + 1;
    ti = ++mark;
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

static bool is_tag_filter(std::string_view name) {
  return text::starts_with(name, "tag:") || name == "tag-key" || name == "tag-value";
}

Status check_filters(const Value& filters, const FilterFields& fields) {
  if (!filters.is_array()) return Status::Ok();
  for (const auto& f : filters) {
    std::string name = f.value("Name", "");
    if (is_tag_filter(name) || fields.count(name)) continue;
    return errors("InvalidParameterValue", "The filter '" + name + "' is invalid");
  }
  return Status::Ok();
}

static std::vector<std::string> filter_values(const Value& doc, const std::string& name,
                                              const FilterFields& fields) {
  if (text::starts_with(name, "tag:") || name == "tag-key" || name == "tag-value") {
    std::vector<std::string> out;
    if (const Value* tags = tags_of(doc)) {
      for (const auto& t : *tags) {
        if (name == "tag-key") out.push_back(t.value("Key", ""));
        else if (name == "tag-value") out.push_back(t.value("Value", ""));
        else if (t.value("Key", "") == name.substr(4)) out.push_back(t.value("Value", ""));
      }
    }
    return out;
  }
  std::vector<std::string> out;
  auto it = fields.find(name);
  if (it == fields.end()) return out;
  for (const auto& path : it->second) {
    auto v = values_at(doc, path);
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}

bool matches(const Value& doc, const Value& filters, const FilterFields& fields) {
  if (!filters.is_array()) return true;
  for (const auto& f : filters) {
    auto have = filter_values(doc, f.value("Name", ""), fields);
    bool any = false;
    for (const auto& want : f.value("Values", Value::array())) {
      const std::string& pattern = want.get_ref<const std::string&>();
      for (const auto& h : have)
        if (wildcard_match(pattern, h)) {
          any = true;
          break;
        }
      if (any) break;
    }
    if (!any) return false;
  }
  return true;
}

std::optional<TagLookup> exact_tag_filter(const Value& filters) {
  if (!filters.is_array()) return std::nullopt;
  for (const auto& f : filters) {
    std::string name = f.value("Name", "");
    if (!text::starts_with(name, "tag:")) continue;
    TagLookup lookup{name.substr(4), {}};
    bool exact = name.find_first_of("*?\\") == std::string::npos;
    for (const auto& v : f.value("Values", Value::array())) {
      const std::string& s = v.get_ref<const std::string&>();
      if (s.find_first_of("*?\\") != std::string::npos) exact = false;
      lookup.values.push_back(s);
    }
    if (exact) return lookup;
  }
  return std::nullopt;
}

}  // namespace nuage::services::ec2
