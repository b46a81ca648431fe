#include "services/lambda/provider.h"

#include "common/text.h"
#include "kit/tagging.h"
#include "services/lambda/errors.h"

namespace nuage::services::lambda {

Provider::Provider(kit::Environment& env, Options options)
    : shared_(env),
      code_(env),
      roles_(env),
      layers_(shared_, code_),
      permissions_(shared_),
      invoker_(shared_, code_, roles_, options),
      functions_(shared_, code_, roles_, layers_, invoker_),
      versions_(shared_),
      urls_(shared_, permissions_),
      event_invoke_configs_(shared_, roles_),
      pollers_(shared_, roles_, invoker_),
      event_source_mappings_(shared_, roles_, pollers_) {}

Status Provider::open() {
  storage::ResourceStore::Options options;
  options.service = "lambda";
  // The tables of earlier versions move into `resources`: functions as they
  // were, each layer's next version number, and the layer versions not
  // deleted (deleted ones were kept as tombstones to keep their numbers).
  options.legacy_migrations = {
      "CREATE TABLE lambda_functions (account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, "
      "doc TEXT NOT NULL, PRIMARY KEY (account, region, name))",
      "CREATE TABLE lambda_layers (account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, "
      "version INTEGER NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (account, region, name, version))",
      "INSERT INTO resources(service, account, region, kind, id, doc) "
      "SELECT 'lambda', account, region, 'function', name, doc FROM lambda_functions",
      "INSERT INTO resources(service, account, region, kind, id, doc) "
      "SELECT 'lambda', account, region, 'layer', name, json_object('LayerName', name, 'LayerArn', "
      "'arn:aws:lambda:' || region || ':' || account || ':layer:' || name, 'next_version', MAX(version) + 1) "
      "FROM lambda_layers GROUP BY account, region, name",
      "INSERT INTO resources(service, account, region, kind, id, doc) "
      "SELECT 'lambda', account, region, 'layer-version', name || ':' || version, doc FROM lambda_layers "
      "WHERE IFNULL(json_extract(doc, '$._deleted'), 0) = 0",
      "DROP TABLE lambda_functions",
      "DROP TABLE lambda_layers",
  };
  options.kinds[kFunction] = {"tags", true};
  options.bus = &shared_.env.bus;
  options.clock = &shared_.env.clock;
  options.guard = &shared_.mutex;  // AWS Config's discovery asks for what exists
  auto store = storage::ResourceStore::open(shared_.env.db, std::move(options));
  if (!store) return store.error();
  shared_.store = std::move(*store);
  NUAGE_TRY(code_.open());
  NUAGE_TRY(invoker_.open());
  // Mappings persist: their pollers resume (once nuage serves).
  if (!shared_.env.work_dir.empty()) pollers_.start_all();
  return Status::Ok();
}

void Provider::stopping() { pollers_.stopping(); }

void Provider::close() { pollers_.close(); }

void Provider::reset() {
  pollers_.clear();
  invoker_.clear();
  roles_.clear();
  std::lock_guard lock(shared_.mutex);
  shared_.store->clear();
}

void Provider::register_routes(kit::Routes& routes) { code_.add_route(routes); }

void Provider::add_doors(std::vector<kit::Door>& doors) { urls_.add_doors(doors); }

void Provider::add_health(kit::Value& health) const { invoker_.add_health(health); }

// The function a call names, as an ARN ("*" for calls naming none).
static std::vector<std::string> named_function_arns(const Context& ctx, const Value& in) {
  auto it = in.find("FunctionName");
  if (it == in.end() || !it->is_string()) return {"*"};
  std::string fn = it->get<std::string>();
  if (text::starts_with(fn, "arn:")) return {fn};
  return {"arn:aws:lambda:" + ctx.region + ":" + ctx.account_id + ":function:" + fn};
}

void Provider::register_operations(kit::OperationTable& table) {
  table.set_default_resources(named_function_arns);
  functions_.register_operations(table);
  versions_.register_operations(table);
  layers_.register_operations(table);
  permissions_.register_operations(table);
  invoker_.register_operations(table);
  urls_.register_operations(table);
  event_invoke_configs_.register_operations(table);
  event_source_mappings_.register_operations(table);

  kit::TaggingSpec tagging;
  tagging.list_operation = "ListTags";
  tagging.arn_member = "Resource";
  tagging.tags_member = "Tags";
  tagging.tags_as_map = true;
  tagging.too_many_error = "InvalidParameterValueException";
  tagging.too_many_message = "Number of tags exceeds resource tag limit.";
  tagging.reserved_error = "InvalidParameterValueException";
  tagging.reserved_message = "aws: prefixed tag key names are not allowed for external use.";
  kit::add_tagging(table, tagging, errors, shared_.store, shared_.mutex,
                   [this](const Context& ctx, const std::string& arn) -> Result<kit::TaggedResource> {
                     auto ref = parse_ref(ctx, arn, Value::object());
                     if (!ref) return ref.take_error();
                     auto found = shared_.function(*ref);
                     if (!found) return found.take_error();
                     return kit::TaggedResource{scope_of(*ref), kFunction, ref->name};
                   });
}

}  // namespace nuage::services::lambda
