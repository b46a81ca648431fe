// Files in the delivery channel's bucket, in AWS's layout
// (<prefix>/AWSLogs/<account>/Config/<region>/<Y>/<M>/<D>/...), gzipped JSON:
//   ConfigHistory/  every six hours of clock (00:00, 06:00, 12:00, 18:00
//                   UTC), one file per resource type with the items
//                   recorded since the last delivery;
//   ConfigSnapshot/ on DeliverConfigSnapshot and at the channel's
//                   configSnapshotDeliveryProperties.deliveryFrequency: the
//                   latest item of every resource;
//   OversizedChangeNotification/  an item too large for a rule's event.
// Uploads go through S3's PutObject as config.amazonaws.com; their outcome
// is the channel's delivery status.
#include <zlib.h>

#include <spdlog/spdlog.h>

#include "services/config/internal.h"

namespace nuage::services::config {

namespace {

constexpr int64_t kHistoryPeriod = 6 * 3600;

std::string gzip(const std::string& data) {
  z_stream z{};
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return "";
  std::string out(deflateBound(&z, data.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return rc == Z_STREAM_END ? out : "";
}

// The next multiple of `period` seconds (UTC) after `now`.
double next_step(double now, int64_t period) {
  return static_cast<double>((static_cast<int64_t>(now) / period + 1) * period);
}

std::string compact_time(Clock::TimePoint t) { return timefmt::amz_date(t); }

std::string scope_key(const Provider::Scope& scope, const char* what) {
  return scope.account + "/" + scope.region + "/" + what;
}

}  // namespace

Status Provider::put_file(const Scope& scope, const std::string& role, const std::string& bucket,
                          const std::string& key, const std::string& body) const {
  auto credential = env_.assume_role(role, kConfigPrincipal, scope.account, scope.region, "AWSConfig-Delivery");
  if (!credential) return credential.error();
  Value in = {{"Bucket", bucket}, {"Key", key}, {"Body", kit::make_blob(body)}};
  if (text::ends_with(key, ".gz")) {
    in["ContentType"] = "application/json";
    in["ContentEncoding"] = "gzip";
  }
  auto out = env_.call("s3", "PutObject", in, *credential, scope.region);
  if (!out) return out.error();
  return Status::Ok();
}

std::string Provider::file_key(const Value& channel, const Scope& scope, Clock::TimePoint when,
                               const std::string& folder, const std::string& name) const {
  auto day = std::chrono::floor<std::chrono::days>(when);
  std::chrono::year_month_day date{day};
  return logs_prefix(channel, scope.account) + scope.region + "/" + std::to_string(static_cast<int>(date.year())) +
         "/" + std::to_string(static_cast<unsigned>(date.month())) + "/" +
         std::to_string(static_cast<unsigned>(date.day())) + "/" + folder + "/" + name;
}

void Provider::disarm_delivery(const Scope& scope) {
  for (const char* what : {"history", "snapshot"}) {
    auto it = delivery_timers_.find(scope_key(scope, what));
    if (it == delivery_timers_.end()) continue;
    env_.clock.cancel(it->second);
    delivery_timers_.erase(it);
  }
}

void Provider::arm_delivery(const Scope& scope) {
  disarm_delivery(scope);
  const Value* c = channel(scope);
  if (!c) return;
  double now = epoch(env_.clock.now());
  auto arm = [&](const char* what, double at, std::function<void(Effects&)> deliver) {
    delivery_timers_[scope_key(scope, what)] =
        env_.clock.schedule(timefmt::from_epoch_seconds(at), [this, scope, deliver](Clock::TimePoint) {
          Effects fx;
          {
            std::lock_guard lock(mutex_);
            deliver(fx);
            arm_delivery(scope);
          }
          run(std::move(fx));
        });
  };
  double history_at = next_step(now, kHistoryPeriod);
  Value* doc = store_->find(scope, kChannel, (*c)["name"]);
  (*doc)["_history"]["nextDeliveryTime"] = history_at;
  arm("history", history_at, [this, scope](Effects& fx) { deliver_history(scope, fx); });
  if (doc->contains("configSnapshotDeliveryProperties")) {
    int64_t period = frequency_seconds((*doc)["configSnapshotDeliveryProperties"].value("deliveryFrequency", ""));
    double snapshot_at = next_step(now, period);
    (*doc)["_snapshot"]["nextDeliveryTime"] = snapshot_at;
    arm("snapshot", snapshot_at, [this, scope](Effects& fx) {
      if (recording(scope)) (void)deliver_snapshot(scope, crypto::random_uuid(), fx);
    });
  }
  std::string name = (*doc)["name"];
  (void)store_->put(scope, kChannel, name, *doc);
}

void Provider::deliver_history(const Scope& scope, Effects& fx) {
  const Value* c = channel(scope);
  if (!c) return;
  int64_t since = c->value("_historySeq", int64_t{0});
  std::map<std::string, Value> by_type;
  int64_t last = since;
  double first_time = 0;
  (void)items_.for_each_since(scope.account, scope.region, since, [&](const Item& item) {
    Value& list = by_type[item.resource.type];
    if (list.is_null()) list = Value::array();
    list.push_back(notification_item(item));
    last = item.seq;
    if (first_time == 0) first_time = item.capture_time;
  });
  if (by_type.empty()) return;
  Clock::TimePoint now = env_.clock.now();
  double start = c->value("_historyDelivered", first_time);
  for (auto& [type, items] : by_type) {
    std::string name = scope.account + "_Config_" + scope.region + "_ConfigHistory_" + type + "_" +
                       compact_time(timefmt::from_epoch_seconds(start)) + "_" + compact_time(now) + "_1.json.gz";
    Value file = {{"fileVersion", "1.0"}, {"configurationItems", std::move(items)}};
    fx.uploads.push_back({scope, role_of(scope), (*c)["s3BucketName"], file_key(*c, scope, now, "ConfigHistory", name),
                          gzip(file.dump()), "history", last, ""});
  }
}

Status Provider::deliver_snapshot(const Scope& scope, const std::string& snapshot_id, Effects& fx) {
  const Value* c = channel(scope);
  if (!c) return Status::Ok();
  Value items = Value::array();
  NUAGE_TRY(items_.for_each_current(scope.account, scope.region, "",
                                    [&](const ItemPtr& item) { items.push_back(notification_item(*item)); }));
  Clock::TimePoint now = env_.clock.now();
  std::string name =
      scope.account + "_Config_" + scope.region + "_ConfigSnapshot_" + compact_time(now) + "_" + snapshot_id + ".json.gz";
  Value file = {{"fileVersion", "1.0"}, {"configSnapshotId", snapshot_id}, {"configurationItems", std::move(items)}};
  fx.uploads.push_back({scope, role_of(scope), (*c)["s3BucketName"], file_key(*c, scope, now, "ConfigSnapshot", name),
                        gzip(file.dump()), "snapshot", 0, snapshot_id});
  return Status::Ok();
}

std::string Provider::deliver_oversized(const Item& item, Effects& fx) {
  Scope scope{item.account, item.region};
  const Value* c = channel(scope);
  if (!c) return "";
  const Described& r = item.resource;
  Clock::TimePoint when = timefmt::from_epoch_seconds(item.capture_time);
  std::string name = scope.account + "_Config_" + scope.region + "_ChangeNotification_" + r.type + "_" + r.id + "_" +
                     compact_time(when) + "_" + std::to_string(item.state_id) + ".json.gz";
  std::string key = file_key(*c, scope, when, "OversizedChangeNotification/" + r.type + "/" + r.id, name);
  std::string bucket = (*c)["s3BucketName"];
  fx.uploads.push_back({scope, role_of(scope), bucket, key, gzip(notification_item(item).dump()), "oversized", 0, ""});
  return bucket + "/" + key;
}

void Provider::uploaded(const Upload& upload, const Status& status) {
  if (!status.ok())
    spdlog::warn("config: cannot deliver s3://{}/{}: {} {}", upload.bucket, upload.key, status.error().code,
                 status.error().message);
  if (upload.kind != "history" && upload.kind != "snapshot") return;
  Effects fx;
  {
    std::lock_guard lock(mutex_);
    const Value* c = channel(upload.scope);
    if (!c) return;
    Value doc = *c;
    double now = epoch(env_.clock.now());
    Value& info = doc["_" + upload.kind];
    info["lastAttemptTime"] = now;
    if (status.ok()) {
      info["lastStatus"] = "Success";
      info["lastSuccessfulTime"] = now;
      info.erase("lastErrorCode");
      info.erase("lastErrorMessage");
      if (upload.kind == "history") {
        doc["_historySeq"] = std::max(doc.value("_historySeq", int64_t{0}), upload.seq);
        doc["_historyDelivered"] = now;
      }
    } else {
      info["lastStatus"] = "Failure";
      info["lastErrorCode"] = status.error().code;
      info["lastErrorMessage"] = status.error().message;
    }
    std::string name = doc["name"];
    (void)store_->put(upload.scope, kChannel, name, std::move(doc));
    // Rules triggered by ConfigurationSnapshotDeliveryCompleted.
    if (status.ok() && upload.kind == "snapshot") {
      Value invoking = {{"configSnapshotId", upload.snapshot_id},
                        {"s3ObjectKey", upload.key},
                        {"s3Bucket", upload.bucket},
                        {"notificationCreationTime", iso_millis(env_.clock.now())},
                        {"messageType", "ConfigurationSnapshotDeliveryCompleted"},
                        {"recordVersion", "1.1"}};
      for (const auto& [rule_name, rule] : store_->all(upload.scope, kRule))
        for (const auto& d : rule["Source"].value("SourceDetails", Value::array()))
          if (d.value("MessageType", "") == "ConfigurationSnapshotDeliveryCompleted")
            fx.invocations.push_back(invocation(upload.scope, rule, invoking.dump(), false, now));
    }
  }
  run(std::move(fx));
}

Result<Output> Provider::deliver_config_snapshot(Context& ctx, const Value& in, Effects& fx) {
  Scope scope{ctx.account_id, ctx.region};
  std::string name = in.at("deliveryChannelName");
  const Value* c = channel(scope);
  if (!c || (*c)["name"] != name)
    return errors("NoSuchDeliveryChannelException", "Cannot find delivery channel with specified name '" + name + "'.");
  if (!recorder(scope))
    return errors("NoAvailableConfigurationRecorderException", "There are no configuration recorders available.");
  if (!recording(scope))
    return errors("NoRunningConfigurationRecorderException", "There is no configuration recorder running.");
  std::string id = crypto::random_uuid();
  NUAGE_TRY(deliver_snapshot(scope, id, fx));
  Output out;
  out.value["configSnapshotId"] = id;
  return out;
}

}  // namespace nuage::services::config
