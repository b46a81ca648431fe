#include "kit/tagging.h"

#include <algorithm>
#include <memory>

#include "common/text.h"

namespace nuage::kit {

storage::Tags tags_from(const Value& value) {
  storage::Tags out;
  if (value.is_object()) {
    for (const auto& [k, v] : value.items()) out.emplace_back(k, v.is_string() ? v.get<std::string>() : v.dump());
  } else if (value.is_array()) {
    for (const auto& t : value)
      if (t.is_object()) out.emplace_back(t.value("Key", ""), t.value("Value", ""));
  }
  return out;
}

Value tags_value(const storage::Tags& tags, bool as_map) {
  Value out = as_map ? Value::object() : Value::array();
  for (const auto& [k, v] : tags) {
    if (as_map) out[k] = v;
    else out.push_back({{"Key", k}, {"Value", v}});
  }
  return out;
}

namespace {

std::string arn_of(const TaggingSpec& spec, const Value& in) {
  auto it = in.find(spec.arn_member);
  return it != in.end() && it->is_string() ? it->get<std::string>() : "";
}

std::vector<std::string> keys_of(const TaggingSpec& spec, const Value& in) {
  std::vector<std::string> keys;
  if (auto it = in.find(spec.keys_member); it != in.end() && it->is_array())
    for (const auto& k : *it)
      if (k.is_string()) keys.push_back(k.get<std::string>());
  return keys;
}

// The tags after adding `add` to `current`, or the spec's error.
Result<storage::Tags> merged(const TaggingSpec& spec, const Errors& errors, storage::Tags current,
                             const storage::Tags& add) {
  for (const auto& [k, v] : add) {
    if (text::starts_with(text::lower(k), "aws:")) return errors(spec.reserved_error, spec.reserved_message);
    auto it = std::find_if(current.begin(), current.end(), [&](const auto& t) { return t.first == k; });
    if (it != current.end()) it->second = v;
    else current.emplace_back(k, v);
  }
  if (current.size() > spec.max_tags) return errors(spec.too_many_error, spec.too_many_message);
  return current;
}

// Declares the three operations' IAM resource: the ARN they name.
void declare(OperationTable& table, const TaggingSpec& spec, Handler tag, Handler untag, Handler list) {
  Resources resource;
  if (spec.names_arn)
    resource = [spec](const RequestContext&, const Value& in) { return std::vector<std::string>{arn_of(spec, in)}; };
  table.add(spec.tag_operation, std::move(tag)).iam_resources(resource);
  table.add(spec.untag_operation, std::move(untag)).iam_resources(resource);
  // Secrets Manager lists tags only through DescribeSecret: no list operation.
  if (!spec.list_operation.empty()) table.add(spec.list_operation, std::move(list)).iam_resources(resource);
}

// The store form, over whatever `store()` returns at the time of the call.
void add_store_tagging(OperationTable& table, const TaggingSpec& spec, const Errors& errors,
                       std::function<storage::ResourceStore&()> store, std::mutex& mutex, Resolver resolve) {
  auto tag = [spec, errors, store, &mutex, resolve](RequestContext& ctx, const Value& in) -> Result<Output> {
    std::lock_guard lock(mutex);
    auto r = resolve(ctx, arn_of(spec, in));
    if (!r) return r.take_error();
    storage::Tags add = tags_from(in.value(spec.tags_member, Value()));
    NUAGE_TRY(merged(spec, errors, store().tags(r->scope, r->kind, r->id), add));
    NUAGE_TRY(store().tag(r->scope, r->kind, r->id, add));
    return Output{};
  };
  auto untag = [spec, store, &mutex, resolve](RequestContext& ctx, const Value& in) -> Result<Output> {
    std::lock_guard lock(mutex);
    auto r = resolve(ctx, arn_of(spec, in));
    if (!r) return r.take_error();
    NUAGE_TRY(store().untag(r->scope, r->kind, r->id, keys_of(spec, in)));
    return Output{};
  };
  auto list = [spec, store, &mutex, resolve](RequestContext& ctx, const Value& in) -> Result<Output> {
    std::lock_guard lock(mutex);
    auto r = resolve(ctx, arn_of(spec, in));
    if (!r) return r.take_error();
    Output out;
    out.value[spec.list_tags_member.empty() ? spec.tags_member : spec.list_tags_member] = tags_value(store().tags(r->scope, r->kind, r->id), spec.tags_as_map);
    return out;
  };
  declare(table, spec, std::move(tag), std::move(untag), std::move(list));
}

}  // namespace

void add_tagging(OperationTable& table, const TaggingSpec& spec, const Errors& errors, storage::ResourceStore& store,
                 std::mutex& mutex, Resolver resolve) {
  add_store_tagging(table, spec, errors, [&store]() -> storage::ResourceStore& { return store; }, mutex,
                    std::move(resolve));
}

void add_tagging(OperationTable& table, const TaggingSpec& spec, const Errors& errors,
                 const std::unique_ptr<storage::ResourceStore>& store, std::mutex& mutex, Resolver resolve) {
  add_store_tagging(table, spec, errors, [&store]() -> storage::ResourceStore& { return *store; }, mutex,
                    std::move(resolve));
}

void add_tagging(OperationTable& table, const TaggingSpec& spec, const Errors& errors, Taggable& target) {
  auto tag = [spec, errors, &target](RequestContext& ctx, const Value& in) -> Result<Output> {
    std::string arn = arn_of(spec, in);
    auto current = target.tags(ctx, arn);
    if (!current) return current.take_error();
    storage::Tags add = tags_from(in.value(spec.tags_member, Value()));
    NUAGE_TRY(merged(spec, errors, *current, add));
    NUAGE_TRY(target.change_tags(ctx, arn, add, {}));
    return Output{};
  };
  auto untag = [spec, &target](RequestContext& ctx, const Value& in) -> Result<Output> {
    NUAGE_TRY(target.change_tags(ctx, arn_of(spec, in), {}, keys_of(spec, in)));
    return Output{};
  };
  auto list = [spec, &target](RequestContext& ctx, const Value& in) -> Result<Output> {
    auto tags = target.tags(ctx, arn_of(spec, in));
    if (!tags) return tags.take_error();
    Output out;
    out.value[spec.list_tags_member.empty() ? spec.tags_member : spec.list_tags_member] = tags_value(*tags, spec.tags_as_map);
    return out;
  };
  declare(table, spec, std::move(tag), std::move(untag), std::move(list));
}

}  // namespace nuage::kit
