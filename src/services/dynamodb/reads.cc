// Reading many items: Query (key conditions on the table or an index,
// direction, Limit, ExclusiveStartKey / LastEvaluatedKey, FilterExpression,
// Select, the 1 MB page), Scan (parallel segments), BatchGetItem and
// BatchWriteItem (what throttling or BatchGetItem's 16 MB response leaves
// out comes back as UnprocessedKeys / UnprocessedItems; the batch fails
// only when it served nothing).
//
// A table Query is one range of the items' primary-key B-tree
// (ItemStore::query). An index Query or Scan reads the table's items and
// orders them by the index key in memory: indexes have no rows of their
// own yet, so an index read costs the table's size (bench/ will say when
// that needs index rows).
#include <nlohmann/json.hpp>

#include <algorithm>
#include <functional>
#include <set>

#include "services/dynamodb/attribute_value.h"
#include "services/dynamodb/capacity.h"
#include "services/dynamodb/expression.h"
#include "services/dynamodb/provider.h"

namespace nuage::services::dynamodb {

using kit::Output;
using kit::Value;

namespace {

constexpr int64_t kMaxPageBytes = 1024 * 1024;
constexpr size_t kMaxBatchGetKeys = 100;
constexpr size_t kMaxBatchWrites = 25;
constexpr int64_t kMaxBatchGetResponseBytes = 16 * 1024 * 1024;

std::string attribute_type(const Value& doc, const std::string& name) {
  for (const auto& d : doc.at("AttributeDefinitions"))
    if (d.at("AttributeName") == name) return d.at("AttributeType");
  return "";
}

std::string key_name(const Value& schema, const char* type) {
  for (const auto& k : schema)
    if (k.at("KeyType") == type) return k.at("AttributeName");
  return "";
}

// The index a read names, or the table itself (nullptr).
struct Source {
  const Value* index = nullptr;
  bool global = false;
  Value schema;  // the key schema read by
};

Result<Source> source_of(const Value& doc, const Value& in) {
  Source source;
  source.schema = doc.at("KeySchema");
  if (!in.contains("IndexName")) return source;
  std::string name = in["IndexName"];
  for (const char* member : {"GlobalSecondaryIndexes", "LocalSecondaryIndexes"}) {
    if (!doc.contains(member)) continue;
    for (const auto& index : doc.at(member))  // the stored document's own: `index` outlives the loop
      if (index.at("IndexName") == name) {
        source.index = &index;
        source.global = std::string(member) == "GlobalSecondaryIndexes";
        source.schema = index.at("KeySchema");
      }
  }
  if (!source.index) return validation("The table does not have the specified index: " + name);
  if (source.global && in.value("ConsistentRead", false))
    return validation("Consistent reads are not supported on global secondary indexes");
  return source;
}

// The attribute names of an item an index holds (all for ALL).
std::optional<std::set<std::string>> projected_names(const Value& doc, const Source& source) {
  if (!source.index) return std::nullopt;
  const Value& projection = source.index->at("Projection");
  if (projection.value("ProjectionType", "") == "ALL") return std::nullopt;
  std::set<std::string> names;
  for (const auto& k : doc.at("KeySchema")) names.insert(k.at("AttributeName"));
  for (const auto& k : source.schema) names.insert(k.at("AttributeName"));
  for (const auto& n : projection.value("NonKeyAttributes", Value::array())) names.insert(n);
  return names;
}

void collect_names(const Operand& op, std::set<std::string>& names) {
  if (!op.path.empty()) names.insert(op.path[0].name);
  if (op.a) collect_names(*op.a, names);
  if (op.b) collect_names(*op.b, names);
}
void collect_names(const Condition& c, std::set<std::string>& names) {
  for (const auto& op : c.operands) collect_names(*op, names);
  if (c.left) collect_names(*c.left, names);
  if (c.right) collect_names(*c.right, names);
}

// A parsed KeyConditionExpression: the partition key's value and the sort
// key's bounds.
struct KeyCondition {
  Value hash;
  std::optional<Condition> sort;
};

Result<KeyCondition> key_condition(const Condition& root, const Value& doc, const Value& schema) {
  std::vector<const Condition*> leaves;
  std::vector<const Condition*> pending = {&root};
  while (!pending.empty()) {
    const Condition* c = pending.back();
    pending.pop_back();
    if (c->kind == Condition::Kind::kAnd) {
      pending.push_back(c->right.get());
      pending.push_back(c->left.get());
    } else if (c->kind == Condition::Kind::kOr || c->kind == Condition::Kind::kNot) {
      return validation(std::string("Invalid operator used in KeyConditionExpression: ") +
                        (c->kind == Condition::Kind::kOr ? "OR" : "NOT"));
    } else {
      leaves.push_back(c);
    }
  }
  std::string hash = key_name(schema, "HASH"), range = key_name(schema, "RANGE");
  KeyCondition out;
  bool have_hash = false, have_sort = false;
  for (const Condition* leaf : leaves) {
    bool supported = leaf->kind == Condition::Kind::kCompare || leaf->kind == Condition::Kind::kBetween ||
                     leaf->kind == Condition::Kind::kBeginsWith;
    if (!supported || leaf->op == "<>" || leaf->operands[0]->kind != Operand::Kind::kPath ||
        leaf->operands[0]->path.size() != 1)
      return validation("Query key condition not supported");
    for (size_t i = 1; i < leaf->operands.size(); ++i)
      if (leaf->operands[i]->kind != Operand::Kind::kValue) return validation("Query key condition not supported");
    const std::string& name = leaf->operands[0]->path[0].name;
    if (name != hash && name != range)
      return validation("Query condition missed key schema element: " + (have_hash ? range : hash));
    std::string type = attribute_type(doc, name);
    for (size_t i = 1; i < leaf->operands.size(); ++i)
      if (type_of(leaf->operands[i]->value) != type)
        return validation("One or more parameter values were invalid: Condition parameter type does not match schema type");
    if (name == hash) {
      if (leaf->kind != Condition::Kind::kCompare || leaf->op != "=" || have_hash)
        return validation("Query key condition not supported");
      out.hash = leaf->operands[1]->value;
      have_hash = true;
    } else if (name == range && !have_sort) {
      if (leaf->kind == Condition::Kind::kBeginsWith && type == "N")
        return validation("Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator "
                          "or function: begins_with, operand type: N");
      out.sort = *leaf;
      have_sort = true;
    } else {
      return validation("KeyConditionExpressions must only contain one condition per key");
    }
  }
  if (!have_hash) return validation("Query condition missed key schema element: " + hash);
  return out;
}

RangeBounds bounds_of(const std::optional<Condition>& sort) {
  RangeBounds b;
  if (!sort) return b;
  auto value = [&](size_t i) { return encode_key(sort->operands[i]->value); };
  if (sort->kind == Condition::Kind::kBetween) {
    b.lower = value(1);
    b.upper = value(2);
  } else if (sort->kind == Condition::Kind::kBeginsWith) {
    b.lower = value(1);
    b.upper = *b.lower + "~";  // after every hex digit: all keys with the prefix
    b.upper_inclusive = false;
  } else if (sort->op == "=") {
    b.lower = b.upper = value(1);
  } else if (sort->op == "<" || sort->op == "<=") {
    b.upper = value(1);
    b.upper_inclusive = sort->op == "<=";
  } else {
    b.lower = value(1);
    b.lower_inclusive = sort->op == ">=";
  }
  return b;
}

uint32_t fnv1a(const std::string& s) {
  uint32_t h = 2166136261u;
  for (unsigned char c : s) h = (h ^ c) * 16777619u;
  return h;
}

// The page being built by a Query or Scan.
struct Page {
  Page(const Value& request, const Value& table, const Source& read_source)
      : in(request), doc(table), source(read_source) {}
  const Value& in;
  const Value& doc;
  const Source& source;
  ConditionPtr filter;
  std::optional<std::vector<Path>> projection;
  std::optional<std::set<std::string>> index_names;
  bool count_only = false;
  size_t limit = 0;  // 0: none
  Value items = Value::array();
  int64_t count = 0, scanned = 0, bytes = 0;
  std::optional<Value> last_key;
  Status failure = Status::Ok();

  // The key a page resumes from: the table's key and the index's.
  Value key_of(const Value& item) const {
    Value key = Value::object();
    for (const Value* schema : {&doc.at("KeySchema"), &source.schema})
      for (const auto& k : *schema) {
        std::string name = k.at("AttributeName");
        if (item.contains(name)) key[name] = item[name];
      }
    return key;
  }
  // Visits one item; false: the page is full.
  bool visit(const Value& whole, int64_t size) {
    Value item = whole;
    if (index_names)
      for (auto it = item.begin(); it != item.end();) it = index_names->count(it.key()) ? std::next(it) : item.erase(it);
    ++scanned;
    bytes += size;
    bool keep = true;
    if (filter) {
      auto ok = evaluate(*filter, item);
      if (!ok) {
        failure = ok.error();
        return false;
      }
      keep = *ok;
    }
    if (keep) {
      ++count;
      if (!count_only) items.push_back(projection ? project(item, *projection) : item);
    }
    if ((limit && static_cast<size_t>(scanned) >= limit) || bytes >= kMaxPageBytes) {
      last_key = key_of(whole);
      return false;
    }
    return true;
  }
  // The answer, once `charge` has served the read (or refused it: throttled).
  // The read costs the sum of the items read, rounded once, charged to the
  // index read (a GSI's own capacity, an LSI's share of the table's) or
  // the table.
  Result<Output> finish(const std::function<Status(const Demand&)>& charge) const {
    NUAGE_TRY(failure);
    Demand demand;
    double units = read_units(bytes, in.value("ConsistentRead", false));
    if (!source.index) demand.table = units;
    else (source.global ? demand.global_indexes : demand.local_indexes)[source.index->at("IndexName")] = units;
    NUAGE_TRY(charge(demand));
    Output out;
    if (!count_only) out.value["Items"] = items;
    out.value["Count"] = count;
    out.value["ScannedCount"] = scanned;
    if (last_key) out.value["LastEvaluatedKey"] = *last_key;
    auto consumed = consumed_capacity(in, doc.at("TableName"), demand);
    if (consumed) out.value["ConsumedCapacity"] = *consumed;
    return out;
  }
};

// Parses what Query and Scan share: Select, ProjectionExpression,
// FilterExpression, and placeholders checked for use.
Status prepare(Page& page, Placeholders& placeholders, const std::string& select) {
  const Value& in = page.in;
  if (select == "SPECIFIC_ATTRIBUTES" && !in.contains("ProjectionExpression"))
    return validation("One or more parameter values were invalid: Select type SPECIFIC_ATTRIBUTES requires "
                      "ProjectionExpression or AttributesToGet");
  if (select == "ALL_ATTRIBUTES" && in.contains("ProjectionExpression"))
    return validation("One or more parameter values were invalid: Cannot specify the ProjectionExpression when "
                      "choosing to get ALL_ATTRIBUTES");
  if (select == "ALL_PROJECTED_ATTRIBUTES" && !page.source.index)
    return validation("One or more parameter values were invalid: Select type ALL_PROJECTED_ATTRIBUTES is only "
                      "supported for indexes");
  page.index_names = projected_names(page.doc, page.source);
  if (select == "ALL_ATTRIBUTES" && page.index_names && page.source.global)
    return validation("One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for "
                      "global secondary index " + page.source.index->at("IndexName").get<std::string>() +
                      " because its projection type is not ALL");
  page.count_only = select == "COUNT";
  if (in.contains("ProjectionExpression")) {
    auto paths = parse_projection(in["ProjectionExpression"], placeholders);
    if (!paths) return paths.error();
    page.projection = std::move(*paths);
  }
  if (in.contains("FilterExpression")) {
    auto filter = parse_condition(in["FilterExpression"], "FilterExpression", placeholders);
    if (!filter) return filter.error();
    page.filter = *filter;
  }
  page.limit = static_cast<size_t>(in.value("Limit", int64_t{0}));
  return Status::Ok();
}

std::string default_select(const Value& in, const Source& source) {
  std::string fallback = in.contains("ProjectionExpression") ? "SPECIFIC_ATTRIBUTES"
                         : source.index                       ? "ALL_PROJECTED_ATTRIBUTES"
                                                              : "ALL_ATTRIBUTES";
  return in.value("Select", fallback);
}

std::optional<AwsError> legacy_read(const Value& in, const std::string& operation) {
  for (const char* legacy : {"AttributesToGet", "KeyConditions", "QueryFilter", "ScanFilter", "ConditionalOperator"})
    if (in.contains(legacy)) return not_implemented("dynamodb", operation + " with " + legacy);
  return std::nullopt;
}

}  // namespace

Result<Output> Provider::query(Context& ctx, const Value& in) {
  auto found = active_table(ctx, in);
  if (!found) return found.take_error();
  const Value& doc = **found;
  if (auto e = legacy_read(in, "Query")) return *e;
  auto source = source_of(doc, in);
  if (!source) return source.take_error();
  if (!in.contains("KeyConditionExpression"))
    return validation("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.");
  Placeholders placeholders(in.value("ExpressionAttributeNames", Value()), in.value("ExpressionAttributeValues", Value()));
  auto parsed = parse_condition(in["KeyConditionExpression"], "KeyConditionExpression", placeholders);
  if (!parsed) return parsed.take_error();
  auto keys = key_condition(**parsed, doc, source->schema);
  if (!keys) return keys.take_error();
  std::string select = default_select(in, *source);
  Page page{in, doc, *source};
  NUAGE_TRY(prepare(page, placeholders, select));
  if (auto e = placeholders.unused()) return *e;
  if (page.filter) {
    std::set<std::string> names;
    collect_names(*page.filter, names);
    for (const auto& k : source->schema)
      if (names.count(k.at("AttributeName")))
        return validation("Filter Expression can only contain non-primary key attributes: Primary key attribute: " +
                          k.at("AttributeName").get<std::string>());
  }
  bool forward = in.value("ScanIndexForward", true);
  RangeBounds bounds = bounds_of(keys->sort);
  std::string range = key_name(source->schema, "RANGE");
  if (!source->index) {
    std::optional<std::string> after;
    if (in.contains("ExclusiveStartKey")) {
      auto start = item_key(doc, in["ExclusiveStartKey"], false);
      if (!start) return validation("The provided starting key is invalid: " + start.error().message);
      if (start->hash != encode_key(keys->hash))
        return validation("The provided starting key is outside query boundaries based on provided conditions");
      if (!range.empty()) after = start->range;
    }
    NUAGE_TRY(items_->query(doc.at("TableId"), encode_key(keys->hash), bounds, forward, after,
                            [&](const StoredRow& row) { return page.visit(from_stored_form(row.item.item), row.item.size); }));
    return page.finish(charger(ctx, doc));
  }
  // An index: the table's items that carry the index's keys, in index order.
  std::string hash = key_name(source->schema, "HASH");
  struct Candidate {
    std::string order;
    Value item;
    int64_t size;
  };
  std::vector<Candidate> candidates;
  std::string wanted = encode_key(keys->hash);
  NUAGE_TRY(items_->scan(doc.at("TableId"), std::nullopt, [&](const StoredRow& row) {
    Value item = from_stored_form(row.item.item);
    if (!item.contains(hash) || encode_key(item[hash]) != wanted) return true;
    std::string sort;
    if (!range.empty()) {
      if (!item.contains(range)) return true;
      sort = encode_key(item[range]);
      if (bounds.lower && (bounds.lower_inclusive ? sort < *bounds.lower : sort <= *bounds.lower)) return true;
      if (bounds.upper && (bounds.upper_inclusive ? sort > *bounds.upper : sort >= *bounds.upper)) return true;
    }
    candidates.push_back({sort + '\x01' + row.hash + '\x01' + row.range, std::move(item), row.item.size});
    return true;
  }));
  std::sort(candidates.begin(), candidates.end(), [&](const Candidate& a, const Candidate& b) {
    return forward ? a.order < b.order : a.order > b.order;
  });
  size_t first = 0;
  if (in.contains("ExclusiveStartKey")) {
    const Value& start = in["ExclusiveStartKey"];
    auto it = std::find_if(candidates.begin(), candidates.end(), [&](const Candidate& c) {
      for (const auto& [k, v] : start.items())
        if (!c.item.contains(k) || !values_equal(c.item[k], v)) return false;
      return true;
    });
    if (it == candidates.end()) return validation("The provided starting key is invalid");
    first = static_cast<size_t>(it - candidates.begin()) + 1;
  }
  for (size_t i = first; i < candidates.size(); ++i)
    if (!page.visit(candidates[i].item, candidates[i].size)) break;
  return page.finish(charger(ctx, doc));
}

Result<Output> Provider::scan(Context& ctx, const Value& in) {
  auto found = active_table(ctx, in);
  if (!found) return found.take_error();
  const Value& doc = **found;
  if (auto e = legacy_read(in, "Scan")) return *e;
  auto source = source_of(doc, in);
  if (!source) return source.take_error();
  if (in.contains("Segment") != in.contains("TotalSegments"))
    return validation(in.contains("Segment")
                          ? "The TotalSegments parameter is required but was not present in the request when Segment "
                            "parameter is present"
                          : "The Segment parameter is required but was not present in the request when parameter "
                            "TotalSegments is present");
  int64_t segment = in.value("Segment", int64_t{0}), total = in.value("TotalSegments", int64_t{1});
  if (segment >= total)
    return validation("The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: " +
                      std::to_string(segment) + " is not less than TotalSegments: " + std::to_string(total));
  Placeholders placeholders(in.value("ExpressionAttributeNames", Value()), in.value("ExpressionAttributeValues", Value()));
  std::string select = default_select(in, *source);
  Page page{in, doc, *source};
  NUAGE_TRY(prepare(page, placeholders, select));
  if (auto e = placeholders.unused()) return *e;
  std::optional<std::pair<std::string, std::string>> after;
  if (in.contains("ExclusiveStartKey")) {
    auto start = item_key(doc, in["ExclusiveStartKey"], true);
    if (!start) return validation("The provided starting key is invalid: " + start.error().message);
    after = std::make_pair(start->hash, start->range);
  }
  std::vector<std::string> index_keys;
  if (source->index)
    for (const auto& k : source->schema) index_keys.push_back(k.at("AttributeName"));
  NUAGE_TRY(items_->scan(doc.at("TableId"), after, [&](const StoredRow& row) {
    if (total > 1 && static_cast<int64_t>(fnv1a(row.hash) % static_cast<uint32_t>(total)) != segment) return true;
    Value item = from_stored_form(row.item.item);
    for (const auto& k : index_keys)
      if (!item.contains(k)) return true;  // not in the index
    return page.visit(item, row.item.size);
  }));
  return page.finish(charger(ctx, doc));
}

// What a batch has done per table: the units it consumed and the requests
// throttling refused; a batch is refused whole only when it served nothing.
struct BatchTally {
  std::map<std::string, Demand> consumed;
  std::map<std::string, std::vector<Refusal>> refused;
  size_t served = 0, unserved = 0;
};

Status Provider::settle_batch(const Context& ctx, const Value& in, const BatchTally& tally, Output& out) {
  std::vector<Refusal> all;
  for (const auto& [name, demand] : tally.consumed) {
    const auto refused = tally.refused.count(name) ? tally.refused.at(name) : std::vector<Refusal>{};
    if (const Value* doc = store_->get(scope_of(ctx), kTable, name))
      throttles_.publish(ctx.account_id, ctx.region, *doc, ctx.operation, demand, refused);
    for (const auto& r : refused)
      if (std::none_of(all.begin(), all.end(), [&](const Refusal& a) { return a.reason == r.reason && a.resource == r.resource; }))
        all.push_back(r);
  }
  if (tally.served == 0 && !all.empty()) return throttles_.error(all);
  if (auto consumed = consumed_capacities(in, tally.consumed)) out.value["ConsumedCapacity"] = *consumed;
  return Status::Ok();
}

Result<Output> Provider::batch_get_item(Context& ctx, const Value& in) {
  const Value& requests = in.at("RequestItems");
  size_t keys = 0;
  for (const auto& [table, request] : requests.items()) keys += request.at("Keys").size();
  if (keys > kMaxBatchGetKeys)
    return validation("Too many items requested for the BatchGetItem call");
  Output out;
  out.value["Responses"] = Value::object();
  out.value["UnprocessedKeys"] = Value::object();
  struct Planned {
    const Value* doc;
    const Value* request;
    std::optional<std::vector<Path>> paths;
    std::vector<ItemKey> keys;
  };
  std::vector<std::pair<std::string, Planned>> planned;
  for (const auto& [name, request] : requests.items()) {
    Value table_in = {{"TableName", name}};
    auto found = active_table(ctx, table_in);
    if (!found) return found.take_error();
    const Value& doc = **found;
    if (request.contains("AttributesToGet")) return not_implemented("dynamodb", "BatchGetItem with AttributesToGet");
    auto paths = projection_of(request);
    if (!paths) return paths.take_error();
    Planned plan{&doc, &request, std::move(*paths), {}};
    std::set<std::pair<std::string, std::string>> seen;
    for (const auto& key_value : request.at("Keys")) {
      auto key = item_key(doc, key_value);
      if (!key) return key.take_error();
      if (!seen.insert({key->hash, key->range}).second)
        return validation("Provided list of item keys contains duplicates");
      plan.keys.push_back(std::move(*key));
    }
    planned.emplace_back(name, std::move(plan));
  }
  BatchTally tally;
  int64_t response_bytes = 0;
  for (const auto& [name, plan] : planned) {
    Value& answers = out.value["Responses"][name] = Value::array();
    tally.consumed[name] = Demand{};
    bool consistent = plan.request->value("ConsistentRead", false);
    const Value& given = plan.request->at("Keys");
    for (size_t i = 0; i < plan.keys.size(); ++i) {
      auto item = load_item(*plan.doc, plan.keys[i]);
      if (!item) return item.take_error();
      int64_t bytes = *item ? item_size(**item) : 0;
      Demand demand;
      demand.table = read_units(bytes, consistent);
      // Past the 16 MB a response may carry, or beyond the table's
      // capacity, a key is left for the caller to ask again.
      std::vector<Refusal> refused;
      bool fits = response_bytes + bytes <= kMaxBatchGetResponseBytes;
      if (fits) refused = throttles_.admit(*plan.doc, demand);
      if (!fits || !refused.empty()) {
        Value& unprocessed = out.value["UnprocessedKeys"][name];
        if (unprocessed.is_null()) {
          unprocessed = *plan.request;
          unprocessed["Keys"] = Value::array();
        }
        unprocessed["Keys"].push_back(given[i]);
        auto& list = tally.refused[name];
        list.insert(list.end(), refused.begin(), refused.end());
        ++tally.unserved;
        continue;
      }
      ++tally.served;
      tally.consumed[name].add(demand);
      response_bytes += bytes;
      if (*item) answers.push_back(plan.paths ? project(**item, *plan.paths) : **item);
    }
  }
  NUAGE_TRY(settle_batch(ctx, in, tally, out));
  return out;
}

Result<Output> Provider::batch_write_item(Context& ctx, const Value& in) {
  const Value& requests = in.at("RequestItems");
  size_t writes = 0;
  for (const auto& [table, list] : requests.items()) writes += list.size();
  if (writes > kMaxBatchWrites)
    return validation("Too many items requested for the BatchWriteItem call");
  struct Write {
    std::string table;
    const Value* doc;
    const Value* request;
    ItemKey key;
    std::optional<Value> item;  // none: a delete
  };
  std::vector<Write> planned;
  for (const auto& [name, list] : requests.items()) {
    Value table_in = {{"TableName", name}};
    auto found = active_table(ctx, table_in);
    if (!found) return found.take_error();
    std::set<std::pair<std::string, std::string>> seen;
    for (const auto& request : list) {
      Write write{name, *found, &request, {}, std::nullopt};
      if (request.contains("PutRequest") == request.contains("DeleteRequest"))
        return validation("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the "
                          "supported datatypes");
      if (request.contains("PutRequest")) {
        auto item = validate_item(request["PutRequest"].at("Item"));
        if (!item) return item.take_error();
        auto key = item_key(**found, *item, true);
        if (!key) return key.take_error();
        if (auto e = check_item(**found, *item)) return *e;
        write.key = std::move(*key);
        write.item = std::move(*item);
      } else {
        auto key = item_key(**found, request["DeleteRequest"].at("Key"));
        if (!key) return key.take_error();
        write.key = std::move(*key);
      }
      if (!seen.insert({write.key.hash, write.key.range}).second)
        return validation("Provided list of item keys contains duplicates");
      planned.push_back(std::move(write));
    }
  }
  Output out;
  out.value["UnprocessedItems"] = Value::object();
  BatchTally tally;
  std::vector<const Write*> admitted;
  std::vector<std::optional<Value>> olds;  // the item each admitted write replaces
  for (const auto& write : planned) {
    tally.consumed[write.table].write = true;
    auto old = load_item(*write.doc, write.key);
    if (!old) return old.take_error();
    Demand demand = write_demand(*write.doc, old->value_or(Value()), write.item.value_or(Value()));
    auto refused = throttles_.admit(*write.doc, demand);
    if (!refused.empty()) {
      out.value["UnprocessedItems"][write.table].push_back(*write.request);
      auto& list = tally.refused[write.table];
      list.insert(list.end(), refused.begin(), refused.end());
      ++tally.unserved;
      continue;
    }
    ++tally.served;
    tally.consumed[write.table].add(demand);
    admitted.push_back(&write);
    olds.push_back(std::move(*old));
  }
  NUAGE_TRY(env_.db.transaction([&]() -> Status {
    for (size_t i = 0; i < admitted.size(); ++i)
      NUAGE_TRY(write_item(*admitted[i]->doc, admitted[i]->key, olds[i], admitted[i]->item));
    return Status::Ok();
  }));
  NUAGE_TRY(settle_batch(ctx, in, tally, out));
  return out;
}

}  // namespace nuage::services::dynamodb
