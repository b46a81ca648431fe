#include "auth/chunked.h"

#include <algorithm>
#include <utility>

#include "common/crypto.h"
#include "common/text.h"

namespace nuage::auth {

namespace {

// Size lines are tiny ("10000;chunk-signature=<64 hex>"); anything near this
// is an attack or garbage, not a slow client.
constexpr size_t kMaxLine = 4096;
// All trailer lines together; real ones carry a checksum or two.
constexpr size_t kMaxTrailerBytes = 16 * 1024;
constexpr std::string_view kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr std::string_view kTrailerSignature = "x-amz-trailer-signature";

AwsError malformed(std::string message) { return AwsError{"InvalidRequest", std::move(message), 400}; }

AwsError incomplete_body() {
  return AwsError{"IncompleteBody", "The request body terminated unexpectedly", 400};
}

AwsError bad_signature() {
  return AwsError{"SignatureDoesNotMatch",
                  "The request signature we calculated does not match the signature you provided. Check your "
                  "AWS Secret Access Key and signing method. Consult the service documentation for details.",
                  403};
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

ChunkedDecoder::ChunkedDecoder(ChunkSigning signing, Sink sink)
    : signing_(std::move(signing)), sink_(std::move(sink)) {
  previous_signature_ = text::lower(signing_.seed_signature);
}

Status ChunkedDecoder::feed(std::string_view bytes) {
  if (failure_) return *failure_;
  Status s = feed_impl(bytes);
  if (!s.ok()) failure_ = s.error();
  return s;
}

Status ChunkedDecoder::feed_impl(std::string_view bytes) {
  size_t i = 0;
  while (i < bytes.size()) {
    if (state_ == State::kData) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, bytes.size() - i));
      std::string_view piece = bytes.substr(i, n);
      if (signing_.signed_chunks) chunk_hash_.update(piece);
      if (sink_) sink_(piece);
      decoded_ += n;
      remaining_ -= n;
      i += n;
      if (remaining_ == 0) NUAGE_TRY(end_chunk_data());
      continue;
    }
    if (state_ == State::kDone) return malformed("Unexpected data after the final aws-chunked chunk.");

    size_t nl = bytes.find('\n', i);
    size_t end = nl == std::string_view::npos ? bytes.size() : nl;
    size_t limit = state_ == State::kTrailer
                       ? kMaxTrailerBytes - std::min(trailer_text_.size(), kMaxTrailerBytes)
                       : kMaxLine;
    if (line_.size() + (end - i) > limit) return malformed("aws-chunked line too long.");
    line_.append(bytes.substr(i, end - i));
    if (nl == std::string_view::npos) return {};
    i = nl + 1;
    std::string line = std::move(line_);
    line_.clear();
    if (!line.empty() && line.back() == '\r') line.pop_back();
    NUAGE_TRY(process_line(line));
  }
  return {};
}

Status ChunkedDecoder::process_line(std::string_view line) {
  switch (state_) {
    case State::kSize: {
      size_t semi = line.find(';');
      std::string_view size_text = text::trim(line.substr(0, semi));
      if (size_text.empty() || size_text.size() > 16) return malformed("Invalid aws-chunked chunk size.");
      uint64_t size = 0;
      for (char c : size_text) {
        int d = hex_digit(c);
        if (d < 0) return malformed("Invalid aws-chunked chunk size.");
        size = size * 16 + static_cast<uint64_t>(d);
      }
      chunk_signature_.clear();
      bool has_signature = false;
      while (semi != std::string_view::npos) {
        size_t next = line.find(';', semi + 1);
        std::string_view ext = line.substr(semi + 1, next == std::string_view::npos ? next : next - semi - 1);
        size_t eq = ext.find('=');
        if (eq != std::string_view::npos && text::trim(ext.substr(0, eq)) == "chunk-signature") {
          chunk_signature_ = text::lower(text::trim(ext.substr(eq + 1)));
          has_signature = true;
        }
        semi = next;
      }
      if (signing_.signed_chunks && !has_signature)
        return malformed("Missing chunk-signature in aws-chunked chunk.");
      if (size == 0) {
        if (signing_.signed_chunks) NUAGE_TRY(verify_chunk(kEmptySha256, chunk_signature_));
        state_ = State::kTrailer;
        return {};
      }
      remaining_ = size;
      state_ = State::kData;
      return {};
    }
    case State::kDataEnd:
      if (!line.empty()) return malformed("aws-chunked chunk data is not followed by CRLF.");
      state_ = State::kSize;
      return {};
    case State::kTrailer: {
      if (line.empty()) return end_trailer();
      if (trailer_signed_) return malformed("Data after the aws-chunked trailer signature.");
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) return malformed("Malformed aws-chunked trailer line.");
      std::string name = text::lower(text::trim(line.substr(0, colon)));
      std::string value(text::trim(line.substr(colon + 1)));
      if (name.empty()) return malformed("Malformed aws-chunked trailer line.");
      if (name == kTrailerSignature) {
        // Unsigned streams may not vouch for their trailers; just ignore it.
        if (!signing_.signed_chunks) return {};
        std::string sts = "AWS4-HMAC-SHA256-TRAILER\n" + signing_.amz_date + "\n" + signing_.scope + "\n" +
                          previous_signature_ + "\n" + text::hex_encode(crypto::sha256(trailer_text_));
        std::string expected = text::hex_encode(crypto::hmac_sha256(signing_.signing_key, sts));
        if (!crypto::constant_time_equal(expected, text::lower(value))) return bad_signature();
        previous_signature_ = std::move(expected);
        trailer_signed_ = true;
        return {};
      }
      trailer_text_ += name + ":" + value + "\n";
      trailers_[name] = std::move(value);
      return {};
    }
    case State::kData:
    case State::kDone:
      break;
  }
  return malformed("Malformed aws-chunked body.");
}

Status ChunkedDecoder::end_chunk_data() {
  state_ = State::kDataEnd;
  if (!signing_.signed_chunks) return {};
  return verify_chunk(text::hex_encode(chunk_hash_.finish()), chunk_signature_);
}

Status ChunkedDecoder::verify_chunk(std::string_view data_sha256_hex, std::string_view signature) {
  std::string sts;
  sts.reserve(300);
  sts += "AWS4-HMAC-SHA256-PAYLOAD\n";
  sts += signing_.amz_date;
  sts += '\n';
  sts += signing_.scope;
  sts += '\n';
  sts += previous_signature_;
  sts += '\n';
  sts += kEmptySha256;
  sts += '\n';
  sts += data_sha256_hex;
  std::string expected = text::hex_encode(crypto::hmac_sha256(signing_.signing_key, sts));
  if (!crypto::constant_time_equal(expected, signature)) return bad_signature();
  previous_signature_ = std::move(expected);
  return {};
}

Status ChunkedDecoder::end_trailer() {
  // With signed chunks every trailer must be covered by the trailer
  // signature, or a client could append checksums nobody vouched for.
  if (signing_.signed_chunks && !trailers_.empty() && !trailer_signed_) return bad_signature();
  state_ = State::kDone;
  return {};
}

Status ChunkedDecoder::finish() {
  if (failure_) return *failure_;
  if (state_ == State::kDone) return {};
  // Some clients stop after the last trailer line without the closing empty
  // line; the payload is complete by then, so that is accepted.
  if (state_ == State::kTrailer && line_.empty()) {
    Status s = end_trailer();
    if (!s.ok()) failure_ = s.error();
    return s;
  }
  failure_ = incomplete_body();
  return *failure_;
}

}  // namespace nuage::auth
