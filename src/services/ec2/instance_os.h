// What runs inside EC2 instances on EC2's side: each instance's Linux
// environment (runtime/instance_environment.h: a folder plus a sandbox
// spec, nothing running between commands), its first boot — the user data
// run once, as cloud-init does, when the instance first reaches running —
// and its console (GetConsoleOutput). SSM Run Command runs its commands in
// the same environments (services/ssm/run_command.h).
//
// A `#!` user data script runs as root in the instance; its output (stdout
// and stderr together) goes to /var/log/cloud-init-output.log inside the
// instance and to the console, kept beside the instance's folders (not
// visible inside). A terminated instance's folder is removed. With no work
// folder (`nuage operations`, unit tests) nothing is kept and nothing runs.
//
// Thread-safety: every member is safe from any thread; boots run on the
// object's own workers, never on a request thread, and never hold the EC2
// provider's mutex.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "kit/environment.h"
#include "runtime/instance_environment.h"
#include "runtime/workers.h"
#include "storage/resource_store.h"

namespace nuage::services::ec2 {

class InstanceOs {
 public:
  explicit InstanceOs(kit::Environment& env);
  ~InstanceOs();

  // An instance reached running for the first time: runs its user data
  // (base64, as stored in "_UserData") in the background.
  void first_boot(const storage::Scope& scope, const kit::Value& instance);
  // An instance was terminated: stops its boot and removes its folder.
  void terminated(const storage::Scope& scope, const std::string& instance_id);
  // The console's text so far ("" when it never booted).
  std::string console(const storage::Scope& scope, const std::string& instance_id) const;
  // Stops every boot and removes every instance folder (nuage reset).
  void reset();

 private:
  void boot(runtime::InstanceIdentity identity, std::string user_data,
            std::shared_ptr<std::atomic<bool>> cancel);

  kit::Environment& env_;
  runtime::SandboxMode mode_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<std::atomic<bool>>> booting_;  // folder -> cancel flag
  runtime::Workers workers_{2, 10000};
};

}  // namespace nuage::services::ec2
