// Amazon DynamoDB Streams (json 1.0, target prefix DynamoDBStreams_20120810,
// signed as "dynamodb" — the gateway tells it from DynamoDB by its target):
// ListStreams, DescribeStream, GetShardIterator and GetRecords over the
// streams the DynamoDB provider writes (services/dynamodb/stream_store.h).
// It lives beside DynamoDB because it is DynamoDB's data read another way:
// it reads the stream tables through StreamStore and never a table's
// document (a stream outlives its table by 24 hours).
//
// A shard iterator is an opaque token naming the stream, the shard, the
// position (the sequence number read last) and when it was issued: it
// expires 15 minutes of nuage's clock later (ExpiredIteratorException), as
// on AWS. A position at or before the stream's trim point answers
// TrimmedDataAccessException; a disabled stream's shard is closed (its
// EndingSequenceNumber set) and GetRecords at its end answers no
// NextShardIterator. IAM actions are dynamodb:*, on the stream's ARN.
//
// Thread-safety: handlers are stateless over the store (the database
// serializes them).
#pragma once

#include <memory>

#include "kit/environment.h"
#include "kit/provider.h"
#include "services/dynamodb/stream_store.h"

namespace nuage::services::dynamodb {

inline constexpr size_t kMaxStreamRecordsRead = 1000;
inline constexpr size_t kMaxStreamBytesRead = 1024 * 1024;

class StreamsProvider : public kit::Provider {
 public:
  explicit StreamsProvider(kit::Environment& env) : env_(env) {}
  std::string_view service() const override { return "dynamodbstreams"; }
  void register_operations(kit::OperationTable& table) override;
  Status open() override;
  void reset() override {}

 private:
  using Context = kit::RequestContext;
  using Value = kit::Value;
  using Output = kit::Output;

  Result<Output> list_streams(Context& ctx, const Value& in);
  Result<Output> describe_stream(Context& ctx, const Value& in);
  Result<Output> get_shard_iterator(Context& ctx, const Value& in);
  Result<Output> get_records(Context& ctx, const Value& in);
  // The stream a StreamArn names, in the caller's scope, or AWS's
  // ResourceNotFoundException.
  Result<StreamInfo> stream(const Context& ctx, const std::string& arn);

  kit::Environment& env_;
  std::unique_ptr<StreamStore> store_;
};

}  // namespace nuage::services::dynamodb
