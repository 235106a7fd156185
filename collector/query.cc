#include "collector/query.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstring>
#include <span>

#include "beaconwatch/v1/event.pb.h"
#include "collector/ecs_json.h"
#include "sensor/common/ascii.h"
#include "sensor/common/crypto.h"
#include "sensor/export/json/proto_json.h"

namespace bw::collector {
namespace {

namespace pb = beaconwatch::v1;

constexpr std::int64_t kNsPerSecond = 1'000'000'000;
constexpr std::size_t kTopReasons = 3;

// One output value: `header` names its text column (empty: JSON only), `json` is raw JSON.
struct Field {
  std::string key;
  std::string header;
  std::string text;
  std::string json;
};

struct Record {
  std::vector<Field> fields;
  // When set, the record's JSON line (raw events print the project's own JSON mapping).
  std::string json_line;
};

std::string json_string(std::string_view text) {
  std::string json;
  append_json_string(json, text);
  return json;
}

Field text_field(std::string key, std::string header, std::string_view text) {
  return {std::move(key), std::move(header), std::string(text), json_string(text)};
}

Field number_field(std::string key, std::string header, std::int64_t number) {
  return {std::move(key), std::move(header), std::to_string(number), std::to_string(number)};
}

Field list_field(std::string key, std::string header, const std::vector<std::string>& items) {
  Field field{std::move(key), std::move(header), {}, "["};
  for (const std::string& item : items) {
    if (!field.text.empty()) field.text += ',';
    if (field.json.size() > 1) field.json += ',';
    field.text += item;
    append_json_string(field.json, item);
  }
  field.json += ']';
  return field;
}

// The store keeps an epoch's 64 bits in a signed column (store.cc); shown unsigned, as the
// sensor's log and the events' JSON show it.
Field epoch_field(std::string key, std::string header, std::int64_t stored) {
  const std::string text = std::to_string(static_cast<std::uint64_t>(stored));
  return {std::move(key), std::move(header), text, json_string(text)};
}

std::string time_text(std::int64_t unix_ns) {
  std::string text = format_rfc3339_ns(unix_ns);
  return text.erase(19, 10);  // whole seconds are enough in a table
}

// A time column: seconds in the table, nanoseconds and the raw number in JSON.
void add_time(Record& record, const std::string& key, std::string header, std::int64_t unix_ns) {
  record.fields.push_back(
      {key, std::move(header), time_text(unix_ns), json_string(format_rfc3339_ns(unix_ns))});
  record.fields.push_back({key + "_ns", "", {}, std::to_string(unix_ns)});
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    c = ascii_lower(c);
  return out;
}

std::string text_of(const SqlValue& value) {
  if (const auto* text = std::get_if<std::string>(&value)) return *text;
  if (const auto* number = std::get_if<std::int64_t>(&value)) return std::to_string(*number);
  return {};
}

std::int64_t int_of(const SqlValue& value) {
  const auto* number = std::get_if<std::int64_t>(&value);
  return number != nullptr ? *number : 0;
}

// WHERE clause assembled from the filters, with numbered parameters.
class Filter {
 public:
  std::string param(SqlValue value) {
    params_.push_back(std::move(value));
    return "?" + std::to_string(params_.size());
  }
  void add(const std::string& condition) {
    sql_ += (sql_.empty() ? " WHERE " : " AND ") + condition;
  }
  // `column` equals the domain or is a name under it.
  std::string domain_match(const std::string& column, const std::string& domain) {
    const std::string dotted = param("." + domain);
    return "(" + column + " = " + param(domain) + " OR substr(" + column + ", -length(" + dotted +
           ")) = " + dotted + ")";
  }
  std::string limit(std::uint64_t limit) {
    return limit == 0 ? std::string() : " LIMIT " + param(static_cast<std::int64_t>(limit));
  }
  const std::string& sql() const { return sql_; }
  const std::vector<SqlValue>& params() const { return params_; }

 private:
  std::string sql_;
  std::vector<SqlValue> params_;
};

// Filters shared by alerts and events (rows of the events table).
Filter event_filter(const QueryOptions& options) {
  Filter filter;
  filter.add("timestamp_ns BETWEEN " + filter.param(options.since_ns) + " AND " +
             filter.param(options.until_ns));
  if (!options.host.empty()) filter.add("client_ip = " + filter.param(options.host));
  if (!options.domain.empty()) {
    const std::string domain = lower(options.domain);
    filter.add("(registrable_domain = " + filter.param(domain) + " OR " +
               filter.domain_match("host", domain) + ")");
  }
  if (!options.url_template.empty()) {
    filter.add("url_template = " + filter.param(options.url_template));
  }
  if (!options.sensor.empty()) filter.add("sensor_id = " + filter.param(options.sensor));
  return filter;
}

std::vector<std::string> top_reasons(const std::string& blob) {
  pb::Event event;
  if (!event.ParseFromString(blob)) return {};
  std::vector<const pb::Reason*> reasons;
  for (const pb::Reason& reason : event.beacon().reasons())
    reasons.push_back(&reason);
  std::stable_sort(reasons.begin(), reasons.end(), [](const pb::Reason* a, const pb::Reason* b) {
    return a->weight() > b->weight();
  });
  std::vector<std::string> signals;
  for (std::size_t i = 0; i < std::min(kTopReasons, reasons.size()); ++i) {
    signals.push_back(reasons[i]->signal());
  }
  return signals;
}

bool query_alerts(Store& store, const QueryOptions& options, std::vector<Record>& records,
                  std::string& error) {
  Filter filter = event_filter(options);
  filter.add("kind = 'beacon'");
  const std::string sql =
      "SELECT timestamp_ns, sensor_id, sequence, client_ip, host, registrable_domain, "
      "url_template, score, campaign_id, event, stream_epoch FROM events" +
      filter.sql() +
      " ORDER BY timestamp_ns DESC, sensor_id DESC, stream_epoch DESC, sequence DESC" +
      filter.limit(options.limit);
  return store.query(
      sql, filter.params(),
      [&](const SqlRow& row) {
        Record record;
        add_time(record, "time", "TIME", int_of(row[0]));
        record.fields.push_back(text_field("sensor_id", "SENSOR", text_of(row[1])));
        // With the sequence, the alert's identity: JSON only, the table has no room for it.
        record.fields.push_back(epoch_field("stream_epoch", "", int_of(row[10])));
        record.fields.push_back(number_field("sequence", "", int_of(row[2])));
        record.fields.push_back(text_field("client_ip", "CLIENT", text_of(row[3])));
        record.fields.push_back(text_field("host", "HOST", text_of(row[4])));
        record.fields.push_back(text_field("registrable_domain", "DOMAIN", text_of(row[5])));
        record.fields.push_back(text_field("url_template", "TEMPLATE", text_of(row[6])));
        const auto* score = std::get_if<double>(&row[7]);
        const std::string score_text =
            score != nullptr ? float_text(static_cast<float>(*score)) : "";
        record.fields.push_back(
            {"score", "SCORE", score_text, score_text.empty() ? "null" : score_text});
        record.fields.push_back(text_field("campaign_id", "CAMPAIGN", text_of(row[8])));
        record.fields.push_back(list_field("reasons", "REASONS", top_reasons(text_of(row[9]))));
        records.push_back(std::move(record));
      },
      error);
}

std::string cross_sensor_id(std::string_view key_kind, std::string_view key) {
  std::string material = std::string(key_kind) + ":" + std::string(key);
  const crypto::Sha256Digest digest = crypto::sha256(
      ByteSpan(reinterpret_cast<const std::uint8_t*>(material.data()), material.size()));
  char hex[64];
  crypto::to_hex(digest, hex);
  return "xc-" + std::string(hex, 12);
}

bool distinct_values(Store& store, const char* sql, const std::string& key_kind,
                     const std::string& key, std::vector<std::string>& values, std::string& error) {
  return store.query(
      sql, {key_kind, key}, [&](const SqlRow& row) { values.push_back(text_of(row[0])); }, error);
}

bool add_campaign_members(Store& store, Record& record, const std::string& key_kind,
                          const std::string& key, std::string& error) {
  std::vector<std::string> sensors;
  std::vector<std::string> campaign_ids;
  if (!distinct_values(store,
                       "SELECT DISTINCT sensor_id FROM campaign_sightings "
                       "WHERE key_kind = ?1 AND key = ?2 ORDER BY sensor_id",
                       key_kind, key, sensors, error) ||
      !distinct_values(store,
                       "SELECT DISTINCT campaign_id FROM campaign_reports "
                       "WHERE key_kind = ?1 AND key = ?2 ORDER BY campaign_id",
                       key_kind, key, campaign_ids, error)) {
    return false;
  }
  record.fields.push_back(list_field("sensor_ids", "SENSOR_IDS", sensors));
  record.fields.push_back(list_field("campaign_ids", "CAMPAIGN_IDS", campaign_ids));
  return true;
}

Filter campaign_filter(const QueryOptions& options) {
  Filter filter;
  const auto sighting = [&](const std::string& condition) {
    return "EXISTS (SELECT 1 FROM campaign_sightings s WHERE s.key_kind = k.key_kind AND "
           "s.key = k.key AND " +
           condition + ")";
  };
  filter.add("k.last_seen_ns >= " + filter.param(options.since_ns));
  filter.add("k.first_seen_ns <= " + filter.param(options.until_ns));
  if (!options.host.empty()) filter.add(sighting("s.client_ip = " + filter.param(options.host)));
  if (!options.sensor.empty()) {
    filter.add(sighting("s.sensor_id = " + filter.param(options.sensor)));
  }
  if (!options.url_template.empty()) {
    filter.add("k.key_kind = 'template' AND k.key = " + filter.param(options.url_template));
  }
  if (!options.domain.empty()) {
    filter.add("k.key_kind <> 'template' AND " +
               filter.domain_match("k.key", lower(options.domain)));
  }
  return filter;
}

bool query_campaigns(Store& store, const QueryOptions& options, std::vector<Record>& records,
                     std::string& error) {
  Filter filter = campaign_filter(options);
  // A campaign is what a sensor reported as one, or a key seen by two sensors or more.
  const std::string sql =
      "SELECT * FROM (SELECT k.key_kind, k.key, k.first_seen_ns, k.last_seen_ns, "
      "(SELECT count(DISTINCT sensor_id) FROM campaign_sightings s "
      " WHERE s.key_kind = k.key_kind AND s.key = k.key) AS sensors, "
      "(SELECT count(DISTINCT client_ip) FROM campaign_sightings s "
      " WHERE s.key_kind = k.key_kind AND s.key = k.key AND client_ip <> '') AS hosts, "
      "EXISTS (SELECT 1 FROM campaign_reports r "
      " WHERE r.key_kind = k.key_kind AND r.key = k.key) AS reported "
      "FROM campaign_keys k" +
      filter.sql() +
      ") WHERE sensors >= 2 OR reported "
      "ORDER BY first_seen_ns DESC, key_kind DESC, key DESC" +
      filter.limit(options.limit);
  std::vector<SqlRow> rows;
  if (!store.query(
          sql, filter.params(), [&](const SqlRow& row) { rows.push_back(row); }, error)) {
    return false;
  }
  for (const SqlRow& row : rows) {
    const std::string key_kind = text_of(row[0]);
    const std::string key = text_of(row[1]);
    Record record;
    record.fields.push_back(text_field("id", "ID", cross_sensor_id(key_kind, key)));
    record.fields.push_back(text_field("key_kind", "KIND", key_kind));
    record.fields.push_back(text_field("key", "KEY", key));
    record.fields.push_back(number_field("sensors", "SENSORS", int_of(row[4])));
    record.fields.push_back(number_field("hosts", "HOSTS", int_of(row[5])));
    add_time(record, "first_seen", "FIRST_SEEN", int_of(row[2]));
    add_time(record, "last_seen", "LAST_SEEN", int_of(row[3]));
    if (!add_campaign_members(store, record, key_kind, key, error)) return false;
    records.push_back(std::move(record));
  }
  return true;
}

bool query_sensors(Store& store, const QueryOptions& options, std::vector<Record>& records,
                   std::string& error) {
  Filter filter;
  filter.add("last_seen_ns >= " + filter.param(options.since_ns));
  filter.add("first_seen_ns <= " + filter.param(options.until_ns));
  if (!options.sensor.empty()) filter.add("sensor_id = " + filter.param(options.sensor));
  const std::string sql =
      "SELECT sensor_id, first_seen_ns, last_seen_ns, last_sequence, events_stored, "
      "software_version, peer, health_ns, health_json, "
      "json_extract(health_json, '$.\"capture.kernel_dropped\"'), "
      "json_extract(health_json, '$.\"spool.pending_events\"'), "
      "json_extract(health_json, '$.\"spool.events_dropped_at_cap\"'), last_stream_epoch "
      "FROM sensors" +
      filter.sql() + " ORDER BY sensor_id" + filter.limit(options.limit);
  return store.query(
      sql, filter.params(),
      [&](const SqlRow& row) {
        Record record;
        const bool has_health = !std::holds_alternative<std::monostate>(row[7]);
        record.fields.push_back(text_field("sensor_id", "SENSOR", text_of(row[0])));
        add_time(record, "first_seen", "", int_of(row[1]));
        add_time(record, "last_seen", "LAST_SEEN", int_of(row[2]));
        record.fields.push_back(epoch_field("last_stream_epoch", "EPOCH", int_of(row[12])));
        record.fields.push_back(number_field("last_sequence", "LAST_SEQ", int_of(row[3])));
        record.fields.push_back(number_field("events_stored", "EVENTS", int_of(row[4])));
        record.fields.push_back(text_field("software_version", "VERSION", text_of(row[5])));
        record.fields.push_back(text_field("peer", "PEER", text_of(row[6])));
        if (has_health) {
          add_time(record, "health", "HEALTH_AT", int_of(row[7]));
        } else {
          record.fields.push_back({"health", "HEALTH_AT", {}, "null"});
          record.fields.push_back({"health_ns", "", {}, "null"});
        }
        record.fields.push_back({"health_counters", "", {}, has_health ? text_of(row[8]) : "{}"});
        // A counter absent from a report was zero (reports leave zeros out); no report: unknown.
        const auto counter = [&](const SqlValue& value) {
          return has_health ? std::to_string(int_of(value)) : std::string();
        };
        record.fields.push_back({"", "KERNEL_DROPPED", counter(row[9]), {}});
        record.fields.push_back({"", "SPOOL_PENDING", counter(row[10]), {}});
        record.fields.push_back({"", "SPOOL_DROPPED", counter(row[11]), {}});
        records.push_back(std::move(record));
      },
      error);
}

bool query_events(Store& store, const QueryOptions& options, std::vector<Record>& records,
                  std::string& error) {
  Filter filter = event_filter(options);
  const std::string sql =
      "SELECT timestamp_ns, sensor_id, sequence, kind, client_ip, server_ip, host, event, "
      "stream_epoch FROM events" +
      filter.sql() +
      " ORDER BY timestamp_ns DESC, sensor_id DESC, stream_epoch DESC, sequence DESC" +
      filter.limit(options.limit);
  return store.query(
      sql, filter.params(),
      [&](const SqlRow& row) {
        Record record;
        add_time(record, "time", "TIME", int_of(row[0]));
        record.fields.push_back(text_field("sensor_id", "SENSOR", text_of(row[1])));
        record.fields.push_back(epoch_field("stream_epoch", "EPOCH", int_of(row[8])));
        record.fields.push_back(number_field("sequence", "SEQ", int_of(row[2])));
        record.fields.push_back(text_field("kind", "KIND", text_of(row[3])));
        record.fields.push_back(text_field("client_ip", "CLIENT", text_of(row[4])));
        record.fields.push_back(text_field("server_ip", "SERVER", text_of(row[5])));
        record.fields.push_back(text_field("host", "HOST", text_of(row[6])));
        pb::Event event;
        if (event.ParseFromString(text_of(row[7]))) {
          (void)exporter::json::message_to_json(event, record.json_line);
        }
        records.push_back(std::move(record));
      },
      error);
}

bool print_json(const std::vector<Record>& records, std::FILE* out) {
  std::string line;
  for (const Record& record : records) {
    line = record.json_line;
    if (line.empty()) {
      line = "{";
      for (const Field& field : record.fields) {
        if (field.key.empty()) continue;
        if (line.size() > 1) line += ',';
        append_json_string(line, field.key);
        line += ':';
        line += field.json;
      }
      line += '}';
    }
    line += '\n';
    if (std::fwrite(line.data(), 1, line.size(), out) != line.size()) return false;
  }
  return true;
}

bool print_table(const std::vector<Field>& header_source, const std::vector<Record>& records,
                 std::FILE* out) {
  std::vector<std::size_t> columns;
  std::vector<std::size_t> widths;
  for (std::size_t i = 0; i < header_source.size(); ++i) {
    if (header_source[i].header.empty()) continue;
    columns.push_back(i);
    widths.push_back(header_source[i].header.size());
  }
  const auto cell = [](const Field& field) -> std::string_view {
    return field.text.empty() ? "-" : std::string_view(field.text);
  };
  for (const Record& record : records) {
    for (std::size_t c = 0; c < columns.size(); ++c) {
      widths[c] = std::max(widths[c], cell(record.fields[columns[c]]).size());
    }
  }
  const auto print_row = [&](const auto& text_at) {
    std::string line;
    for (std::size_t c = 0; c < columns.size(); ++c) {
      const std::string_view text = text_at(columns[c]);
      line += text;
      if (c + 1 < columns.size()) line.append(widths[c] - text.size() + 2, ' ');
    }
    line += '\n';
    return std::fwrite(line.data(), 1, line.size(), out) == line.size();
  };
  bool ok = print_row([&](std::size_t i) -> std::string_view { return header_source[i].header; });
  for (const Record& record : records) {
    ok = ok && print_row([&](std::size_t i) { return cell(record.fields[i]); });
  }
  return ok;
}

// Headers of a kind's table, for when there are no rows to take them from.
std::vector<Field> empty_header(QueryKind kind) {
  static const std::vector<std::vector<std::string>> kHeaders = {
      {"TIME", "SENSOR", "CLIENT", "HOST", "DOMAIN", "TEMPLATE", "SCORE", "CAMPAIGN", "REASONS"},
      {"ID", "KIND", "KEY", "SENSORS", "HOSTS", "FIRST_SEEN", "LAST_SEEN", "SENSOR_IDS",
       "CAMPAIGN_IDS"},
      {"SENSOR", "LAST_SEEN", "LAST_SEQ", "EVENTS", "VERSION", "PEER", "HEALTH_AT",
       "KERNEL_DROPPED", "SPOOL_PENDING", "SPOOL_DROPPED"},
      {"TIME", "SENSOR", "SEQ", "KIND", "CLIENT", "SERVER", "HOST"}};
  std::vector<Field> fields;
  for (const std::string& header : kHeaders[static_cast<std::size_t>(kind)]) {
    fields.push_back({{}, header, {}, {}});
  }
  return fields;
}

bool parse_kind(std::string_view text, QueryKind& kind) {
  static constexpr std::pair<std::string_view, QueryKind> kKinds[] = {
      {"alerts", QueryKind::kAlerts},
      {"campaigns", QueryKind::kCampaigns},
      {"sensors", QueryKind::kSensors},
      {"events", QueryKind::kEvents}};
  for (const auto& [name, value] : kKinds) {
    if (text == name) {
      kind = value;
      return true;
    }
  }
  return false;
}

bool parse_digits(std::string_view text, std::int64_t& value) {
  if (text.empty() || text.front() == '-' || text.front() == '+') return false;
  const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  return result.ec == std::errc() && result.ptr == text.data() + text.size();
}

// Up to nine fraction digits, as nanoseconds.
bool parse_fraction(std::string_view digits, std::int64_t& ns) {
  if (digits.empty() || digits.size() > 9 || !parse_digits(digits, ns)) return false;
  for (std::size_t i = digits.size(); i < 9; ++i)
    ns *= 10;
  return true;
}

bool parse_unix_seconds(std::string_view text, std::int64_t& unix_ns) {
  const std::size_t dot = text.find('.');
  std::int64_t seconds = 0;
  std::int64_t fraction = 0;
  if (!parse_digits(text.substr(0, dot), seconds)) return false;
  if (dot != std::string_view::npos && !parse_fraction(text.substr(dot + 1), fraction)) {
    return false;
  }
  if (seconds > std::numeric_limits<std::int64_t>::max() / kNsPerSecond - 1) return false;
  unix_ns = seconds * kNsPerSecond + fraction;
  return true;
}

bool parse_fixed(std::string_view text, std::size_t at, std::size_t length, int& value) {
  std::int64_t number = 0;
  if (at + length > text.size() || !parse_digits(text.substr(at, length), number)) return false;
  value = static_cast<int>(number);
  return true;
}

// RFC 3339 section 5.6 date-time: 2021-03-01T10:00:00[.frac](Z|+hh:mm|-hh:mm).
bool parse_rfc3339(std::string_view text, std::int64_t& unix_ns) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || text[13] != ':' ||
      text[16] != ':' || !parse_fixed(text, 0, 4, year) || !parse_fixed(text, 5, 2, month) ||
      !parse_fixed(text, 8, 2, day) || !parse_fixed(text, 11, 2, hour) ||
      !parse_fixed(text, 14, 2, minute) || !parse_fixed(text, 17, 2, second)) {
    return false;
  }
  using namespace std::chrono;
  const year_month_day date{std::chrono::year(year),
                            std::chrono::month(static_cast<unsigned>(month)),
                            std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok() || hour > 23 || minute > 59 || second > 59) return false;
  std::string_view rest = text.substr(19);
  std::int64_t fraction = 0;
  if (rest.front() == '.') {
    const std::size_t end = rest.find_first_not_of("0123456789", 1);
    if (end == std::string_view::npos || !parse_fraction(rest.substr(1, end - 1), fraction)) {
      return false;
    }
    rest.remove_prefix(end);
  }
  std::int64_t offset_s = 0;
  if (rest == "Z" || rest == "z") {
    offset_s = 0;
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
    int offset_h = 0, offset_m = 0;
    if (!parse_fixed(rest, 1, 2, offset_h) || !parse_fixed(rest, 4, 2, offset_m) || offset_h > 23 ||
        offset_m > 59) {
      return false;
    }
    offset_s =
        (rest[0] == '+' ? 1 : -1) * (std::int64_t{offset_h} * 3600 + std::int64_t{offset_m} * 60);
  } else {
    return false;
  }
  const std::int64_t days_since_epoch = sys_days(date).time_since_epoch().count();
  const std::int64_t seconds = days_since_epoch * 86400 + std::int64_t{hour} * 3600 +
                               std::int64_t{minute} * 60 + second - offset_s;
  unix_ns = seconds * kNsPerSecond + fraction;
  return true;
}

bool option_value(int argc, const char* const* argv, int& i, std::string& value,
                  std::string& error) {
  if (i + 1 >= argc) {
    error = std::string(argv[i]) + " needs a value";
    return false;
  }
  value = argv[++i];
  return true;
}

bool parse_time_option(const char* name, const std::string& text, std::int64_t& unix_ns,
                       std::string& error) {
  if (parse_time_arg(text, unix_ns, error)) return true;
  error = std::string(name) + ": " + error;
  return false;
}

bool parse_limit(const std::string& text, std::uint64_t& limit, std::string& error) {
  std::int64_t value = 0;
  if (!parse_digits(text, value)) {
    error = "--limit: '" + text + "' is not a non-negative integer";
    return false;
  }
  limit = static_cast<std::uint64_t>(value);
  return true;
}

}  // namespace

bool parse_time_arg(const std::string& text, std::int64_t& unix_ns, std::string& error) {
  if (parse_unix_seconds(text, unix_ns) || parse_rfc3339(text, unix_ns)) return true;
  error =
      "cannot parse time '" + text + "': expected RFC 3339 (2021-03-01T10:00:00Z) or unix seconds";
  return false;
}

bool parse_query_args(int argc, const char* const* argv, QueryOptions& options,
                      std::string& error) {
  bool kind_given = false;
  for (int i = 0; i < argc; ++i) {
    const std::string_view arg = argv[i];
    std::string value;
    const bool takes_value = arg == "--db" || arg == "--since" || arg == "--until" ||
                             arg == "--host" || arg == "--domain" || arg == "--template" ||
                             arg == "--sensor" || arg == "--limit";
    if (takes_value && !option_value(argc, argv, i, value, error)) return false;
    bool ok = true;
    if (arg == "--db") {
      options.db_path = value;
    } else if (arg == "--since") {
      ok = parse_time_option("--since", value, options.since_ns, error);
    } else if (arg == "--until") {
      ok = parse_time_option("--until", value, options.until_ns, error);
    } else if (arg == "--host") {
      options.host = value;
    } else if (arg == "--domain") {
      options.domain = value;
    } else if (arg == "--template") {
      options.url_template = value;
    } else if (arg == "--sensor") {
      options.sensor = value;
    } else if (arg == "--limit") {
      ok = parse_limit(value, options.limit, error);
    } else if (arg == "--json") {
      options.json = true;
    } else if (!kind_given && parse_kind(arg, options.kind)) {
      kind_given = true;
    } else {
      error = "unexpected argument '" + std::string(arg) + "'";
      return false;
    }
    if (!ok) return false;
  }
  if (options.db_path.empty()) {
    error = "--db FILE is required";
    return false;
  }
  return true;
}

bool run_query(Store& store, const QueryOptions& options, std::FILE* out, std::string& error) {
  std::vector<Record> records;
  bool ok = false;
  switch (options.kind) {
    case QueryKind::kAlerts:
      ok = query_alerts(store, options, records, error);
      break;
    case QueryKind::kCampaigns:
      ok = query_campaigns(store, options, records, error);
      break;
    case QueryKind::kSensors:
      ok = query_sensors(store, options, records, error);
      break;
    case QueryKind::kEvents:
      ok = query_events(store, options, records, error);
      break;
  }
  if (!ok) return false;
  // Rows were fetched newest first so --limit keeps the latest; print them oldest first.
  if (options.kind != QueryKind::kSensors) std::reverse(records.begin(), records.end());
  const bool written = options.json ? print_json(records, out)
                                    : print_table(records.empty() ? empty_header(options.kind)
                                                                  : records.front().fields,
                                                  records, out);
  if (!written) error = std::string("cannot write the query output: ") + std::strerror(errno);
  return written;
}

bool run_query(const QueryOptions& options, std::FILE* out, std::string& error) {
  const std::unique_ptr<Store> store = Store::open(options.db_path, Store::Mode::kReadOnly, error);
  return store != nullptr && run_query(*store, options, out, error);
}

}  // namespace bw::collector
