#include "runtime/function_environment.h"

#include <cstdio>
#include <cstdlib>

#include "common/text.h"

namespace nuage::runtime {

const std::set<std::string>& reserved_variables() {
  static const std::set<std::string> kReserved = {
      "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
      "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
      "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
      "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
      "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR"};
  return kReserved;
}

namespace {

std::string dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos || slash == 0 ? "/usr/bin" : path.substr(0, slash);
}

}  // namespace

void FunctionHost::resolve_interpreters() {
  // At the first cold start, not at start-up: resolving a pyenv shim runs
  // scripts for tens of milliseconds. (A shim is a script; its real
  // interpreter is what the sandbox must run.)
  std::call_once(interpreters_once_, [this] {
    auto resolve = [](const std::string& env_var, const std::string& cmd) -> std::string {
      if (const char* forced = std::getenv(env_var.c_str())) return forced;
      std::string out;
      if (FILE* p = ::popen(cmd.c_str(), "r")) {
        char buf[512];
        while (std::fgets(buf, sizeof buf, p)) out += buf;
        ::pclose(p);
      }
      return std::string(text::trim(out));
    };
    python_ = resolve("NUAGE_LAMBDA_PYTHON", "python3 -c 'import sys; print(sys.executable)' 2>/dev/null");
    node_ = resolve("NUAGE_LAMBDA_NODE", "command -v node 2>/dev/null");
  });
}

EnvironmentSpec FunctionHost::spec(const FunctionEnvironment& f) {
  EnvironmentSpec spec;
  spec.runtime = f.runtime;
  spec.code_dir = f.code_dir;
  spec.opt_dir = f.opt_dir;
  for (const auto& [folder, mount_path] : f.file_systems) spec.file_systems.push_back({folder, mount_path, true});
  spec.runtime_dir = runtime_dir_;
  spec.hidden = hidden_;
  spec.sandbox = sandbox_;
  resolve_interpreters();
  spec.python = python_.empty() ? "/usr/bin/python3" : python_;
  spec.node = node_.empty() ? "/usr/bin/node" : node_;
  std::string task = Environment::task_root(spec), opt_root = Environment::opt_root(spec),
              rt = Environment::runtime_root(spec);
  auto& env = spec.env;
  env["PATH"] = dir_of(spec.python) + ":" + dir_of(spec.node) + ":/usr/local/bin:/usr/bin:/bin:" + opt_root + "/bin";
  env["LD_LIBRARY_PATH"] =
      "/lib64:/usr/lib64:" + rt + ":" + rt + "/lib:" + task + ":" + task + "/lib:" + opt_root + "/lib";
  env["LANG"] = "en_US.UTF-8";
  env["TZ"] = ":UTC";
  if (text::starts_with(f.runtime, "python")) {
    env["PYTHONPATH"] = task + ":" + opt_root + "/python/lib/" + f.runtime + "/site-packages:" + opt_root + "/python";
  } else if (text::starts_with(f.runtime, "nodejs")) {
    std::string major = f.runtime.substr(6, f.runtime.find('.') - 6);
    env["NODE_PATH"] =
        opt_root + "/nodejs/node" + major + "/node_modules:" + opt_root + "/nodejs/node_modules:" + rt + "/node_modules";
  }
  env["AWS_LAMBDA_FUNCTION_NAME"] = f.function_name;
  env["AWS_LAMBDA_FUNCTION_VERSION"] = f.version;
  env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = std::to_string(f.memory_mb);
  env["AWS_LAMBDA_LOG_GROUP_NAME"] = f.log_group;
  env["AWS_LAMBDA_LOG_STREAM_NAME"] = f.log_stream;
  env["AWS_LAMBDA_INITIALIZATION_TYPE"] = "on-demand";
  env["AWS_REGION"] = f.region;
  env["AWS_DEFAULT_REGION"] = f.region;
  env["AWS_EXECUTION_ENV"] = "AWS_Lambda_" + f.runtime;
  env["_HANDLER"] = f.handler;
  env["LAMBDA_TASK_ROOT"] = task;
  env["LAMBDA_RUNTIME_DIR"] = rt;
  env["AWS_ACCESS_KEY_ID"] = f.access_key;
  env["AWS_SECRET_ACCESS_KEY"] = f.secret_key;
  env["AWS_SESSION_TOKEN"] = f.session_token;
  env["AWS_ENDPOINT_URL"] = f.endpoint;
  for (const auto& [k, v] : f.variables)
    if (!reserved_variables().count(k)) env[k] = v;
  return spec;
}

}  // namespace nuage::runtime
