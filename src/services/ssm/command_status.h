// Run Command's rules, apart from the machinery: how MaxConcurrency and
// MaxErrors read ("10", "10%"), how a command's Status and StatusDetails
// follow from its invocations', how output is cut for the answers, and
// where full output goes in S3 and CloudWatch Logs (AWS's layouts).
//
// Invocation statuses (Status / StatusDetails), as AWS names them:
//   Pending/Pending, InProgress/InProgress, Success/Success, Failed/Failed,
//   TimedOut/ExecutionTimedOut, TimedOut/DeliveryTimedOut,
//   Cancelling/Cancelling, Cancelled/Cancelled, Cancelled/Terminated (not
//   started: the command had more than MaxErrors errors), Failed/Undeliverable
//   (never started: nuage stopped first).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nuage::services::ssm {

inline constexpr size_t kStandardOutputChars = 24000;  // GetCommandInvocation's StandardOutputContent
inline constexpr size_t kStandardErrorChars = 8000;    // and StandardErrorContent
inline constexpr size_t kPluginOutputChars = 2500;     // ListCommandInvocations' CommandPlugins[].Output
inline constexpr const char* kShellPlugin = "aws:runShellScript";

// "50" or "10%" of `targets` (a percentage rounds up, to at least 1 for
// concurrency); nullopt when it is neither.
std::optional<int64_t> concurrency_limit(const std::string& spec, int64_t targets);
std::optional<int64_t> error_limit(const std::string& spec, int64_t targets);

struct InvocationTally {
  int64_t targets = 0;
  int64_t pending = 0, in_progress = 0, success = 0, failed = 0, execution_timed_out = 0;
  int64_t delivery_timed_out = 0, cancelled = 0, undeliverable = 0;
  int64_t completed() const { return success + failed + execution_timed_out + delivery_timed_out + cancelled + undeliverable; }
  // Failures and execution timeouts count against MaxErrors; delivery timeouts do not.
  int64_t errors() const { return failed + execution_timed_out; }
};

struct StatusPair {
  std::string status, details;
};

// Counts one invocation into the tally.
void tally(InvocationTally& t, const std::string& status, const std::string& details);
// The command's Status and StatusDetails.
StatusPair command_status(const InvocationTally& t, int64_t max_errors, bool cancel_requested);

// The first `chars` UTF-8 characters of `text`.
std::string first_chars(const std::string& text, size_t chars);

// <prefix>/<command-id>/<instance-id>/awsrunShellScript/0.awsrunShellScript/<stream>
std::string s3_output_key(const std::string& prefix, const std::string& command_id, const std::string& instance_id,
                          const std::string& stream);
// <command-id>/<instance-id>/aws-runShellScript/<stream>
std::string log_stream_name(const std::string& command_id, const std::string& instance_id, const std::string& stream);
// PT0.012S, PT1M5.250S, PT1H0.271S
std::string elapsed_text(double seconds);

}  // namespace nuage::services::ssm
