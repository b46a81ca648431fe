// CloudWatch metric math for GetMetricData (and metric-math alarms): the
// basics of the expression language over time series.
//   m1 + m2, m1 * 100, (m1 - m2) / m3   arithmetic between series (matching
//                                       timestamps) and scalars
//   SUM(METRICS()), AVG([m1, m2])       per-timestamp sum/average/min/max of
//   MIN(...), MAX(...)                  an array; of one series: a scalar
//   METRICS(), METRICS("m")             every metric (MetricStat) query, or
//                                       those whose id contains the string
//   RATE(m1), DIFF(m1), ABS(m1)         per-second change, change, absolute
//   FILL(m1, 0)                         missing timestamps (of the union of
//                                       all inputs) filled with a value
// Thread-safety: pure functions.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace nuage::services::cloudwatch {

using Series = std::map<double, double>;  // epoch seconds -> value

// Evaluates `expression`; `vars` holds the series of the other queries by
// id, `metric_ids` the ids METRICS() covers. ValidationError on a bad
// expression or unknown id.
Result<Series> evaluate_expression(std::string_view expression, const std::map<std::string, Series>& vars,
                                   const std::vector<std::string>& metric_ids);

}  // namespace nuage::services::cloudwatch
