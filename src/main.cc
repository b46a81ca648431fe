// The `nuage` command: serve the local cloud, and talk to a running one.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <malloc.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>

#include "admin/admin.h"
#include "auth/credentials.h"
#include "common/clock.h"
#include "common/text.h"
#include "gateway/gateway.h"
#include "kit/environment.h"
#include "http/client.h"
#include "http/server.h"
#include "runtime/budget.h"
#include "events/bus.h"
#include "services/apigatewayv2/provider.h"
#include "services/cloudwatch/provider.h"
#include "services/config/provider.h"
#include "services/ec2/provider.h"
#include "services/dynamodb/provider.h"
#include "services/dynamodb/streams_provider.h"
#include "services/efs/provider.h"
#include "services/sns/provider.h"
#include "services/eventbridge/provider.h"
#include "services/scheduler/provider.h"
#include "services/iam/authorizer.h"
#include "services/iam/provider.h"
#include "services/rds/provider.h"
#include "services/s3/provider.h"
#include "services/kms/provider.h"
#include "services/secretsmanager/provider.h"
#include "services/sqs/provider.h"
#include "services/lambda/provider.h"
#include "services/logs/provider.h"
#include "services/ssm/provider.h"
#include "model/model.h"
#include "services/sts/provider.h"
#include "storage/database.h"

namespace fs = std::filesystem;
using namespace nuage;

namespace {

struct ServeOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 4566;
  std::string data = "nuage-data";
  bool ephemeral = false;
  std::string log_level = "info";
  bool strict_credentials = false;
  std::string default_account = auth::kDefaultAccount;
  bool sync_full = false;
  int ec2_transition_seconds = 0;
  std::string rds_engines = "all";
  std::string dynamodb_throttling = "on";
  std::string iam_enforcement = "on";
  uint64_t sandbox_memory_mb = 0;  // 0: derived from the machine
};

// Every provider nuage serves, in the order they open: the one place a new
// service is listed. Returns the IAM authorizer (also installed in the
// gateway, which becomes the environment's service calls).
std::shared_ptr<services::iam::Authorizer> add_providers(gateway::Gateway& gateway, kit::Environment& env) {
  env.calls = &gateway;
  auto iam = std::make_unique<services::iam::Provider>(env);
  auto authorizer = std::make_shared<services::iam::Authorizer>(*iam, env.settings.iam_enforcement);
  gateway.set_authorizer([authorizer](const kit::RequestContext& ctx, const kit::OperationTable& table,
                                      const kit::Value& input) { return authorizer->authorize(ctx, table, input); });
  gateway.add_provider(std::make_unique<services::sts::Provider>(env, *iam, *authorizer));
  gateway.add_provider(std::move(iam));
  gateway.add_provider(std::make_unique<services::ec2::Provider>(env));
  gateway.add_provider(std::make_unique<services::logs::Provider>(env));
  gateway.add_provider(std::make_unique<services::eventbridge::Provider>(env));
  gateway.add_provider(std::make_unique<services::scheduler::Provider>(env));
  gateway.add_provider(std::make_unique<services::ssm::Provider>(env));
  gateway.add_provider(std::make_unique<services::s3::Provider>(env));
  gateway.add_provider(std::make_unique<services::cloudwatch::Provider>(env));
  gateway.add_provider(std::make_unique<services::lambda::Provider>(env));
  gateway.add_provider(std::make_unique<services::config::Provider>(env));
  gateway.add_provider(std::make_unique<services::efs::Provider>(env));
  gateway.add_provider(std::make_unique<services::sns::Provider>(env));
  gateway.add_provider(std::make_unique<services::dynamodb::Provider>(env));
  gateway.add_provider(std::make_unique<services::dynamodb::StreamsProvider>(env));
  gateway.add_provider(std::make_unique<services::rds::Provider>(env));
  gateway.add_provider(std::make_unique<services::sqs::Provider>(env));
  gateway.add_provider(std::make_unique<services::kms::Provider>(env));
  gateway.add_provider(std::make_unique<services::secretsmanager::Provider>(env));
  gateway.add_provider(std::make_unique<services::apigatewayv2::Provider>(env));
  return authorizer;
}

int serve(const ServeOptions& o) {
  // At most one malloc arena per core. glibc's default (8 per core) lets the
  // documents that worker threads make and free spread over many arenas and
  // fragment them: 10,000 EC2 instances held 626 MB resident by default,
  // 310 MB with two arenas, at the same speed (bench/README.md).
  mallopt(M_ARENA_MAX, static_cast<int>(std::max(2u, std::thread::hardware_concurrency())));
  spdlog::set_level(spdlog::level::from_str(o.log_level));
  // Signals are taken by a dedicated thread (sigwait) so that shutdown runs
  // as ordinary code, not inside a signal handler.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  fs::path data_dir;
  fs::path scratch;  // removed at exit when ephemeral
  if (o.ephemeral) {
    std::string tmpl = (fs::temp_directory_path() / "nuage-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) {
      std::cerr << "nuage: cannot create a temporary folder\n";
      return 1;
    }
    scratch = tmpl;
  } else {
    data_dir = fs::absolute(o.data);
    std::error_code ec;
    fs::create_directories(data_dir, ec);
    if (ec) {
      std::cerr << "nuage: cannot create data folder " << data_dir << ": " << ec.message() << "\n";
      return 1;
    }
  }
  fs::path work_dir = o.ephemeral ? scratch : data_dir;

  auto db = storage::Database::open(o.ephemeral ? fs::path() : data_dir / "nuage.db", o.sync_full);
  if (!db) {
    std::cerr << "nuage: " << db.error().message << "\n";
    return 1;
  }
  std::atomic<uint16_t> bound_port{0};  // outlives the providers (Lambda reads it)
  Clock clock;
  admin::restore_clock(**db, clock);
  auth::CredentialStore credentials(o.strict_credentials, o.default_account);
  // Before the providers: their sandboxes hold reservations in it.
  runtime::Budget sandboxes(o.sandbox_memory_mb ? o.sandbox_memory_mb : runtime::Budget::machine_capacity_mb());
  spdlog::info("sandboxed processes may use {} MiB", sandboxes.capacity_mb());
  // Before the gateway: providers unsubscribe when destroyed, and change
  // deliveries stop before the bus goes.
  events::Bus bus(&clock);
  kit::Environment env{**db, clock, bus};
  env.work_dir = work_dir;
  env.hidden = {work_dir};
  env.port = [&bound_port] { return bound_port.load(); };
  env.credentials = &credentials;
  env.sandboxes = &sandboxes;
  env.settings.ec2_transition_seconds = o.ec2_transition_seconds;
  env.settings.rds_engines = o.rds_engines;
  env.settings.dynamodb_throttling = o.dynamodb_throttling == "on";
  env.settings.iam_enforcement = o.iam_enforcement == "on";
  gateway::Gateway gateway({}, credentials, clock);
  auto authorizer = add_providers(gateway, env);
  if (Status opened = gateway.open_providers(); !opened.ok()) {
    std::cerr << "nuage: " << opened.error().message << "\n";
    return 1;
  }
  admin::Admin admin(gateway, clock, **db,
                     {o.ephemeral ? "" : data_dir.string(), o.strict_credentials,
                      [authorizer] { return authorizer->decisions(); }, &credentials});
  for (auto& [prefix, handler] : gateway.provider_routes()) admin.add_route(prefix, handler);
  gateway.set_admin_handler([&](http::Request& r) { return admin.handle(r); });

  http::ServerOptions so;
  so.host = o.host;
  so.port = o.port;
  so.spool_dir = work_dir / "tmp";
  fs::create_directories(so.spool_dir);
  http::Server server(so, [&](http::Request& r) { return gateway.handle(r); });
  uint16_t port = 0;
  try {
    port = server.start();
    bound_port = port;
  } catch (const std::exception& e) {
    std::cerr << "nuage: cannot listen on " << o.host << ":" << o.port << ": " << e.what() << "\n";
    return 1;
  }
  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    spdlog::info("signal {}: shutting down", sig);
    server.stop();
    gateway.stopping_providers();
  });
  std::string host = o.host.find(':') != std::string::npos ? "[" + o.host + "]" : o.host;
  std::cout << "nuage " << NUAGE_VERSION << " ready on http://" << host << ":" << port
            << (o.ephemeral ? " (ephemeral)" : " (data: " + data_dir.string() + ")") << std::endl;
  server.run();
  // run() returned: stop() was called. Wake the signal thread if it still waits.
  pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  gateway.close_providers();
  db->reset();
  if (!scratch.empty()) {
    std::error_code ec;
    fs::remove_all(scratch, ec);
  }
  spdlog::info("stopped");
  return 0;
}

// The supported operations, from the dispatch tables, as Markdown.
int list_operations() {
  // Only the dispatch tables: no provider is opened, nothing touches a disk.
  auto db = storage::Database::open({});
  if (!db) return 1;
  Clock clock;
  auth::CredentialStore credentials;
  events::Bus bus;
  kit::Environment env{**db, clock, bus};
  env.credentials = &credentials;
  gateway::Gateway gateway({}, credentials, clock);
  add_providers(gateway, env);
  std::cout << "| service | protocol | implemented | operations |\n|---|---|---|---|\n";
  for (const auto& c : gateway.coverage()) {
    if (c.implemented.empty()) continue;
    const model::Service* svc = model::find_service(c.service);
    std::string ops;
    for (const auto& op : c.implemented) ops += (ops.empty() ? "" : ", ") + op;
    std::cout << "| " << c.service << " | " << svc->protocol << " | " << c.implemented.size() << " of "
              << c.total << " | " << ops << " |\n";
  }
  std::cout << "\nEvery other operation of these models, and of the models of ";
  bool first = true;
  for (const auto& c : gateway.coverage()) {
    if (!c.implemented.empty()) continue;
    std::cout << (first ? "" : ", ") << c.service;
    first = false;
  }
  std::cout << ", answers `501 NotImplemented` naming the service and operation.\n";
  return 0;
}

int call_admin(const std::string& endpoint, const std::string& method, const std::string& path,
               const std::string& body = "") {
  auto res = http::fetch(method, endpoint + path, body);
  if (!res) {
    std::cerr << "nuage: " << res.error().message << "\n";
    return 2;
  }
  std::cout << res->body;
  return res->status < 400 ? 0 : 1;
}

int debug_parse() {
  auth::CredentialStore credentials(false);
  std::string line;
  while (std::getline(std::cin, line)) {
    if (text::trim(line).empty()) continue;
    auto spec = nlohmann::json::parse(line);
    http::Request req;
    req.method = spec.value("method", "POST");
    req.target = spec.value("target", "/");
    const nlohmann::json headers = spec.value("headers", nlohmann::json::object());
    for (const auto& [k, v] : headers.items()) req.headers.add(k, v.get<std::string>());
    req.body = http::Body(text::base64_decode(spec.value("body_b64", "")).value_or(""));
    std::cout << gateway::debug_parse(req, credentials).dump() << "\n" << std::flush;
  }
  return 0;
}

int debug_serialize() {
  std::string line;
  while (std::getline(std::cin, line)) {
    if (text::trim(line).empty()) continue;
    http::Response res = gateway::debug_serialize(nlohmann::json::parse(line));
    nlohmann::json headers = nlohmann::json::object();
    for (const auto& [k, v] : res.headers.items()) headers[k] = v;
    std::cout << nlohmann::json{{"status", res.status}, {"headers", headers}, {"body_b64", text::base64_encode(res.body)}}.dump()
              << "\n" << std::flush;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"nuage: a local AWS cloud in one binary"};
  app.require_subcommand(1);
  std::string endpoint = "http://127.0.0.1:4566";

  ServeOptions serve_options;
  auto* serve_cmd = app.add_subcommand("serve", "Run the local cloud");
  serve_cmd->add_option("--host", serve_options.host, "Address to listen on")->capture_default_str();
  serve_cmd->add_option("--port", serve_options.port, "Port to listen on (0: any free port)")->capture_default_str();
  serve_cmd->add_option("--data", serve_options.data, "Folder where state persists across restarts")
      ->capture_default_str();
  serve_cmd->add_flag("--ephemeral", serve_options.ephemeral, "Keep all state in memory (for tests)");
  serve_cmd->add_option("--log-level", serve_options.log_level, "trace, debug, info, warn, error")
      ->capture_default_str()
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  serve_cmd->add_flag("--strict-credentials", serve_options.strict_credentials,
                      "Refuse access keys nuage does not know (InvalidClientTokenId)");
  serve_cmd->add_option("--default-account", serve_options.default_account,
                        "Account id of the root that test/test and unknown access keys answer as")
      ->capture_default_str()
      ->check([](const std::string& id) {
        bool digits = id.size() == 12 && id.find_first_not_of("0123456789") == std::string::npos;
        return digits ? std::string() : std::string("an account id is 12 digits");
      });
  serve_cmd->add_option("--ec2-transition-seconds", serve_options.ec2_transition_seconds,
                        "Clock seconds an EC2 instance spends pending/stopping/shutting-down (0: until the next read)")
      ->capture_default_str()
      ->check(CLI::Range(0, 3600));
  serve_cmd->add_option("--rds-engines", serve_options.rds_engines,
                        "RDS engines whose DB instances run a real server (all, none, or names: postgres,mariadb,...); "
                        "the others are served as metadata")
      ->capture_default_str();
  serve_cmd->add_option("--dynamodb-throttling", serve_options.dynamodb_throttling,
                        "Refuse DynamoDB requests beyond a table's provisioned (or on-demand) capacity, on nuage's clock")
      ->capture_default_str()
      ->check(CLI::IsMember({"on", "off"}));
  serve_cmd->add_option("--iam-enforcement", serve_options.iam_enforcement,
                        "Authorize requests of IAM users and roles with their policies")
      ->capture_default_str()
      ->check(CLI::IsMember({"on", "off"}));
  serve_cmd->add_option("--sandbox-memory", serve_options.sandbox_memory_mb,
                        "MiB that sandboxed code (Lambda environments) may use in all (0: half of the memory "
                        "available at start)")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{0}, uint64_t{1} << 30));
  serve_cmd->add_flag("--sync-full", serve_options.sync_full,
                      "fsync the database on every commit (survives power loss, not only kill -9)");

  auto* reset_cmd = app.add_subcommand("reset", "Wipe all state of a running nuage");
  auto* health_cmd = app.add_subcommand("health", "Show a running nuage's health and services");
  for (auto* cmd : {reset_cmd, health_cmd})
    cmd->add_option("--endpoint", endpoint, "URL of the running nuage")->capture_default_str();

  auto* clock_cmd = app.add_subcommand("clock", "Show or move a running nuage's clock");
  std::string clock_action = "show";
  std::string clock_value;
  clock_cmd->add_option("action", clock_action, "show, set <ISO time>, advance <duration>, freeze, resume")
      ->check(CLI::IsMember({"show", "set", "advance", "freeze", "resume"}));
  clock_cmd->add_option("value", clock_value, "the time (set) or the duration (advance: 90s, 15m, 1h30m, 3d)");
  clock_cmd->add_option("--endpoint", endpoint, "URL of the running nuage")->capture_default_str();

  auto* operations_cmd = app.add_subcommand("operations", "List supported operations (Markdown)");

  auto* debug_cmd = app.add_subcommand("debug", "Protocol oracles for tests (JSON lines on stdin)");
  debug_cmd->require_subcommand(1);
  auto* parse_cmd = debug_cmd->add_subcommand("parse", "Parse and verify requests");
  auto* serialize_cmd = debug_cmd->add_subcommand("serialize", "Serialize outputs and errors");

  CLI11_PARSE(app, argc, argv);
  if (*serve_cmd) return serve(serve_options);
  if (*reset_cmd) return call_admin(endpoint, "POST", "/_nuage/reset");
  if (*health_cmd) return call_admin(endpoint, "GET", "/_nuage/health");
  if (*clock_cmd) {
    if (clock_action == "show") return call_admin(endpoint, "GET", "/_nuage/clock");
    if ((clock_action == "set" || clock_action == "advance") && clock_value.empty()) {
      std::cerr << "nuage clock " << clock_action << ": a value is required\n";
      return 2;
    }
    nlohmann::json body = {{clock_action, clock_value.empty() ? nlohmann::json(true) : nlohmann::json(clock_value)}};
    return call_admin(endpoint, "POST", "/_nuage/clock", body.dump());
  }
  if (*operations_cmd) return list_operations();
  if (*parse_cmd) return debug_parse();
  if (*serialize_cmd) return debug_serialize();
  return 0;
}
