#include "services/lambda/resources.h"

#include "common/crypto.h"
#include "common/text.h"
#include "common/time.h"
#include "services/lambda/errors.h"

namespace nuage::services::lambda {

Result<Ref> parse_ref(const Context& ctx, const std::string& given, const Value& in) {
  Ref ref{ctx.account_id, ctx.region, given, ""};
  auto parts = text::split(given, ':');
  if (text::starts_with(given, "arn:")) {
    if (parts.size() < 7 || parts[2] != "lambda" || parts[5] != "function")
      return errors("InvalidParameterValueException",
                    "1 validation error detected: Value '" + given +
                        "' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression "
                        "pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?"
                        "(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?");
    ref.region = parts[3];
    ref.account = parts[4];
    ref.name = parts[6];
    if (parts.size() > 7) ref.qualifier = parts[7];
  } else if (parts.size() >= 3 && parts[1] == "function") {
    ref.account = parts[0];
    ref.name = parts[2];
    if (parts.size() > 3) ref.qualifier = parts[3];
  } else if (parts.size() == 2) {
    ref.name = parts[0];
    ref.qualifier = parts[1];
  }
  std::string q = in.value("Qualifier", "");
  if (!q.empty()) {
    if (!ref.qualifier.empty() && ref.qualifier != q)
      return errors("InvalidParameterValueException",
                    "The derived qualifier from the function name does not match the specified qualifier.");
    ref.qualifier = q;
  }
  if (ref.name.empty()) return errors("InvalidParameterValueException", "Function name cannot be empty.");
  return ref;
}

storage::Scope scope_of(const Ref& ref) { return {ref.account, ref.region}; }

LayerRef layer_ref(const Context& ctx, const std::string& given) {
  auto p = text::split(given, ':');
  if (text::starts_with(given, "arn:") && p.size() >= 7) return {p[4], p[3], p[6]};
  return {ctx.account_id, ctx.region, given};
}

AwsError layer_not_found() { return errors("ResourceNotFoundException", "The resource you requested does not exist."); }

std::string function_arn(const std::string& region, const std::string& account, const std::string& name) {
  return "arn:aws:lambda:" + region + ":" + account + ":function:" + name;
}

std::string function_arn(const Ref& ref) {
  return function_arn(ref.region, ref.account, ref.name) + (ref.qualifier.empty() ? "" : ":" + ref.qualifier);
}

std::string layer_arn(const std::string& region, const std::string& account, const std::string& name) {
  return "arn:aws:lambda:" + region + ":" + account + ":layer:" + name;
}

std::string layer_version_id(const std::string& name, int64_t version) { return name + ":" + std::to_string(version); }

std::vector<std::string> layer_version_arns(const Context& ctx, const Value& in) {
  if (auto arn = in.find("Arn"); arn != in.end() && arn->is_string()) return {arn->get<std::string>()};
  auto name = in.find("LayerName");
  if (name == in.end() || !name->is_string()) return {"*"};
  LayerRef layer = layer_ref(ctx, name->get<std::string>());
  std::string arn = layer_arn(layer.region, layer.account, layer.name);
  if (auto v = in.find("VersionNumber"); v != in.end() && v->is_number_integer()) arn += ":" + std::to_string(v->get<int64_t>());
  return {arn};
}

AwsError function_not_found(const Ref& ref, const std::string& qualifier) {
  return errors("ResourceNotFoundException", "Function not found: " + function_arn(ref.region, ref.account, ref.name) +
                                                 (qualifier.empty() ? "" : ":" + qualifier));
}

AwsError function_not_found(const Ref& ref) { return function_not_found(ref, ref.qualifier); }

Result<Value> resolve_entry(const Ref& ref, const Value& doc, std::string qualifier) {
  if (qualifier.empty() || qualifier == "$LATEST") return doc["latest"];
  if (doc["aliases"].contains(qualifier)) qualifier = doc["aliases"][qualifier]["FunctionVersion"];
  if (qualifier == "$LATEST") return doc["latest"];
  if (doc["versions"].contains(qualifier)) return doc["versions"][qualifier];
  return function_not_found(ref, qualifier);
}

std::string lambda_time(Clock::TimePoint t) {
  std::string s = timefmt::iso8601(t, true);
  if (!s.empty() && s.back() == 'Z') s.pop_back();
  return s + "+0000";
}

std::string new_revision_id() { return crypto::random_uuid(); }

bool is_number(const std::string& s) { return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos; }

Result<Pager> Pager::of(const Value& in, size_t default_max) {
  Pager p;
  p.max_ = in.contains("MaxItems") ? static_cast<size_t>(in["MaxItems"].get<int64_t>()) : default_max;
  if (in.contains("Marker")) {
    auto decoded = storage::ResourceStore::from_page_token(in["Marker"].get<std::string>());
    if (!decoded)
      return errors("InvalidParameterValueException", "Invalid marker: " + in["Marker"].get<std::string>());
    p.after_ = *decoded;
  }
  return p;
}

bool Pager::add(const std::string& id, Value item, Value& items, Value& out) {
  if (items.size() >= max_) {
    out["NextMarker"] = storage::ResourceStore::page_token(last_);
    return false;
  }
  items.push_back(std::move(item));
  last_ = id;
  return true;
}

Result<const Value*> Shared::function(const Ref& ref) const {
  const Value* doc = store->get(scope_of(ref), kFunction, ref.name);
  if (!doc) return function_not_found(ref);
  return doc;
}

Result<Shared::Found> Shared::named_function(const Context& ctx, const Value& in, bool qualified) const {
  auto ref = parse_ref(ctx, in.at("FunctionName"), qualified ? in : Value::object());
  if (!ref) return ref.take_error();
  auto doc = function(*ref);
  if (!doc) return doc.take_error();
  return Found{std::move(*ref), *doc};
}

Result<Value> Shared::configuration(const Ref& ref) const {
  auto doc = function(ref);
  if (!doc) return doc.take_error();
  auto entry = resolve_entry(ref, **doc, ref.qualifier);
  if (!entry) return entry.take_error();
  return (*entry)["config"];
}

Status Shared::put_function(const Ref& ref, Value doc) {
  return store->put(scope_of(ref), kFunction, ref.name, std::move(doc));
}

}  // namespace nuage::services::lambda
