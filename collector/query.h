// `bw-collector query`: what the SOC asks the store (alerts, campaigns, sensors, raw events), as
// an aligned text table or JSON lines. Reads through a read-only Store, so it runs while the
// server writes (WAL readers do not block the writer).
#pragma once

#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>

#include "collector/store.h"

namespace bw::collector {

enum class QueryKind { kAlerts, kCampaigns, kSensors, kEvents };

struct QueryOptions {
  std::string db_path;
  QueryKind kind = QueryKind::kAlerts;
  // Inclusive time range on the event's packet time.
  std::int64_t since_ns = std::numeric_limits<std::int64_t>::min();
  std::int64_t until_ns = std::numeric_limits<std::int64_t>::max();
  std::string host;          // recipient machine: client_ip
  std::string domain;        // registrable_domain, or host equal to it or under it
  std::string url_template;  // exact
  std::string sensor;        // sensor_id
  // The most recent `limit` rows (still printed oldest first); 0 = all.
  std::uint64_t limit = 0;
  bool json = false;
};

// Parses the arguments after `query`: --db FILE [alerts|campaigns|sensors|events] [--since T]
// [--until T] [--host IP] [--domain D] [--template T] [--sensor ID] [--limit N] [--json].
// T is RFC 3339 (2021-03-01T10:00:00Z, fractions and +hh:mm offsets allowed) or unix seconds.
// On error `error` names the offending argument and value.
bool parse_query_args(int argc, const char* const* argv, QueryOptions& options, std::string& error);

// Parses a --since/--until value into nanoseconds since the epoch.
bool parse_time_arg(const std::string& text, std::int64_t& unix_ns, std::string& error);

bool run_query(Store& store, const QueryOptions& options, std::FILE* out, std::string& error);
// Opens options.db_path read-only and runs the query.
bool run_query(const QueryOptions& options, std::FILE* out, std::string& error);

}  // namespace bw::collector
