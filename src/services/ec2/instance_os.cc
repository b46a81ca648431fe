#include "services/ec2/instance_os.h"

#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>

#include "common/text.h"
#include "common/time.h"
#include "services/ec2/provider.h"

namespace nuage::services::ec2 {

namespace fs = std::filesystem;

namespace {

const char* kConsoleFile = "console.log";  // beside the root folders, outside the sandbox's view
const char* kUserDataScript = "/var/lib/cloud/instance/scripts/part-001";

void append_file(const fs::path& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::app);
  f << text;
}

}  // namespace

InstanceOs::InstanceOs(kit::Environment& env) : env_(env), mode_(runtime::detect_sandbox()) {}

InstanceOs::~InstanceOs() { workers_.stop(); }

void InstanceOs::first_boot(const storage::Scope& scope, const kit::Value& instance) {
  if (env_.work_dir.empty()) return;
  runtime::InstanceIdentity identity{scope.account, scope.region, instance.value("InstanceId", ""),
                                     instance.value("PrivateDnsName", ""), instance.value("PrivateIpAddress", "")};
  std::string user_data = instance.value("_UserData", "");
  auto cancel = std::make_shared<std::atomic<bool>>(false);
  {
    std::lock_guard lock(mu_);
    booting_[runtime::instance_folder(env_.work_dir, scope.account, scope.region, identity.instance_id)] = cancel;
  }
  std::string id = identity.instance_id;
  if (!workers_.post([this, identity = std::move(identity), user_data = std::move(user_data), cancel] {
        boot(identity, user_data, cancel);
      }))
    spdlog::warn("ec2: instance {} not booted: too many boots queued", id);
}

void InstanceOs::boot(runtime::InstanceIdentity identity, std::string user_data,
                      std::shared_ptr<std::atomic<bool>> cancel) {
  runtime::InstanceEnvironment instance(env_.work_dir, env_.hidden, mode_, identity);
  auto finish = [&] {
    std::lock_guard lock(mu_);
    auto it = booting_.find(instance.folder());
    if (it != booting_.end() && it->second == cancel) booting_.erase(it);
  };
  if (cancel->load()) return finish();
  Status prepared = instance.prepare();
  if (!prepared.ok()) {
    spdlog::warn("ec2: instance {}: {}", identity.instance_id, prepared.error().message);
    return finish();
  }
  fs::path console = instance.folder() / kConsoleFile;
  std::string now = timefmt::iso8601(env_.clock.now());
  append_file(console, "[    0.000000] Linux version (nuage sandbox) booting " + identity.instance_id + "\n" +
                           "Cloud-init v. nuage running 'modules:final' at " + now + ".\n");
  auto decoded = text::base64_decode(user_data);
  std::string script = decoded ? *decoded : "";
  if (text::starts_with(script, "#!")) {
    fs::path on_host = instance.host_path(kUserDataScript);
    std::error_code ec;
    fs::create_directories(on_host.parent_path(), ec);
    {
      std::ofstream f(on_host, std::ios::binary | std::ios::trunc);
      f << script;
    }
    fs::permissions(on_host, fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read, ec);
    auto spec = instance.spec({kUserDataScript}, "/");
    if (mode_ != runtime::SandboxMode::kBubblewrap) spec.argv = {on_host.string()};
    spec.separate_stderr = false;  // cloud-init logs both streams together
    runtime::ScriptLimits limits;
    limits.timeout = std::chrono::hours(1);
    limits.max_bytes = 1 << 20;
    runtime::ScriptResult result = runtime::run_script(spec, limits, cancel.get());
    if (result.cancelled) return finish();
    std::string output = result.error.empty() ? result.out : result.error + "\n";
    if (result.out_bytes > result.out.size()) output += "\n[output truncated]\n";
    append_file(instance.host_path("/var/log/cloud-init-output.log"), output);
    append_file(console, output);
    if (result.exit_code != 0)
      append_file(console, "cc_scripts_user.py[WARNING]: Failed to run module scripts-user (scripts in "
                           "/var/lib/cloud/instance/scripts)\n");
  }
  append_file(console, "Cloud-init v. nuage finished at " + timefmt::iso8601(env_.clock.now()) + ".\n");
  finish();
}

void InstanceOs::terminated(const storage::Scope& scope, const std::string& instance_id) {
  if (env_.work_dir.empty()) return;
  fs::path folder = runtime::instance_folder(env_.work_dir, scope.account, scope.region, instance_id);
  {
    std::lock_guard lock(mu_);
    auto it = booting_.find(folder);
    if (it != booting_.end()) it->second->store(true);
  }
  runtime::InstanceEnvironment::remove(env_.work_dir, scope.account, scope.region, instance_id);
}

std::string InstanceOs::console(const storage::Scope& scope, const std::string& instance_id) const {
  if (env_.work_dir.empty()) return "";
  std::ifstream f(runtime::instance_folder(env_.work_dir, scope.account, scope.region, instance_id) / kConsoleFile,
                  std::ios::binary);
  std::ostringstream content;
  content << f.rdbuf();
  // The console keeps the last 64 KB, as EC2's does.
  std::string all = content.str();
  return all.size() > 65536 ? all.substr(all.size() - 65536) : all;
}

void InstanceOs::reset() {
  if (env_.work_dir.empty()) return;
  {
    std::lock_guard lock(mu_);
    for (auto& [folder, cancel] : booting_) cancel->store(true);
  }
  std::error_code ec;
  fs::remove_all(env_.work_dir / "instances", ec);
}

Result<kit::Output> Provider::get_console_output(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  auto found = find_instances(scope, Value::array({in.at("InstanceId")}));
  if (!found) return found.take_error();
  std::string id = (*found->front())["InstanceId"];
  kit::Output out;
  out.value = {{"InstanceId", id}, {"Timestamp", timefmt::epoch_seconds(clock_.now())}};
  std::string console = os_->console(scope, id);
  if (!console.empty()) out.value["Output"] = text::base64_encode(console);
  return out;
}

}  // namespace nuage::services::ec2
