// AwsError and Result<T>: how failure travels through nuage.
//
// Inside nuage a failure is a value, never an exception: functions return
// Result<T> (a T or an AwsError) or Status (nothing or an AwsError). At the
// edge the protocol layer renders the AwsError in the service's wire format.
// Bad input is a 4xx with the code AWS uses; a bug of ours is a 5xx
// (InternalError) and a log line. Thread-safety: plain values.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <variant>

namespace nuage {

struct AwsError {
  std::string code;     // the code clients read, e.g. "InvalidInstanceID.NotFound"
  std::string message;  // human-readable, worded as AWS words it
  int status = 400;     // HTTP status
  // Extra members of the operation's error shape (e.g. S3's <BucketName>),
  // serialized by the protocol layer beside Code and Message.
  nlohmann::json fields = nlohmann::json::object();
  // The model's error shape when it differs from `code` (IAM's
  // NoSuchEntityException has code NoSuchEntity): json protocols write the
  // shape as __type and, for awsQueryCompatible services, `code` in
  // x-amzn-query-error. Empty: the shape is named `code`.
  std::string type = {};

  // What json protocols write as __type.
  const std::string& shape_name() const { return type.empty() ? code : type; }
  bool sender_fault() const { return status < 500; }
};

// Common errors, worded as AWS words them.
AwsError not_implemented(const std::string& service, const std::string& operation);
AwsError internal_error(const std::string& what);
AwsError validation_error(const std::string& message);  // "ValidationError" (query) style
AwsError missing_parameter(const std::string& name);

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}            // NOLINT: implicit by design
  Result(AwsError error) : v_(std::move(error)) {}     // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  const AwsError& error() const { return std::get<1>(v_); }
  AwsError&& take_error() { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, AwsError> v_;
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(AwsError error) : error_(std::move(error)), failed_(true) {}  // NOLINT
  static Status Ok() { return {}; }
  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const AwsError& error() const { return error_; }

 private:
  AwsError error_;
  bool failed_ = false;
};

// Propagate a failed Result/Status from the current function.
#define NUAGE_TRY(expr)                              \
  do {                                               \
    auto&& nuage_try_ = (expr);                      \
    if (!nuage_try_.ok()) return nuage_try_.error(); \
  } while (0)

}  // namespace nuage
