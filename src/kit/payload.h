// The raw request payload of an operation whose input is a streaming blob
// (S3 PutObject and UploadPart, Lambda Invoke): the bytes after the HTTP and
// aws-chunked framing, so a provider never decodes a wire format. Small
// bodies are in memory; large ones were spooled to a file on the data
// folder's file system, which a provider may take over with a rename
// (release_file) when no decoding stands between the file and the bytes.
//
// aws-chunked bodies (x-amz-content-sha256: STREAMING-...) are decoded, and
// their chunk signatures verified, as they are read; their trailers (S3's
// checksums) are available once the whole payload was read.
//
// Thread-safety: single owner (the request being handled).
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "auth/chunked.h"
#include "common/error.h"
#include "http/message.h"

namespace nuage::kit {

class Payload {
 public:
  Payload() = default;
  Payload(http::Body* body, std::optional<auth::ChunkSigning> chunked)
      : body_(body), chunked_(std::move(chunked)) {}

  bool present() const { return body_ != nullptr; }
  // The payload is aws-chunked: its bytes exist only decoded, chunk by chunk.
  bool chunked() const { return chunked_.has_value(); }
  // Bytes as received (the framing included for aws-chunked payloads).
  uint64_t received_size() const { return body_ ? body_->size() : 0; }
  // The received bytes were large enough to be spooled to a file: decode
  // them to a file too, not to memory.
  bool spooled() const { return body_ && body_->in_file(); }

  // Streams the payload's bytes to `sink` (decoded, chunk signatures
  // verified). Fails with the decoder's error (SignatureDoesNotMatch,
  // IncompleteBody...); a consumer must then discard what it received.
  Status for_each_chunk(const std::function<void(std::string_view)>& sink);
  // The whole payload in memory (for small payloads: Lambda's Invoke).
  Result<std::string> read_all();
  // Trailer headers of an aws-chunked payload (lower-cased names), once read.
  const std::map<std::string, std::string>& trailers() const { return trailers_; }

  // A payload that is exactly the spooled file's bytes (not chunked):
  // the caller takes the file over.
  bool adoptable_file() const { return body_ && !chunked_ && body_->in_file(); }
  std::filesystem::path release_file() { return body_->release_file(); }
  // The bytes of an in-memory, not chunked payload, without a copy.
  bool in_memory() const { return body_ && !chunked_ && !body_->in_file(); }
  const std::string& memory() const { return body_->memory(); }

 private:
  http::Body* body_ = nullptr;
  std::optional<auth::ChunkSigning> chunked_;
  std::map<std::string, std::string> trailers_;
};

}  // namespace nuage::kit
