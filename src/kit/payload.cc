#include "kit/payload.h"

namespace nuage::kit {

Status Payload::for_each_chunk(const std::function<void(std::string_view)>& sink) {
  if (!body_) return Status::Ok();
  if (!chunked_) {
    body_->for_each_chunk([&](std::string_view d) {
      sink(d);
      return true;
    });
    return Status::Ok();
  }
  auth::ChunkedDecoder decoder(*chunked_, sink);
  Status status;
  body_->for_each_chunk([&](std::string_view c) {
    status = decoder.feed(c);
    return status.ok();
  });
  if (status.ok()) status = decoder.finish();
  trailers_ = decoder.trailers();
  return status;
}

Result<std::string> Payload::read_all() {
  if (in_memory()) return body_->memory();
  std::string out;
  NUAGE_TRY(for_each_chunk([&](std::string_view d) { out.append(d); }));
  return out;
}

}  // namespace nuage::kit
