// What a service provider is: business logic behind one service model.
// A provider registers a handler per operation it implements; the gateway
// answers every other operation of the model with 501 NotImplemented, so the
// list of supported operations is read straight from these tables.
// Providers see parsed Values, never HTTP or wire formats.
//
// Thread-safety: handlers are called concurrently from worker threads; a
// provider guards its own state.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include <optional>

#include "auth/chunked.h"
#include "auth/credentials.h"
#include "common/clock.h"
#include "common/error.h"
#include "protocol/protocol.h"

namespace nuage::gateway {

using protocol::Output;
using protocol::Value;

struct RequestContext {
  std::string request_id;
  std::string service;    // model name: "ec2", "s3", ...
  std::string operation;  // "RunInstances"
  std::string region;     // from the credential scope; us-east-1 by default
  std::string account_id;
  auth::Credential caller;
  bool anonymous = false;
  std::string source_ip;
  // Raw body, for streaming payloads only. A provider may take a spooled
  // file over (Body::release_file) to rename it into the blob store.
  http::Body* body = nullptr;
  // Set when the body is aws-chunked (x-amz-content-sha256: STREAMING-...):
  // what auth::ChunkedDecoder needs to decode and verify it.
  std::optional<auth::ChunkSigning> chunked;
  const Clock* clock = nullptr;
};

using Handler = std::function<Result<Output>(RequestContext&, const Value& input)>;

class OperationTable {
 public:
  void add(const std::string& operation, Handler handler) { handlers_[operation] = std::move(handler); }
  // A member function of `provider` as the handler of `operation`.
  template <class P>
  void add(const std::string& operation, P* provider, Result<Output> (P::*method)(RequestContext&, const Value&)) {
    add(operation, [provider, method](RequestContext& ctx, const Value& in) { return (provider->*method)(ctx, in); });
  }
  // The same, called with `mutex` held: the usual way a provider serializes
  // access to its state.
  template <class P>
  void add_locked(const std::string& operation, P* provider, std::mutex& mutex,
                  Result<Output> (P::*method)(RequestContext&, const Value&)) {
    add(operation, [provider, &mutex, method](RequestContext& ctx, const Value& in) {
      std::lock_guard lock(mutex);
      return (provider->*method)(ctx, in);
    });
  }
  const Handler* find(std::string_view operation) const {
    auto it = handlers_.find(operation);
    return it == handlers_.end() ? nullptr : &it->second;
  }
  const std::map<std::string, Handler, std::less<>>& all() const { return handlers_; }

 private:
  std::map<std::string, Handler, std::less<>> handlers_;
};

class Provider {
 public:
  virtual ~Provider() = default;
  virtual std::string_view service() const = 0;  // model name
  virtual void register_operations(OperationTable& table) = 0;
  // Forgets all state (POST /_nuage/reset).
  virtual void reset() = 0;
};

}  // namespace nuage::gateway
