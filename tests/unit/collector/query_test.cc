#include "collector/query.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

#include "tests/unit/collector/store_test_support.h"

namespace bw::collector {
namespace {

using namespace testing;

constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::int64_t kT0 = 1614592800 * kSecond;  // 2021-03-01T10:00:00Z

// Two sensors: the same URL template fetched behind both (one cross-sensor campaign), a second
// template and domain seen by tap-a only, and a campaign tap-b reported on its own.
class Query : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("c.db");
    store_ = Store::open(path_, Store::Mode::kReadWrite, error_);
    ASSERT_NE(store_, nullptr) << error_;
    ASSERT_TRUE(store_->note_connection("tap-a", "0.1.0", "ipv4:192.0.2.1:40000", kT0, error_));
    insert("tap-a",
           {http_event("tap-a", 1, kT0, "10.0.0.1", "img.news.example", "/o/1.gif"),
            beacon_event("tap-a", 2, kT0 + kSecond, "10.0.0.1", "img.news.example", "news.example",
                         "/o/{hex32}.gif", 7.5f),
            beacon_event("tap-a", 3, kT0 + 60 * kSecond, "10.0.0.2", "t.shop.example",
                         "shop.example", "/p/{uuid}.png", 6),
            health_event("tap-a", 4, kT0 + 120 * kSecond,
                         "counters { name: 'capture.kernel_dropped' value: 4 } "
                         "counters { name: 'spool.pending_events' value: 2 }")},
           kT0 + 121 * kSecond);
    insert("tap-b",
           {beacon_event("tap-b", 1, kT0 + 30 * kSecond, "10.1.0.9", "img.news-mirror.example",
                         "news-mirror.example", "/o/{hex32}.gif", 8.25f),
            parse_event("sensor_id: 'tap-b' sequence: 2 timestamp_ns: " +
                        std::to_string(kT0 + 40 * kSecond) +
                        " campaign { campaign_id: 'c-9' key_kind: 'sni' key: 'track.example' "
                        "distinct_hosts: 2 first_seen_ns: " +
                        std::to_string(kT0 + 20 * kSecond) +
                        " last_seen_ns: " + std::to_string(kT0 + 40 * kSecond) +
                        " members { client_ip: '10.1.0.9' } members { client_ip: '10.1.0.10' } }")},
           kT0 + 50 * kSecond);
  }

  void insert(const std::string& sensor, const std::vector<pb::Event>& events,
              std::int64_t received_ns) {
    BatchResult result;
    ASSERT_TRUE(store_->insert_batch(sensor, pointers(events), received_ns, result, error_))
        << error_;
  }

  // Runs `bw-collector query <args>` against the store and returns what it printed.
  std::string run(std::vector<const char*> args) {
    args.insert(args.begin(), {"--db", path_.c_str()});
    QueryOptions options;
    EXPECT_TRUE(parse_query_args(static_cast<int>(args.size()), args.data(), options, error_))
        << error_;
    char* buffer = nullptr;
    std::size_t size = 0;
    std::FILE* out = open_memstream(&buffer, &size);
    EXPECT_TRUE(run_query(*store_, options, out, error_)) << error_;
    std::fclose(out);
    std::string text(buffer, size);
    std::free(buffer);
    return text;
  }

  // Number of rows of a table (the header line excluded).
  std::size_t rows(std::vector<const char*> args) {
    const std::string text = run(std::move(args));
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) - 1;
  }

  ScratchDir dir_;
  std::string path_;
  std::string error_;
  std::unique_ptr<Store> store_;
};

TEST_F(Query, AlertsTableIsAlignedOldestFirstWithTopReasons) {
  EXPECT_EQ(run({}),
            "TIME                  SENSOR  CLIENT    HOST                     DOMAIN               "
            "TEMPLATE        SCORE  CAMPAIGN  REASONS\n"
            "2021-03-01T10:00:01Z  tap-a   10.0.0.1  img.news.example         news.example         "
            "/o/{hex32}.gif  7.5    -         per_recipient_token,pixel_response,mail_client\n"
            "2021-03-01T10:00:30Z  tap-b   10.1.0.9  img.news-mirror.example  news-mirror.example  "
            "/o/{hex32}.gif  8.25   -         per_recipient_token,pixel_response,mail_client\n"
            "2021-03-01T10:01:00Z  tap-a   10.0.0.2  t.shop.example           shop.example         "
            "/p/{uuid}.png   6      -         per_recipient_token,pixel_response,mail_client\n");
}

TEST_F(Query, AlertsAsJsonLines) {
  EXPECT_EQ(
      run({"alerts", "--json", "--sensor", "tap-a"}),
      R"({"time":"2021-03-01T10:00:01.000000000Z","time_ns":1614592801000000000,"sensor_id":"tap-a",)"
      R"("stream_epoch":"0","sequence":2,"client_ip":"10.0.0.1","host":"img.news.example","registrable_domain":"news.example",)"
      R"("url_template":"/o/{hex32}.gif","score":7.5,"campaign_id":"",)"
      R"("reasons":["per_recipient_token","pixel_response","mail_client"]})"
      "\n"
      R"({"time":"2021-03-01T10:01:00.000000000Z","time_ns":1614592860000000000,"sensor_id":"tap-a",)"
      R"("stream_epoch":"0","sequence":3,"client_ip":"10.0.0.2","host":"t.shop.example","registrable_domain":"shop.example",)"
      R"("url_template":"/p/{uuid}.png","score":6,"campaign_id":"",)"
      R"("reasons":["per_recipient_token","pixel_response","mail_client"]})"
      "\n");
}

TEST_F(Query, AlertFilters) {
  EXPECT_EQ(rows({"--host", "10.0.0.2"}), 1u);
  EXPECT_EQ(rows({"--host", "10.9.9.9"}), 0u);
  EXPECT_EQ(rows({"--domain", "news.example"}), 1u);
  EXPECT_EQ(rows({"--domain", "Shop.EXAMPLE"}), 1u);
  // A host under the domain matches even when its registrable domain is another.
  EXPECT_EQ(rows({"--domain", "example"}), 3u);
  EXPECT_EQ(rows({"--domain", "img.news.example"}), 1u);
  EXPECT_EQ(rows({"--domain", "ews.example"}), 0u);
  EXPECT_EQ(rows({"--template", "/o/{hex32}.gif"}), 2u);
  EXPECT_EQ(rows({"--template", "/o/{HEX32}.gif"}), 0u);
  EXPECT_EQ(rows({"--sensor", "tap-b"}), 1u);
  EXPECT_EQ(rows({"--since", "2021-03-01T10:00:30Z"}), 2u);
  EXPECT_EQ(rows({"--until", "1614592830"}), 2u);
  EXPECT_EQ(rows({"--since", "2021-03-01T11:00:02+01:00", "--until", "2021-03-01T10:00:59Z"}), 1u);
  const std::string latest = run({"--limit", "1", "--json"});
  EXPECT_NE(latest.find(R"("sensor_id":"tap-a","stream_epoch":"0","sequence":3,)"),
            std::string::npos)
      << latest;
  EXPECT_EQ(std::count(latest.begin(), latest.end(), '\n'), 1);
  EXPECT_EQ(rows({"--limit", "1"}), 1u);
}

TEST_F(Query, CampaignsJoinTheSameTemplateAcrossSensors) {
  EXPECT_EQ(run({"campaigns"}),
            "ID               KIND      KEY             SENSORS  HOSTS  FIRST_SEEN            "
            "LAST_SEEN             SENSOR_IDS   CAMPAIGN_IDS\n"
            "xc-eadb51e65875  template  /o/{hex32}.gif  2        2      2021-03-01T10:00:01Z  "
            "2021-03-01T10:00:30Z  tap-a,tap-b  -\n"
            "xc-28144b1bd4cf  sni       track.example   1        2      2021-03-01T10:00:20Z  "
            "2021-03-01T10:00:40Z  tap-b        c-9\n");
}

TEST_F(Query, CampaignsAsJsonLines) {
  EXPECT_EQ(
      run({"campaigns", "--json", "--template", "/o/{hex32}.gif"}),
      R"({"id":"xc-eadb51e65875","key_kind":"template","key":"/o/{hex32}.gif","sensors":2,)"
      R"("hosts":2,"first_seen":"2021-03-01T10:00:01.000000000Z","first_seen_ns":1614592801000000000,)"
      R"("last_seen":"2021-03-01T10:00:30.000000000Z","last_seen_ns":1614592830000000000,)"
      R"("sensor_ids":["tap-a","tap-b"],"campaign_ids":[]})"
      "\n");
}

TEST_F(Query, CampaignFilters) {
  EXPECT_EQ(rows({"campaigns", "--sensor", "tap-a"}), 1u);
  EXPECT_EQ(rows({"campaigns", "--domain", "example"}), 1u);  // the sni key; templates never
  EXPECT_EQ(rows({"campaigns", "--host", "10.1.0.10"}), 1u);
  EXPECT_EQ(rows({"campaigns", "--host", "10.0.0.2"}), 0u);
  EXPECT_EQ(rows({"campaigns", "--since", "2021-03-01T10:00:35Z"}), 1u);
  EXPECT_EQ(rows({"campaigns", "--until", "2021-03-01T10:00:10Z"}), 1u);
}

TEST_F(Query, SensorsShowStateAndHealthCounters) {
  EXPECT_EQ(run({"sensors"}),
            "SENSOR  LAST_SEEN             EPOCH  LAST_SEQ  EVENTS  VERSION  PEER                  "
            "HEALTH_AT             KERNEL_DROPPED  SPOOL_PENDING  SPOOL_DROPPED\n"
            "tap-a   2021-03-01T10:02:01Z  0      4         4       0.1.0    ipv4:192.0.2.1:40000  "
            "2021-03-01T10:02:00Z  4               2              0\n"
            "tap-b   2021-03-01T10:00:50Z  0      2         2       -        -                     "
            "-                     -               -              -\n");
  EXPECT_EQ(run({"sensors", "--json", "--sensor", "tap-a"}),
            R"({"sensor_id":"tap-a","first_seen":"2021-03-01T10:00:00.000000000Z",)"
            R"("first_seen_ns":1614592800000000000,"last_seen":"2021-03-01T10:02:01.000000000Z",)"
            R"("last_seen_ns":1614592921000000000,"last_stream_epoch":"0","last_sequence":4,)"
            R"("events_stored":4,)"
            R"("software_version":"0.1.0","peer":"ipv4:192.0.2.1:40000",)"
            R"("health":"2021-03-01T10:02:00.000000000Z","health_ns":1614592920000000000,)"
            R"("health_counters":{"capture.kernel_dropped":4,"spool.pending_events":2}})"
            "\n");
}

TEST_F(Query, EventsListEveryKindAndPrintTheProjectsJsonMapping) {
  EXPECT_EQ(run({"events", "--sensor", "tap-b"}),
            "TIME                  SENSOR  EPOCH  SEQ  KIND      CLIENT    SERVER       HOST\n"
            "2021-03-01T10:00:30Z  tap-b   0      1    beacon    10.1.0.9  203.0.113.7  "
            "img.news-mirror.example\n"
            "2021-03-01T10:00:40Z  tap-b   0      2    campaign  -         -            "
            "track.example\n");
  EXPECT_EQ(run({"events", "--json", "--host", "10.0.0.1", "--limit", "1"}),
            R"({"sensor_id":"tap-a","sequence":"2","timestamp_ns":"1614592801000000000",)"
            R"("flow":{"client_ip":"10.0.0.1","client_port":50000,"server_ip":"203.0.113.7",)"
            R"("server_port":80,"transport":"TRANSPORT_TCP"},"beacon":{"score":7.5,"threshold":5,)"
            R"("reasons":[{"signal":"pixel_response","weight":2},{"signal":"per_recipient_token",)"
            R"("weight":3},{"signal":"mail_client","weight":1.5},{"signal":"cache_busting",)"
            R"("weight":0.5}],"host":"img.news.example","registrable_domain":"news.example",)"
            R"("url_template":"/o/{hex32}.gif"}})"
            "\n");
  EXPECT_EQ(rows({"events", "--domain", "news.example"}), 2u);  // the HTTP event by its host
}

TEST_F(Query, EmptyResultPrintsTheHeaderOnly) {
  EXPECT_EQ(run({"campaigns", "--sensor", "nobody"}),
            "ID  KIND  KEY  SENSORS  HOSTS  FIRST_SEEN  LAST_SEEN  SENSOR_IDS  CAMPAIGN_IDS\n");
  EXPECT_EQ(run({"alerts", "--json", "--sensor", "nobody"}), "");
}

TEST_F(Query, ByPathOpensTheStoreReadOnly) {
  QueryOptions options;
  options.db_path = path_;
  options.kind = QueryKind::kSensors;
  std::FILE* out = std::tmpfile();
  EXPECT_TRUE(run_query(options, out, error_)) << error_;
  std::fclose(out);
  options.db_path = dir_.file("absent.db");
  out = std::tmpfile();
  EXPECT_FALSE(run_query(options, out, error_));
  std::fclose(out);
  EXPECT_EQ(error_, options.db_path + ": cannot open: unable to open database file");
}

TEST(QueryArgs, EveryOptionIsParsed) {
  const char* args[] = {"--db",      "c.db",       "campaigns", "--since",  "2021-03-01T10:00:00Z",
                        "--until",   "1614600000", "--host",    "10.0.0.1", "--domain",
                        "x.example", "--template", "/t",        "--sensor", "tap-a",
                        "--limit",   "20",         "--json"};
  QueryOptions options;
  std::string error;
  ASSERT_TRUE(parse_query_args(std::size(args), args, options, error)) << error;
  EXPECT_EQ(options.db_path, "c.db");
  EXPECT_EQ(options.kind, QueryKind::kCampaigns);
  EXPECT_EQ(options.since_ns, kT0);
  EXPECT_EQ(options.until_ns, 1614600000 * kSecond);
  EXPECT_EQ(options.host, "10.0.0.1");
  EXPECT_EQ(options.domain, "x.example");
  EXPECT_EQ(options.url_template, "/t");
  EXPECT_EQ(options.sensor, "tap-a");
  EXPECT_EQ(options.limit, 20u);
  EXPECT_TRUE(options.json);
}

TEST(QueryArgs, DefaultsToAllAlertsAsText) {
  const char* args[] = {"--db", "c.db"};
  QueryOptions options;
  std::string error;
  ASSERT_TRUE(parse_query_args(2, args, options, error)) << error;
  EXPECT_EQ(options.kind, QueryKind::kAlerts);
  EXPECT_EQ(options.since_ns, std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(options.until_ns, std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(options.limit, 0u);
  EXPECT_FALSE(options.json);
}

std::string parse_error(std::vector<const char*> args) {
  QueryOptions options;
  std::string error;
  EXPECT_FALSE(parse_query_args(static_cast<int>(args.size()), args.data(), options, error));
  return error;
}

TEST(QueryArgs, ErrorsNameTheArgumentAndValue) {
  EXPECT_EQ(parse_error({"--db", "c.db", "--since", "yesterday"}),
            "--since: cannot parse time 'yesterday': expected RFC 3339 (2021-03-01T10:00:00Z) or "
            "unix seconds");
  EXPECT_EQ(parse_error({"--db", "c.db", "--until", "2021-02-30T00:00:00Z"}),
            "--until: cannot parse time '2021-02-30T00:00:00Z': expected RFC 3339 "
            "(2021-03-01T10:00:00Z) or unix seconds");
  EXPECT_EQ(parse_error({"--db", "c.db", "--limit", "-3"}),
            "--limit: '-3' is not a non-negative integer");
  EXPECT_EQ(parse_error({"--db", "c.db", "--since"}), "--since needs a value");
  EXPECT_EQ(parse_error({"--db", "c.db", "--colour"}), "unexpected argument '--colour'");
  EXPECT_EQ(parse_error({"--db", "c.db", "alerts", "campaigns"}),
            "unexpected argument 'campaigns'");
  EXPECT_EQ(parse_error({"alerts"}), "--db FILE is required");
}

std::int64_t parsed_time(const std::string& text) {
  std::int64_t ns = 0;
  std::string error;
  EXPECT_TRUE(parse_time_arg(text, ns, error)) << error;
  return ns;
}

bool time_parses(const std::string& text) {
  std::int64_t ns = 0;
  std::string error;
  return parse_time_arg(text, ns, error);
}

TEST(QueryTime, Rfc3339AndUnixSeconds) {
  EXPECT_EQ(parsed_time("2021-03-01T10:00:00Z"), kT0);
  EXPECT_EQ(parsed_time("2021-03-01t10:00:00z"), kT0);
  EXPECT_EQ(parsed_time("2021-03-01 10:00:00Z"), kT0);
  EXPECT_EQ(parsed_time("2021-03-01T11:30:00.5+01:30"), kT0 + kSecond / 2);
  EXPECT_EQ(parsed_time("2021-03-01T05:00:00.000000001-05:00"), kT0 + 1);
  EXPECT_EQ(parsed_time("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parsed_time("1969-12-31T23:59:59Z"), -kSecond);
  EXPECT_EQ(parsed_time("1614592800"), kT0);
  EXPECT_EQ(parsed_time("1614592800.25"), kT0 + kSecond / 4);
  EXPECT_EQ(parsed_time("0"), 0);
}

TEST(QueryTime, MalformedTimesAreRefused) {
  for (const char* bad :
       {"", "yesterday", "2021-03-01T10:00:00", "2021-02-29T10:00:00Z", "2021-03-01T24:00:00Z",
        "2021-03-01T10:60:00Z", "2021-03-01T10:00:00.Z", "2021-03-01T10:00:00.1234567890Z",
        "2021-03-01T10:00:00+1:00", "2021-03-01T10:00:00+01:60", "2021-3-01T10:00:00Z", "-5", "+5",
        "1614592800.", "1614592800.x", "99999999999999999999", "10e3",
        "2021-03-01T10:00:00Zjunk"}) {
    EXPECT_FALSE(time_parses(bad)) << bad;
  }
}

}  // namespace
}  // namespace bw::collector
