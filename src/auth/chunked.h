// aws-chunked payload decoding (Content-Encoding: aws-chunked), used by S3
// uploads from the AWS CLI and the SDKs:
//   STREAMING-AWS4-HMAC-SHA256-PAYLOAD          each chunk signed, chained
//   STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER  signed chunks + signed trailer
//   STREAMING-UNSIGNED-PAYLOAD-TRAILER          plain chunks + trailer (checksums)
// Chunk format: hex-size[;chunk-signature=sig]\r\n data \r\n ... 0[;sig]\r\n
// [trailer-name:value\r\n ... x-amz-trailer-signature:sig\r\n] \r\n
//
// The decoder is incremental: feed it bytes as they arrive, it emits decoded
// payload bytes, so bodies of any size stream through without being held.
// Thread-safety: single owner.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/crypto.h"
#include "common/error.h"

namespace nuage::auth {

struct ChunkSigning {
  bool signed_chunks = false;   // verify each chunk-signature
  std::string signing_key;      // raw kSigning
  std::string amz_date;         // request's X-Amz-Date
  std::string scope;            // date/region/service/aws4_request
  std::string seed_signature;   // the request's header signature (hex)
};

class ChunkedDecoder {
 public:
  using Sink = std::function<void(std::string_view)>;
  ChunkedDecoder(ChunkSigning signing, Sink sink);

  // Feeds raw body bytes; decoded payload goes to the sink. Fails with
  // SignatureDoesNotMatch on a bad chunk signature, IncompleteBody /
  // InvalidRequest on a malformed framing. A signed chunk's bytes reach the
  // sink before its signature is checked (at the chunk's end), so on any
  // failure the consumer must discard everything it received.
  Status feed(std::string_view bytes);
  // Call after the last byte: fails if the final chunk was not seen.
  Status finish();

  uint64_t decoded_size() const { return decoded_; }
  // Trailer headers (lower-cased names), e.g. x-amz-checksum-crc32.
  const std::map<std::string, std::string>& trailers() const { return trailers_; }

 private:
  Status feed_impl(std::string_view bytes);
  Status process_line(std::string_view line);
  Status end_chunk_data();
  Status end_trailer();
  Status verify_chunk(std::string_view data_sha256_hex, std::string_view signature);

  enum class State { kSize, kData, kDataEnd, kTrailer, kDone };
  ChunkSigning signing_;
  Sink sink_;
  State state_ = State::kSize;
  std::string line_;             // partial size/trailer line
  uint64_t remaining_ = 0;       // bytes left in current chunk
  std::string chunk_signature_;  // signature announced for current chunk
  // Signed chunk data is hashed as it streams by rather than held: a hostile
  // client may announce a chunk of any size.
  crypto::Hasher chunk_hash_{crypto::Algorithm::kSha256};
  std::string previous_signature_;
  uint64_t decoded_ = 0;
  std::map<std::string, std::string> trailers_;
  std::string trailer_text_;     // "name:value\n" per trailer, for the trailer signature
  bool trailer_signed_ = false;  // x-amz-trailer-signature seen and valid
  std::optional<AwsError> failure_;  // sticky: the stream is dead after one error
};

}  // namespace nuage::auth
