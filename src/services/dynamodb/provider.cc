#include "services/dynamodb/provider.h"

#include "common/text.h"
#include "kit/tagging.h"

namespace nuage::services::dynamodb {

const kit::Errors errors("dynamodb", {{"ValidationException", 400}});

Status Provider::open() {
  storage::ResourceStore::Options options;
  options.service = "dynamodb";
  options.bus = &env_.bus;
  options.clock = &env_.clock;
  options.guard = &mutex_;
  auto store = storage::ResourceStore::open(env_.db, std::move(options));
  if (!store) return store.error();
  store_ = std::move(*store);
  items_ = std::make_unique<ItemStore>(env_.db);
  NUAGE_TRY(items_->open());
  streams_ = std::make_unique<StreamStore>(env_.db);
  NUAGE_TRY(streams_->open());
  std::lock_guard lock(mutex_);
  arm_expiry_sweep();
  return Status::Ok();
}

void Provider::reset() {
  std::lock_guard lock(mutex_);
  store_->clear();
  items_->clear();
  streams_->clear();
  throttles_.clear();
  tokens_.clear();
  if (sweep_timer_) env_.clock.cancel(*sweep_timer_);
  sweep_timer_.reset();
}

Status Provider::charge(const Context& ctx, const Value& doc, const Demand& demand) {
  auto refused = throttles_.admit(doc, demand);
  Demand nothing;
  nothing.write = demand.write;
  throttles_.publish(ctx.account_id, ctx.region, doc, ctx.operation, refused.empty() ? demand : nothing, refused);
  if (!refused.empty()) return throttles_.error(refused);
  return Status::Ok();
}

std::function<Status(const Demand&)> Provider::charger(const Context& ctx, const Value& doc) {
  return [this, &ctx, &doc](const Demand& demand) { return charge(ctx, doc, demand); };
}

// The table a call names, for IAM: its ARN (TableName may be one already).
static std::vector<std::string> resource_arn(const kit::RequestContext& ctx, const kit::Value& in) {
  auto it = in.find("TableName");
  if (it == in.end() || !it->is_string()) return {"*"};
  std::string given = *it;
  if (text::starts_with(given, "arn:")) return {given};
  return {table_arn(ctx, given)};
}

void Provider::register_operations(kit::OperationTable& table) {
  table.set_default_resources(resource_arn);
  table.add_locked("CreateTable", this, mutex_, &Provider::create_table);
  table.add_locked("DescribeTable", this, mutex_, &Provider::describe_table);
  table.add_locked("ListTables", this, mutex_, &Provider::list_tables);
  table.add_locked("DeleteTable", this, mutex_, &Provider::delete_table);
  table.add_locked("UpdateTable", this, mutex_, &Provider::update_table);
  table.add_locked("PutItem", this, mutex_, &Provider::put_item);
  table.add_locked("GetItem", this, mutex_, &Provider::get_item);
  table.add_locked("DeleteItem", this, mutex_, &Provider::delete_item);
  table.add_locked("UpdateItem", this, mutex_, &Provider::update_item);
  table.add_locked("Query", this, mutex_, &Provider::query);
  table.add_locked("Scan", this, mutex_, &Provider::scan);
  table.add_locked("BatchGetItem", this, mutex_, &Provider::batch_get_item);
  table.add_locked("BatchWriteItem", this, mutex_, &Provider::batch_write_item);
  table.add_locked("TransactWriteItems", this, mutex_, &Provider::transact_write_items);
  table.add_locked("TransactGetItems", this, mutex_, &Provider::transact_get_items);
  table.add_locked("UpdateTimeToLive", this, mutex_, &Provider::update_time_to_live);
  table.add_locked("DescribeTimeToLive", this, mutex_, &Provider::describe_time_to_live);
  table.add_locked("DescribeLimits", this, mutex_, &Provider::describe_limits);
  kit::TaggingSpec tagging;
  tagging.list_operation = "ListTagsOfResource";
  tagging.arn_member = "ResourceArn";
  tagging.too_many_error = "ValidationException";
  tagging.too_many_message = "One or more parameter values were invalid: The number of tags exceeds the limit of 50";
  tagging.reserved_error = "ValidationException";
  tagging.reserved_message = "One or more parameter values were invalid: Tag keys starting with 'aws:' are reserved";
  kit::add_tagging(table, tagging, errors, store_, mutex_,
                   [this](const Context& ctx, const std::string& arn) -> Result<kit::TaggedResource> {
                     std::string name = table_name(arn);
                     if (arn != table_arn(ctx, name) || !store_->get(scope_of(ctx), kTable, name))
                       return errors("ResourceNotFoundException",
                                     "Requested resource not found: ResourcArn: " + arn + " not found");
                     return kit::TaggedResource{scope_of(ctx), kTable, name};
                   });
}

}  // namespace nuage::services::dynamodb
