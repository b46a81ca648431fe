// Instance environments: the folders prepare() makes, where paths inside
// land on the host, and run_script's streams, exit codes, timeout, cancel
// and output bounds (as a plain process and, when present, in bubblewrap).
#include "runtime/instance_environment.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <thread>

namespace nuage::runtime {
namespace {

namespace fs = std::filesystem;

class InstanceEnvironmentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/nuage-instance-XXXXXX";
    work_ = ::mkdtemp(pattern);
  }
  void TearDown() override { fs::remove_all(work_); }
  InstanceEnvironment environment(SandboxMode mode, const std::string& id = "i-0123456789abcdef0") {
    return InstanceEnvironment(work_, {work_}, mode, {"000000000000", "us-east-1", id, "ip-10-0-0-9.ec2.internal", "10.0.0.9"});
  }
  fs::path work_;
};

TEST_F(InstanceEnvironmentTest, PreparesItsFoldersAndNames) {
  auto env = environment(SandboxMode::kProcess);
  ASSERT_TRUE(env.prepare().ok());
  EXPECT_EQ(env.folder(), work_ / "instances/000000000000/us-east-1/i-0123456789abcdef0");
  for (const char* name : kRootFolders) EXPECT_TRUE(fs::is_directory(env.folder() / name)) << name;
  std::ifstream hosts(env.folder() / "etc/hosts");
  std::string all((std::istreambuf_iterator<char>(hosts)), {});
  EXPECT_NE(all.find("10.0.0.9 ip-10-0-0-9.ec2.internal ip-10-0-0-9"), std::string::npos);
  EXPECT_EQ(env.host_path("/var/log/x.log"), env.folder() / "var/log/x.log");
  EXPECT_EQ(env.host_path("/root"), env.folder() / "root");
  EXPECT_TRUE(env.host_path("/usr/bin").empty());
  EXPECT_TRUE(env.host_path("/rootkit").empty());
  InstanceEnvironment::remove(work_, "000000000000", "us-east-1", "i-0123456789abcdef0");
  EXPECT_FALSE(fs::exists(env.folder()));
}

TEST_F(InstanceEnvironmentTest, ScriptsReportStreamsApartAndTheirExitCode) {
  auto env = environment(SandboxMode::kProcess);
  ASSERT_TRUE(env.prepare().ok());
  auto result = run_script(env.spec({"/bin/sh", "-c", "echo out; echo err >&2; exit 7"}, "/root"), {}, nullptr);
  EXPECT_EQ(result.out, "out\n");
  EXPECT_EQ(result.err, "err\n");
  EXPECT_EQ(result.exit_code, 7);
  EXPECT_FALSE(result.timed_out);
}

TEST_F(InstanceEnvironmentTest, OutputIsBoundedAndCounted) {
  auto env = environment(SandboxMode::kProcess);
  ASSERT_TRUE(env.prepare().ok());
  ScriptLimits limits;
  limits.max_bytes = 1000;
  auto result = run_script(env.spec({"/bin/sh", "-c", "head -c 100000 /dev/zero"}, ""), limits, nullptr);
  EXPECT_EQ(result.out.size(), 1000u);
  EXPECT_EQ(result.out_bytes, 100000u);
  EXPECT_EQ(result.exit_code, 0);
}

TEST_F(InstanceEnvironmentTest, TimeoutAndCancelKillTheScript) {
  auto env = environment(SandboxMode::kProcess);
  ASSERT_TRUE(env.prepare().ok());
  ScriptLimits limits;
  limits.timeout = std::chrono::milliseconds(200);
  auto timed = run_script(env.spec({"/bin/sh", "-c", "echo begun; sleep 30"}, ""), limits, nullptr);
  EXPECT_TRUE(timed.timed_out);
  EXPECT_EQ(timed.out, "begun\n");
  std::atomic<bool> cancel{false};
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    cancel = true;
  });
  auto cancelled = run_script(env.spec({"/bin/sh", "-c", "sleep 30"}, ""), {}, &cancel);
  canceller.join();
  EXPECT_TRUE(cancelled.cancelled);
}

TEST_F(InstanceEnvironmentTest, BubblewrapGivesRootItsFoldersAndHidesTheWorkFolder) {
  if (::access("/usr/bin/bwrap", X_OK) != 0) GTEST_SKIP() << "no bubblewrap";
  auto env = environment(SandboxMode::kBubblewrap);
  ASSERT_TRUE(env.prepare().ok());
  auto other = environment(SandboxMode::kBubblewrap, "i-0aaaaaaaaaaaaaaaa");
  ASSERT_TRUE(other.prepare().ok());
  std::ofstream(other.folder() / "root" / "secret") << "x";
  std::string script = "id -u; hostname; touch /root/mine /var/log/mine; ls -A " + work_.string() + " | wc -l";
  auto result = run_script(env.spec({"/bin/sh", "-c", script}, "/tmp"), {}, nullptr);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "0\nip-10-0-0-9\n0\n");
  EXPECT_TRUE(fs::exists(env.folder() / "root" / "mine"));
  EXPECT_TRUE(fs::exists(env.folder() / "var" / "log" / "mine"));
}

}  // namespace
}  // namespace nuage::runtime
