// Lambda event source mappings: CreateEventSourceMapping,
// Get/Update/Delete/ListEventSourceMappings, for SQS queues (standard and
// FIFO) and DynamoDB streams (StartingPosition TRIM_HORIZON or LATEST,
// BatchSize up to 10,000, retries, record age, bisection, an OnFailure
// queue or topic). Other sources (Kinesis streams, Kafka, MQ, DocumentDB)
// answer 501 NotImplemented naming the source.
//
// A mapping is a document of the resource store (kind
// "event-source-mapping", id = UUID), the EventSourceMappingConfiguration
// answered, stored Enabled or Disabled. As for functions, transitions are
// decided "on the next read": CreateEventSourceMapping answers Creating,
// UpdateEventSourceMapping Enabling / Disabling / Updating, Delete
// Deleting; the following read finds the state reached (and the pollers,
// services/lambda/pollers.h, already started or stopped).
//
// Creating or pointing a mapping at a queue checks, as AWS does, that the
// function's execution role may sqs:ReceiveMessage, sqs:DeleteMessage and
// sqs:GetQueueAttributes on the queue (IAM's simulator), that the queue
// exists, and that its visibility timeout is not shorter than the function's
// timeout.
//
// Thread-safety: handlers take Shared::mutex only to read and write the
// store, never while they call IAM, STS or SQS.
#pragma once

#include "kit/provider.h"
#include "services/lambda/resources.h"
#include "services/lambda/roles.h"
#include "services/lambda/pollers.h"

namespace nuage::services::lambda {

inline constexpr size_t kMaxEventSourceMappingsPerScope = 200;  // each holds a poller thread

class EventSourceMappings {
 public:
  EventSourceMappings(Shared& shared, Roles& roles, Pollers& pollers)
      : shared_(shared), roles_(roles), pollers_(pollers) {}
  void register_operations(kit::OperationTable& table);

 private:
  Result<Output> create(Context& ctx, const Value& in);
  Result<Output> get(Context& ctx, const Value& in);
  Result<Output> update(Context& ctx, const Value& in);
  Result<Output> remove(Context& ctx, const Value& in);
  Result<Output> list(Context& ctx, const Value& in);
  // The function `function_name` names and the queue: checked as the header
  // says; answers the function's ARN and whether the queue is FIFO.
  struct Checked {
    std::string function_arn;
    bool fifo = false;
  };
  Result<Checked> check_source(const Context& ctx, const std::string& function_name, const std::string& queue_arn);
  // The same for a DynamoDB stream: the role may read it
  // (dynamodb:GetRecords, GetShardIterator, DescribeStream, ListStreams) and
  // it exists.
  Result<Checked> check_stream_source(const Context& ctx, const std::string& function_name,
                                      const std::string& stream_arn);

  Shared& shared_;
  Roles& roles_;
  Pollers& pollers_;
};

}  // namespace nuage::services::lambda
