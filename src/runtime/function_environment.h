// What Lambda gives a function's execution environment, as AWS documents
// it: the reserved variables (AWS_LAMBDA_*, _HANDLER, AWS_REGION, the
// execution role's credentials, LAMBDA_TASK_ROOT ...), AWS_ENDPOINT_URL
// pointing the SDKs at nuage, the search paths of its runtime over /var/task
// and /opt (PATH, LD_LIBRARY_PATH, PYTHONPATH, NODE_PATH), the
// configuration's own variables, and the machine's interpreters.
//
// FunctionHost turns one function configuration into an EnvironmentSpec
// (runtime/environment.h) for this machine: where nuage's runtime clients
// are, which folders functions must not see, bubblewrap or plain processes.
//
// Thread-safety: spec() is safe from any thread (the interpreters are
// resolved once, at the first cold start).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "runtime/environment.h"

namespace nuage::runtime {

struct FunctionEnvironment {
  std::string runtime;  // python3.13, nodejs20.x, provided.al2023
  std::string handler;
  std::string function_name, version;
  int64_t memory_mb = 128;
  std::string log_group, log_stream;
  std::string region;
  std::string access_key, secret_key, session_token;
  std::string endpoint;  // AWS_ENDPOINT_URL
  std::map<std::string, std::string> variables;  // Environment.Variables (reserved names are skipped)
  std::filesystem::path code_dir;  // extracted code
  std::filesystem::path opt_dir;   // merged layers ("" = none)
  // FileSystemConfigs: a host folder (an EFS access point's root) and its
  // LocalMountPath, mounted writable.
  std::vector<std::pair<std::filesystem::path, std::string>> file_systems;
};

// The variables Lambda sets itself: a configuration may not set them.
const std::set<std::string>& reserved_variables();

class FunctionHost {
 public:
  FunctionHost(std::filesystem::path runtime_dir, std::vector<std::filesystem::path> hidden, SandboxMode sandbox)
      : runtime_dir_(std::move(runtime_dir)), hidden_(std::move(hidden)), sandbox_(sandbox) {}

  SandboxMode sandbox() const { return sandbox_; }
  EnvironmentSpec spec(const FunctionEnvironment& function);

 private:
  void resolve_interpreters();

  std::filesystem::path runtime_dir_;
  std::vector<std::filesystem::path> hidden_;
  SandboxMode sandbox_;
  std::once_flag interpreters_once_;
  std::string python_, node_;  // set by resolve_interpreters()
};

}  // namespace nuage::runtime
