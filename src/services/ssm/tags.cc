// Tags on parameters (AddTagsToResource, RemoveTagsFromResource,
// ListTagsForResource with ResourceType "Parameter"), kept in the
// parameter's document. Other resource types of Systems Manager are not
// kept by nuage and answer 501 naming the type.
#include "common/text.h"
#include "services/ssm/errors.h"
#include "services/ssm/limits.h"
#include "services/ssm/parameter_versions.h"
#include "services/ssm/provider.h"
#include "services/tag_list.h"

namespace nuage::services::ssm {

using kit::Output;
using kit::Value;

namespace {

// The parameter a tagging call names (its name or ARN), or the error AWS gives.
Result<std::string> tagged_parameter(const Value& in) {
  std::string type = in.at("ResourceType");
  if (type != "Parameter")
    return errors("NotImplemented", "Tags on Systems Manager " + type + " resources are not implemented by nuage");
  return versions::parse(in.at("ResourceId")).name;
}

AwsError invalid_resource(const std::string& id) {
  return errors("InvalidResourceId", "The resource ID \"" + id + "\" is not valid. Verify the ID and try again.");
}

}  // namespace

Result<Output> Provider::add_tags_to_resource(Context& ctx, const Value& in) {
  auto name = tagged_parameter(in);
  if (!name) return name.error();
  const Value* stored = store_->get(scope_of(ctx), kParameter, *name);
  if (!stored) return invalid_resource(in.at("ResourceId"));
  for (const auto& tag : in.at("Tags"))
    if (text::starts_with(text::lower(tag.value("Key", "")), "aws:"))
      return errors("InvalidTag", "aws: prefixed tag key names are not allowed for external use.");
  Value doc = *stored;
  doc["Tags"] = merge_tags(doc.value("Tags", Value::array()), in["Tags"]);
  if (doc["Tags"].size() > limits::kMaxTags) return errors("TooManyTagsError", "");
  NUAGE_TRY(store_->put(scope_of(ctx), kParameter, *name, std::move(doc)));
  return Output{};
}

Result<Output> Provider::remove_tags_from_resource(Context& ctx, const Value& in) {
  auto name = tagged_parameter(in);
  if (!name) return name.error();
  const Value* stored = store_->get(scope_of(ctx), kParameter, *name);
  if (!stored) return invalid_resource(in.at("ResourceId"));
  Value doc = *stored;
  doc["Tags"] = remove_tags(doc.value("Tags", Value::array()), in.at("TagKeys"));
  NUAGE_TRY(store_->put(scope_of(ctx), kParameter, *name, std::move(doc)));
  return Output{};
}

Result<Output> Provider::list_tags_for_resource(Context& ctx, const Value& in) {
  auto name = tagged_parameter(in);
  if (!name) return name.error();
  const Value* stored = store_->get(scope_of(ctx), kParameter, *name);
  if (!stored) return invalid_resource(in.at("ResourceId"));
  Output out;
  out.value["TagList"] = stored->value("Tags", Value::array());
  return out;
}

}  // namespace nuage::services::ssm
