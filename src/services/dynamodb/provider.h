// Amazon DynamoDB (json 1.0): tables with their key schemas, secondary
// indexes, billing modes and capacity, and the items they hold.
//
// State: table descriptions are documents of the resource store (service
// "dynamodb", kind "table", id = table name, tags in "Tags"); items live in
// the table `dynamodb_items` (services/dynamodb/item_store.h), one row per
// item keyed by the table's id and the item's sortable key encoding, written
// in the request, so an acknowledged write survives kill -9.
//
// Streams (table_streams.cc): a table's StreamSpecification opens a stream
// (services/dynamodb/stream_store.h); every item change — PutItem,
// UpdateItem, DeleteItem, BatchWriteItem, TransactWriteItems and TTL expiry —
// goes through write_item, which appends the stream record in the same
// SQLite transaction as the item (none when the write changes nothing, as on
// AWS) and wakes the stream's readers on the event bus. The Streams API
// itself is a provider of its own (services/dynamodb/streams_provider.h).
//
// Capacity: every request is charged to the table's (and its indexes')
// capacity meters, and throttled beyond them (services/dynamodb/throttling.h).
//
// Table status follows nuage's clock: a table (or an update) answers
// CREATING (UPDATING) until the clock has moved past the instant of the
// call, then ACTIVE — so a running clock makes it ACTIVE by the next
// request, and a frozen clock keeps it CREATING until it is advanced.
//
// Thread-safety: handlers run under mutex_.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "kit/environment.h"
#include "kit/errors.h"
#include "kit/provider.h"
#include "services/dynamodb/expression.h"
#include "services/dynamodb/item_store.h"
#include "services/dynamodb/stream_store.h"
#include "services/dynamodb/throttling.h"
#include "storage/resource_store.h"

namespace nuage::services::dynamodb {

struct BatchTally;  // reads.cc

// An item's primary key: its encodings (encode_key) and its attributes.
struct ItemKey {
  std::string hash, range;
  kit::Value attributes = kit::Value::object();
};

class Provider : public kit::Provider {
 public:
  explicit Provider(kit::Environment& env) : env_(env) {}
  std::string_view service() const override { return "dynamodb"; }
  void register_operations(kit::OperationTable& table) override;
  Status open() override;
  void reset() override;
  void close() override;

 private:
  using Context = kit::RequestContext;
  using Value = kit::Value;
  using Output = kit::Output;

  // tables.cc
  Result<Output> create_table(Context& ctx, const Value& in);
  Result<Output> describe_table(Context& ctx, const Value& in);
  Result<Output> list_tables(Context& ctx, const Value& in);
  Result<Output> delete_table(Context& ctx, const Value& in);
  Result<Output> update_table(Context& ctx, const Value& in);

  // time_to_live.cc
  Result<Output> update_time_to_live(Context& ctx, const Value& in);
  Result<Output> describe_time_to_live(Context& ctx, const Value& in);
  Result<Output> describe_limits(Context& ctx, const Value& in);
  // A written item's expiry, when its table has TTL: the sweep is armed for
  // it if it comes before the one armed. Caller holds mutex_.
  void note_expiry(const Value& doc, const Value& item);
  // Arms the sweep for the earliest expiry of every TTL table (or nothing).
  void arm_expiry_sweep();
  void arm_sweep_at(double epoch_seconds);
  // The timer's work: removes every expired item, then arms the next sweep.
  void sweep_expired();
  // The stored table a TableName (or table ARN) names, or AWS's
  // ResourceNotFoundException "Requested resource not found: Table: x not found".
  Result<const Value*> table(const Context& ctx, const std::string& name_or_arn) const;
  // What DescribeTable shows of a stored table now; just_changed: the
  // answer of the call that began a transition (still CREATING/UPDATING).
  Value describe(const Value& doc, bool just_changed = false) const;

  // items.cc
  Result<Output> put_item(Context& ctx, const Value& in);
  Result<Output> get_item(Context& ctx, const Value& in);
  Result<Output> delete_item(Context& ctx, const Value& in);
  Result<Output> update_item(Context& ctx, const Value& in);
  // The table of an item operation, which must exist and not be CREATING
  // (AWS's bare "Requested resource not found").
  Result<const Value*> active_table(const Context& ctx, const Value& in) const;
  // The key of an item (whole_item: PutItem's Item, else a Key), checked
  // against the table's key schema with AWS's messages.
  Result<ItemKey> item_key(const Value& doc, const Value& attributes, bool whole_item) const;
  // A request's Key member, its values checked first.
  Result<ItemKey> item_key(const Value& doc, const Value& key) const;
  Result<std::optional<Value>> load_item(const Value& doc, const ItemKey& key) const;
  Status store_item(const Value& doc, const ItemKey& key, const Value& item);

  // table_streams.cc
  // The one way an item changes: stores `item` (none: erases) where `old`
  // was, and appends the stream record of the change when the table has a
  // stream. `by_ttl`: a removal by time to live (the record names DynamoDB
  // as the identity). Caller holds mutex_.
  Status write_item(const Value& doc, const ItemKey& key, const std::optional<Value>& old,
                    const std::optional<Value>& item, bool by_ttl = false);
  // The stream record of a change, when the table's stream takes one.
  Status append_record(const Value& doc, const Value& keys, const std::optional<Value>& old,
                       const std::optional<Value>& item, bool by_ttl);
  // StreamSpecification of CreateTable / UpdateTable: opens a stream (its
  // ARN and label set in `doc`) or closes the one open, with AWS's errors.
  Status apply_stream_specification(const Context& ctx, Value& doc, const Value& spec, bool creating);
  // A table going away (DeleteTable): its stream stays readable, DISABLED.
  Status close_stream(const Value& doc);
  // Trims records past the 24-hour retention, at most once a minute of the clock.
  void trim_streams();

  // reads.cc
  Result<Output> query(Context& ctx, const Value& in);
  Result<Output> scan(Context& ctx, const Value& in);
  Result<Output> batch_get_item(Context& ctx, const Value& in);
  Result<Output> batch_write_item(Context& ctx, const Value& in);

  // transactions.cc
  Result<Output> transact_write_items(Context& ctx, const Value& in);
  Result<Output> transact_get_items(Context& ctx, const Value& in);
  // A ClientRequestToken served: the request's fingerprint until `expires`.
  struct Token {
    std::string fingerprint;
    Clock::TimePoint expires;
  };
  static constexpr size_t kMaxTokens = 10000;
  void remember_token(const std::string& token, const std::string& fingerprint, Clock::TimePoint expires);

  // Serves `demand` on the table `doc` (a refusal answers AWS's
  // ProvisionedThroughputExceededException) and publishes its metrics.
  Status charge(const Context& ctx, const Value& doc, const Demand& demand);
  std::function<Status(const Demand&)> charger(const Context& ctx, const Value& doc);
  // A batch's end: its metrics, its ConsumedCapacity, or the throttling
  // error when it served nothing.
  Status settle_batch(const Context& ctx, const Value& in, const BatchTally& tally, Output& out);

  kit::Environment& env_;
  Throttles throttles_{env_};
  std::map<std::string, Token> tokens_;  // "account/region/token"
  std::mutex mutex_;
  std::unique_ptr<storage::ResourceStore> store_;
  std::unique_ptr<ItemStore> items_;
  std::unique_ptr<StreamStore> streams_;
  double trimmed_at_ = 0;  // epoch seconds of the last trim_streams
  std::optional<Clock::TimerId> sweep_timer_;  // the expiry sweep armed, due at sweep_due_
  double sweep_due_ = 0;
  bool closed_ = false;
};

// Shared by the feature files.
extern const kit::Errors errors;
inline constexpr const char* kTable = "table";
// How AWS opens a ValidationException about a parameter value.
inline constexpr const char* kInvalid = "One or more parameter values were invalid: ";
inline storage::Scope scope_of(const kit::RequestContext& ctx) { return {ctx.account_id, ctx.region}; }
std::string table_arn(const kit::RequestContext& ctx, const std::string& name);
// The stream view types, and whether `doc`'s stream (if any) is enabled.
bool stream_enabled(const kit::Value& doc);
// The table name of a TableName member, which may be the table's ARN.
std::string table_name(const std::string& name_or_arn);
// AWS's ValidationException.
AwsError validation(const std::string& message);
// An item's index keys (their types, no empty value) and its 400 KB limit.
std::optional<AwsError> check_item(const kit::Value& table, const kit::Value& item);
// A request's ProjectionExpression (with its ExpressionAttributeNames),
// parsed; none when it has none.
Result<std::optional<std::vector<Path>>> projection_of(const kit::Value& request);
// A request's ConditionExpression, parsed; null when it has none.
Result<ConditionPtr> optional_condition(const kit::Value& in, Placeholders& placeholders);
// ConditionalCheckFailedException (with the item when the request's
// ReturnValuesOnConditionCheckFailure is ALL_OLD) unless the item as it is
// (absent: an empty item) satisfies the condition.
Status check_condition(const ConditionPtr& condition, const kit::Value& in, const std::optional<kit::Value>& old);
// An update that leaves the key alone, and the item it makes of `old`
// (absent: the key alone), its index keys and size checked.
std::optional<AwsError> untouched_key(const ItemKey& key, const std::vector<UpdateAction>& actions);
Result<kit::Value> updated_item(const kit::Value& table, const ItemKey& key, const std::vector<UpdateAction>& actions,
                                const std::optional<kit::Value>& old);

}  // namespace nuage::services::dynamodb
