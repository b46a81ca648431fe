// Lambda event source mappings: CreateEventSourceMapping,
// Get/Update/Delete/ListEventSourceMappings, for SQS queues (standard and
// FIFO). Other sources (DynamoDB and Kinesis streams, Kafka, MQ, DocumentDB)
// answer 501 NotImplemented naming the source.
//
// A mapping is a document of the resource store (kind
// "event-source-mapping", id = UUID), the EventSourceMappingConfiguration
// answered, stored Enabled or Disabled. As for functions, transitions are
// decided "on the next read": CreateEventSourceMapping answers Creating,
// UpdateEventSourceMapping Enabling / Disabling / Updating, Delete
// Deleting; the following read finds the state reached (and the pollers,
// services/lambda/sqs_poller.h, already started or stopped).
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
#include "services/lambda/sqs_poller.h"

namespace nuage::services::lambda {

inline constexpr size_t kMaxEventSourceMappingsPerScope = 200;  // each holds a poller thread

class EventSourceMappings {
 public:
  EventSourceMappings(Shared& shared, Roles& roles, SqsPollers& pollers)
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

  Shared& shared_;
  Roles& roles_;
  SqsPollers& pollers_;
};

}  // namespace nuage::services::lambda
