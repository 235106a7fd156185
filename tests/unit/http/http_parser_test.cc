#include "sensor/extract/http/http_parser.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/unit/http/http_test_support.h"
#include "tests/unit/image/image_fixtures.h"

namespace bw::extract::http {
namespace {

using testing::Conversation;
using testing::expect_same;
using testing::text_of;

const std::string kGif = text_of(bw::testing::kGif1x1);

constexpr std::string_view kPixelRequest =
    "GET /t/open.gif?u=42&m=9 HTTP/1.1\r\n"
    "Host: track.example.net\r\n"
    "User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64)\r\n"
    "Accept: image/avif,image/webp,*/*\r\n"
    "Referer: https://mail.example.com/\r\n"
    "Sec-Fetch-Dest: image\r\n"
    "Sec-Fetch-Mode: no-cors\r\n"
    "Sec-Fetch-Site: cross-site\r\n"
    "Cookie: uid=abc\r\n"
    "\r\n";

std::string pixel_response() {
  return "HTTP/1.1 200 OK\r\n"
         "Content-Type: image/gif\r\n"
         "Content-Length: 43\r\n"
         "Cache-Control: no-cache, no-store\r\n"
         "Pragma: no-cache\r\n"
         "Expires: 0\r\n"
         "Set-Cookie: seen=1; Path=/\r\n"
         "\r\n" +
         kGif;
}

std::string get(std::string_view uri) {
  return "GET " + std::string(uri) + " HTTP/1.1\r\nHost: h.example\r\n\r\n";
}

std::string ok_with_body(std::string_view body) {
  return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
         std::string(body);
}

TEST(HttpParser, PixelFetchFillsEveryField) {
  Conversation c;
  EXPECT_EQ(c.client(kPixelRequest, 1111), kPixelRequest.size());
  EXPECT_TRUE(c.transactions().empty());
  const std::string response = pixel_response();
  EXPECT_EQ(c.server(response, 2222), response.size());
  ASSERT_EQ(c.transactions().size(), 1u);
  const HttpTransaction& t = c.transactions()[0];
  ASSERT_TRUE(t.has_request);
  ASSERT_TRUE(t.has_response);
  EXPECT_EQ(t.request.method, "GET");
  EXPECT_EQ(t.request.version, "HTTP/1.1");
  EXPECT_EQ(t.request.uri, "/t/open.gif?u=42&m=9");
  EXPECT_EQ(t.request.host, "track.example.net");
  EXPECT_EQ(t.request.user_agent, "Mozilla/5.0 (Windows NT 10.0; Win64; x64)");
  EXPECT_EQ(t.request.accept, "image/avif,image/webp,*/*");
  EXPECT_EQ(t.request.referer, "https://mail.example.com/");
  EXPECT_EQ(t.request.sec_fetch_dest, "image");
  EXPECT_EQ(t.request.sec_fetch_mode, "no-cors");
  EXPECT_EQ(t.request.sec_fetch_site, "cross-site");
  EXPECT_EQ(t.request.sec_fetch_user, "");
  EXPECT_TRUE(t.request.cookie_sent);
  EXPECT_EQ(t.request.ts, 1111);
  EXPECT_EQ(t.response.status, 200);
  EXPECT_EQ(t.response.version, "HTTP/1.1");
  EXPECT_EQ(t.response.content_type, "image/gif");
  EXPECT_EQ(t.response.content_length, 43);
  EXPECT_EQ(t.response.cache_control, "no-cache, no-store");
  EXPECT_EQ(t.response.pragma, "no-cache");
  EXPECT_EQ(t.response.expires, "0");
  EXPECT_EQ(t.response.location, "");
  EXPECT_TRUE(t.response.set_cookie);
  EXPECT_EQ(t.response.image.format, ImageFormat::kGif);
  EXPECT_TRUE(t.response.image.dimensions_known);
  EXPECT_EQ(t.response.image.width, 1u);
  EXPECT_EQ(t.response.image.height, 1u);
  EXPECT_EQ(t.response.ts, 2222);
  EXPECT_EQ(c.counters().requests, 1u);
  EXPECT_EQ(c.counters().responses, 1u);
  EXPECT_EQ(c.counters().transactions, 1u);
  EXPECT_EQ(c.counters().images_recognised, 1u);
}

TEST(HttpParser, HeaderNamesAnyCaseValuesTrimmed) {
  Conversation c;
  c.client(
      "GET / HTTP/1.0\r\nhOsT: \t a.example \r\nUSER-AGENT:curl/8.0\r\nsec-fetch-user: ?1\r\n"
      "COOKIE:\r\n\r\n");
  c.server("HTTP/1.0 302 Found\r\nLOCATION:  http://b.example/  \r\ncontent-length: 0\r\n\r\n");
  ASSERT_EQ(c.transactions().size(), 1u);
  const HttpTransaction& t = c.transactions()[0];
  EXPECT_EQ(t.request.version, "HTTP/1.0");
  EXPECT_EQ(t.request.host, "a.example");
  EXPECT_EQ(t.request.user_agent, "curl/8.0");
  EXPECT_EQ(t.request.sec_fetch_user, "?1");
  EXPECT_TRUE(t.request.cookie_sent);
  EXPECT_EQ(t.response.status, 302);
  EXPECT_EQ(t.response.location, "http://b.example/");
  EXPECT_EQ(t.response.content_length, 0);
  EXPECT_EQ(t.response.image.format, ImageFormat::kNone);
  EXPECT_FALSE(t.response.set_cookie);
}

TEST(HttpParser, ObsFoldContinuesTheField) {
  Conversation c;
  c.client("GET / HTTP/1.1\r\nUser-Agent: Mozilla/5.0\r\n \t(X11; Linux)  \r\nHost: a\r\n\r\n");
  c.finish();
  ASSERT_EQ(c.transactions().size(), 1u);
  EXPECT_EQ(c.transactions()[0].request.user_agent, "Mozilla/5.0 (X11; Linux)");
  EXPECT_EQ(c.transactions()[0].request.host, "a");
  EXPECT_EQ(c.counters().obs_fold_lines, 1u);
}

TEST(HttpParser, RepeatedFields) {
  Conversation c;
  c.client(
      "GET / HTTP/1.1\r\nHost: first\r\nAccept: image/*\r\nHost: second\r\n second-fold\r\n"
      "Accept: */*\r\nbad header line\r\n\r\n");
  c.server(
      "HTTP/1.1 204 No Content\r\nCache-Control: private\r\nCache-Control: max-age=0\r\n"
      "Pragma: no-cache\r\n\r\n");
  ASSERT_EQ(c.transactions().size(), 1u);
  const HttpTransaction& t = c.transactions()[0];
  EXPECT_EQ(t.request.host, "first");
  EXPECT_EQ(t.request.accept, "image/*, */*");
  EXPECT_EQ(t.response.cache_control, "private, max-age=0");
  EXPECT_EQ(c.counters().duplicate_header, 1u);
  EXPECT_EQ(c.counters().header_malformed, 1u);
}

TEST(HttpParser, LongValuesAreCutAndFlagged) {
  Conversation c;
  const std::string long_uri = "/" + std::string(3000, 'u');
  c.client("GET " + long_uri + " HTTP/1.1\r\nHost: a\r\n\r\n");
  c.finish();
  ASSERT_EQ(c.transactions().size(), 1u);
  EXPECT_EQ(c.transactions()[0].request.uri.size(), 2048u);
  EXPECT_TRUE(c.transactions()[0].request.uri.truncated());
}

TEST(HttpParser, BareLineFeedsAccepted) {
  Conversation c;
  c.client("GET /lf HTTP/1.1\nHost: lf.example\n\n");
  c.server("HTTP/1.1 200 OK\nContent-Length: 43\n\n" + kGif);
  ASSERT_EQ(c.transactions().size(), 1u);
  EXPECT_EQ(c.transactions()[0].request.host, "lf.example");
  EXPECT_EQ(c.transactions()[0].response.image.format, ImageFormat::kGif);
}

// Splits each direction at every offset into two calls; whatever the split, the records must be
// the ones a single call gives.
TEST(HttpParser, SplitAtEveryOffsetGivesTheSameRecords) {
  const std::string request = std::string(kPixelRequest) + "POST /c HTTP/1.1\r\nHost: b\r\n" +
                              "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
  const std::string response = pixel_response() +
                               "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                               "2b\r\n" +
                               kGif + "\r\n0\r\n\r\n";
  Conversation whole;
  whole.client(request);
  whole.server(response);
  whole.finish();
  ASSERT_EQ(whole.transactions().size(), 2u);
  EXPECT_EQ(whole.transactions()[1].response.image.format, ImageFormat::kGif);

  for (std::size_t cut = 0; cut <= request.size(); ++cut) {
    Conversation split;
    split.client(request.substr(0, cut));
    split.client(request.substr(cut));
    split.server(response);
    split.finish();
    SCOPED_TRACE("client cut " + std::to_string(cut));
    expect_same(split.transactions(), whole.transactions());
  }
  for (std::size_t cut = 0; cut <= response.size(); ++cut) {
    Conversation split;
    split.client(request);
    split.server(response.substr(0, cut));
    split.server(response.substr(cut));
    split.finish();
    SCOPED_TRACE("server cut " + std::to_string(cut));
    expect_same(split.transactions(), whole.transactions());
  }
}

TEST(HttpParser, OneByteAtATime) {
  const std::string request(kPixelRequest);
  const std::string response = pixel_response();
  Conversation whole;
  whole.client(request);
  whole.server(response);
  Conversation trickle;
  for (char ch : request)
    trickle.client(std::string(1, ch));
  for (char ch : response)
    trickle.server(std::string(1, ch));
  expect_same(trickle.transactions(), whole.transactions());
  EXPECT_TRUE(trickle.client_pending().empty());
  EXPECT_TRUE(trickle.server_pending().empty());
}

TEST(HttpParser, PipelinedRequestsPairInOrder) {
  Conversation c;
  c.client(get("/a") + "HEAD /b HTTP/1.1\r\nHost: h.example\r\n\r\n" + get("/c"));
  EXPECT_TRUE(c.transactions().empty());
  // The HEAD response announces a length but has no body; the 304 neither.
  c.server(ok_with_body(kGif) + "HTTP/1.1 200 OK\r\nContent-Length: 43\r\n\r\n" +
           "HTTP/1.1 304 Not Modified\r\nContent-Length: 43\r\n\r\n");
  ASSERT_EQ(c.transactions().size(), 3u);
  EXPECT_EQ(c.transactions()[0].request.uri, "/a");
  EXPECT_EQ(c.transactions()[0].response.image.format, ImageFormat::kGif);
  EXPECT_EQ(c.transactions()[1].request.method, "HEAD");
  EXPECT_EQ(c.transactions()[1].response.content_length, 43);
  EXPECT_EQ(c.transactions()[1].response.image.format, ImageFormat::kNone);
  EXPECT_EQ(c.transactions()[2].request.uri, "/c");
  EXPECT_EQ(c.transactions()[2].response.status, 304);
  c.finish();
  EXPECT_EQ(c.transactions().size(), 3u);
  EXPECT_EQ(c.counters().requests_without_response, 0u);
}

TEST(HttpParser, PendingOverflowEmitsOldestUnanswered) {
  Conversation c;
  for (const char* uri : {"/1", "/2", "/3", "/4", "/5", "/6"})
    c.client(get(uri));
  ASSERT_EQ(c.transactions().size(), 2u);
  EXPECT_EQ(c.transactions()[0].request.uri, "/1");
  EXPECT_FALSE(c.transactions()[0].has_response);
  EXPECT_EQ(c.transactions()[1].request.uri, "/2");
  EXPECT_EQ(c.counters().pending_overflow, 2u);
  c.server(ok_with_body("x"));
  ASSERT_EQ(c.transactions().size(), 3u);
  EXPECT_EQ(c.transactions()[2].request.uri, "/3");
  EXPECT_TRUE(c.transactions()[2].has_response);
  c.finish();
  ASSERT_EQ(c.transactions().size(), 6u);
  EXPECT_EQ(c.transactions()[5].request.uri, "/6");
  EXPECT_FALSE(c.transactions()[5].has_response);
  EXPECT_EQ(c.counters().requests_without_response, 5u);
}

TEST(HttpParser, ContinueResponseDoesNotConsumeTheRequest) {
  Conversation c;
  c.client("POST /up HTTP/1.1\r\nHost: u\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
  c.server("HTTP/1.1 100 Continue\r\n\r\n");
  EXPECT_TRUE(c.transactions().empty());
  c.client("hello" + get("/next"));
  c.server("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n" + ok_with_body(kGif));
  ASSERT_EQ(c.transactions().size(), 2u);
  EXPECT_EQ(c.transactions()[0].request.uri, "/up");
  EXPECT_EQ(c.transactions()[0].response.status, 201);
  EXPECT_EQ(c.transactions()[1].request.uri, "/next");
  EXPECT_EQ(c.transactions()[1].response.image.format, ImageFormat::kGif);
  EXPECT_EQ(c.counters().interim_responses, 1u);
}

TEST(HttpParser, RequestBodiesAreSkipped) {
  Conversation c;
  c.client("POST /a HTTP/1.1\r\nContent-Length: 12\r\n\r\nGET /fake HT" + get("/b") +
           "POST /c HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
           "5;ext\r\nGET /\r\n0\r\nX-Trailer: 1\r\n\r\n" +
           get("/d"));
  c.finish();
  ASSERT_EQ(c.transactions().size(), 4u);
  EXPECT_EQ(c.transactions()[0].request.uri, "/a");
  EXPECT_EQ(c.transactions()[1].request.uri, "/b");
  EXPECT_EQ(c.transactions()[2].request.uri, "/c");
  EXPECT_EQ(c.transactions()[3].request.uri, "/d");
  EXPECT_EQ(c.counters().request_line_malformed, 0u);
}

TEST(HttpParser, ChunkedResponseSniffsFirstChunk) {
  Conversation c;
  c.client(get("/p"));
  // The size line and the first 20 image bytes arrive first: not enough to sniff.
  const std::string head =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 99\r\n\r\n2B;x=1\r\n";
  c.server(head + kGif.substr(0, 20));
  EXPECT_TRUE(c.transactions().empty());
  EXPECT_EQ(c.server_pending(), kGif.substr(0, 20));
  c.server(kGif.substr(20) + "\r\n0\r\nChecksum: 1\r\n\r\n" + ok_with_body(""));
  ASSERT_EQ(c.transactions().size(), 2u);  // the trailer was walked: the next response parsed
  const HttpResponse& r = c.transactions()[0].response;
  EXPECT_EQ(r.image.format, ImageFormat::kGif);
  EXPECT_TRUE(r.image.dimensions_known);
  EXPECT_EQ(r.content_length, 99);  // reported as sent, though chunking framed the body
  EXPECT_EQ(c.counters().content_length_with_transfer_encoding, 1u);
  EXPECT_EQ(c.counters().responses_without_request, 1u);  // the second response
}

TEST(HttpParser, ShortFirstChunkIsAllThatIsSniffed) {
  Conversation c;
  c.client(get("/p"));
  c.server("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\n" + kGif.substr(0, 10) +
           "\r\n");
  ASSERT_EQ(c.transactions().size(), 1u);
  EXPECT_EQ(c.transactions()[0].response.image.format, ImageFormat::kGif);
  EXPECT_TRUE(c.transactions()[0].response.image.dimensions_known);
}

TEST(HttpParser, EmptyChunkedBody) {
  Conversation c;
  c.client(get("/e"));
  c.server("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + ok_with_body(kGif));
  ASSERT_EQ(c.transactions().size(), 2u);
  EXPECT_EQ(c.transactions()[0].response.image.format, ImageFormat::kNone);
  EXPECT_EQ(c.transactions()[1].response.image.format, ImageFormat::kGif);
}

TEST(HttpParser, EncodedBodiesAreNotSniffed) {
  Conversation c;
  c.client(get("/z"));
  c.server("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 43\r\n\r\n");
  ASSERT_EQ(c.transactions().size(), 1u);  // no need to wait for body bytes
  c.server(kGif);
  EXPECT_EQ(c.transactions()[0].response.image.format, ImageFormat::kNone);
  EXPECT_EQ(c.counters().coded_bodies_not_sniffed, 1u);
}

TEST(HttpParser, SniffWaitsForSixtyFourBytes) {
  Conversation c;
  c.client(get("/jpeg"));
  const std::string jpeg = text_of(bw::testing::kJpeg3x2);
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 159\r\n\r\n";
  EXPECT_EQ(c.server(head + jpeg.substr(0, 63)), head.size());
  EXPECT_TRUE(c.transactions().empty());
  // At 64 bytes the sniff happens over what is there: the frame header lies further on.
  c.server(jpeg.substr(63, 1));
  ASSERT_EQ(c.transactions().size(), 1u);
  EXPECT_EQ(c.transactions()[0].response.image.format, ImageFormat::kJpeg);
  EXPECT_FALSE(c.transactions()[0].response.image.dimensions_known);
  c.server(jpeg.substr(64) + ok_with_body(""));
  EXPECT_EQ(c.transactions().size(), 2u);
}

TEST(HttpParser, JpegContiguousInOneCallIsWalkedToItsFrame) {
  Conversation c;
  c.client(get("/jpeg"));
  c.server(ok_with_body(text_of(bw::testing::kJpeg3x2)));
  ASSERT_EQ(c.transactions().size(), 1u);
  const ImageInfo& image = c.transactions()[0].response.image;
  EXPECT_EQ(image.format, ImageFormat::kJpeg);
  EXPECT_TRUE(image.dimensions_known);
  EXPECT_EQ(image.width, 3u);
  EXPECT_EQ(image.height, 2u);
}

TEST(HttpParser, BodyDelimitedByCloseIsSniffedAtFinish) {
  Conversation c;
  c.client(get("/close"));
  c.server("HTTP/1.0 200 OK\r\nContent-Type: image/png\r\n\r\n" +
           text_of(bw::testing::kPngRgba1x1).substr(0, 30));
  EXPECT_TRUE(c.transactions().empty());
  c.finish();
  ASSERT_EQ(c.transactions().size(), 1u);
  EXPECT_EQ(c.transactions()[0].response.content_length, -1);
  EXPECT_EQ(c.transactions()[0].response.image.format, ImageFormat::kPng);
  EXPECT_TRUE(c.transactions()[0].response.image.dimensions_known);
}

TEST(HttpParser, BodyDelimitedByCloseSwallowsLaterResponses) {
  Conversation c;
  c.client(get("/1") + get("/2"));
  c.server("HTTP/1.1 200 OK\r\n\r\n" + std::string(100, 'x') + ok_with_body(kGif));
  ASSERT_EQ(c.transactions().size(), 1u);
  c.finish();
  ASSERT_EQ(c.transactions().size(), 2u);
  EXPECT_FALSE(c.transactions()[1].has_response);
}

TEST(HttpParser, ResponseWithoutRequest) {
  Conversation c;
  c.server(ok_with_body(kGif));
  ASSERT_EQ(c.transactions().size(), 1u);
  EXPECT_FALSE(c.transactions()[0].has_request);
  EXPECT_TRUE(c.transactions()[0].has_response);
  EXPECT_EQ(c.transactions()[0].request.method, "");
  EXPECT_EQ(c.counters().responses_without_request, 1u);
}

TEST(HttpParser, NonHttpClientStopsTheDirection) {
  Conversation c;
  const std::string client_hello("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11);
  EXPECT_EQ(c.client(client_hello), client_hello.size());
  EXPECT_EQ(c.client(get("/later")), get("/later").size());
  c.finish();
  EXPECT_TRUE(c.transactions().empty());
  EXPECT_EQ(c.counters().non_http_client, 1u);
}

TEST(HttpParser, NonHttpServerBeforeAnyHttpStopsTheDirection) {
  Conversation c;
  c.server("SSH-2.0-OpenSSH_9.2\r\n");
  c.client(get("/x"));
  c.server(ok_with_body(kGif));
  c.finish();
  ASSERT_EQ(c.transactions().size(), 1u);
  EXPECT_FALSE(c.transactions()[0].has_response);
  EXPECT_EQ(c.counters().non_http_server, 1u);
}

TEST(HttpParser, ServerPickedUpInsideABody) {
  // The response head for /1 was never captured: its body tail comes first, and is taken for
  // /1's response so that the next status line pairs with /2.
  Conversation c;
  c.client(get("/1") + get("/2"));
  c.server(std::string("\x89\x01\x02 binary tail", 16) + ok_with_body(kGif));
  c.finish();
  ASSERT_EQ(c.transactions().size(), 2u);
  EXPECT_EQ(c.transactions()[0].request.uri, "/1");
  EXPECT_FALSE(c.transactions()[0].has_response);
  EXPECT_EQ(c.transactions()[1].request.uri, "/2");
  EXPECT_EQ(c.transactions()[1].response.image.format, ImageFormat::kGif);
  EXPECT_EQ(c.counters().status_line_malformed, 1u);
  EXPECT_EQ(c.counters().non_http_server, 0u);
}

TEST(HttpParser, SimpleRequestHasNoHeaderBlock) {
  Conversation c;
  c.client("GET /old\r\n");
  c.server("<html>HTTP/0.9 answers with the body alone</html>");
  c.finish();
  ASSERT_EQ(c.transactions().size(), 1u);
  EXPECT_EQ(c.transactions()[0].request.uri, "/old");
  EXPECT_EQ(c.transactions()[0].request.version, "HTTP/0.9");
  EXPECT_FALSE(c.transactions()[0].has_response);
  EXPECT_EQ(c.counters().simple_requests, 1u);
}

TEST(HttpParser, MalformedStartLinesResync) {
  Conversation c;
  c.client(get("/1") + "BOGUS LINE\r\nmore junk\r\n" + get("/2"));
  c.server(ok_with_body("a") + "HTTP/1.1 20x Nope\r\n" + ok_with_body(kGif));
  c.finish();
  ASSERT_EQ(c.transactions().size(), 2u);
  EXPECT_EQ(c.transactions()[1].request.uri, "/2");
  EXPECT_EQ(c.transactions()[1].response.image.format, ImageFormat::kGif);
  EXPECT_EQ(c.counters().request_line_malformed, 1u);
  EXPECT_EQ(c.counters().status_line_malformed, 1u);
  EXPECT_EQ(c.counters().resyncs, 2u);
}

TEST(HttpParser, OversizedHeaderBlockKeepsWhatItHadThenResyncs) {
  Conversation c;
  const std::string huge_cookie = "Cookie: " + std::string(HttpParser::kMaxHeaderBytes, 'c');
  c.client("GET /big HTTP/1.1\r\nHost: big.example\r\n" + huge_cookie + "\r\n\r\n" + get("/ok"));
  c.server(ok_with_body("1") + ok_with_body("2"));
  ASSERT_EQ(c.transactions().size(), 2u);
  EXPECT_EQ(c.transactions()[0].request.host, "big.example");
  EXPECT_EQ(c.transactions()[0].response.content_length, 1);
  EXPECT_EQ(c.transactions()[1].request.uri, "/ok");
  EXPECT_EQ(c.counters().header_block_too_large, 1u);
}

TEST(HttpParser, LineWithoutEndIsBoundedByTheCaller) {
  Conversation c;
  // Fed in pieces, the unfinished request line never makes the caller hold more than the bound.
  c.client("GET /");
  for (int i = 0; i < 40; ++i)
    c.client(std::string(1000, 'a'));
  EXPECT_EQ(c.counters().header_block_too_large, 1u);
  c.client("\r\n" + get("/after"));
  c.finish();
  ASSERT_EQ(c.transactions().size(), 1u);
  EXPECT_EQ(c.transactions()[0].request.uri, "/after");
}

TEST(HttpParser, GapInHeadersDropsThePartialRequest) {
  Conversation c;
  c.client("GET /lost HTTP/1.1\r\nHost: l");
  c.gap(true);
  c.client(get("/found"));
  c.finish();
  ASSERT_EQ(c.transactions().size(), 1u);
  EXPECT_EQ(c.transactions()[0].request.uri, "/found");
  EXPECT_EQ(c.counters().requests_incomplete, 1u);
  EXPECT_EQ(c.counters().gaps, 1u);
  EXPECT_EQ(c.counters().resyncs, 1u);
}

TEST(HttpParser, GapMidBodyResyncsAtNextLine) {
  Conversation c;
  c.client(get("/1") + get("/2"));
  c.server("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + std::string(100, 'x'));
  ASSERT_EQ(c.transactions().size(), 1u);
  c.gap(false);
  c.server("tail of the body\r\n" + ok_with_body(kGif));
  ASSERT_EQ(c.transactions().size(), 2u);
  EXPECT_EQ(c.transactions()[1].request.uri, "/2");
  EXPECT_EQ(c.transactions()[1].response.image.format, ImageFormat::kGif);
}

TEST(HttpParser, GapMidBodyFindsAStatusLineInsideALine) {
  Conversation c;
  c.client(get("/1") + get("/2"));
  c.server("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + std::string(100, 'x'));
  c.gap(false);
  // The lost body did not end with a line break; the next head follows it directly, and the
  // first piece ends in the middle of its "HTTP/".
  EXPECT_EQ(c.server("binary body tail HTT"), 17u);
  c.server("P/1.1 200 OK\r\nContent-Length: 43\r\n\r\n" + kGif);
  ASSERT_EQ(c.transactions().size(), 2u);
  EXPECT_EQ(c.transactions()[1].request.uri, "/2");
  EXPECT_EQ(c.transactions()[1].response.image.format, ImageFormat::kGif);
  EXPECT_EQ(c.counters().resyncs, 1u);
}

TEST(HttpParser, GapBeforeSniffEmitsUnsniffed) {
  Conversation c;
  c.client(get("/1"));
  c.server("HTTP/1.1 200 OK\r\nContent-Length: 43\r\n\r\nGIF8");
  EXPECT_TRUE(c.transactions().empty());
  c.gap(false);
  c.client(get("/2"));
  ASSERT_EQ(c.transactions().size(), 1u);
  EXPECT_EQ(c.transactions()[0].request.uri, "/1");
  EXPECT_EQ(c.transactions()[0].response.image.format, ImageFormat::kNone);
}

TEST(HttpParser, ProtocolSwitchStopsParsing) {
  Conversation c;
  c.client("GET /ws HTTP/1.1\r\nHost: w\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
  c.server("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello");
  c.client(std::string("\x81\x85\x00\x00\x00\x00hello", 11) + get("/not-http-any-more"));
  c.server(ok_with_body(kGif));
  c.finish();
  ASSERT_EQ(c.transactions().size(), 1u);
  EXPECT_EQ(c.transactions()[0].response.status, 101);
  EXPECT_EQ(c.counters().protocol_switches, 1u);
}

TEST(HttpParser, ConnectTunnelStopsParsing) {
  Conversation c;
  c.client("CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n");
  c.server("HTTP/1.1 200 Connection established\r\n\r\n");
  c.client(std::string("\x16\x03\x01\x00\x05hello", 10));
  c.server(std::string("\x16\x03\x03\x00\x02hi", 7));
  c.finish();
  ASSERT_EQ(c.transactions().size(), 1u);
  EXPECT_EQ(c.transactions()[0].request.uri, "a.example:443");
  EXPECT_EQ(c.counters().non_http_server, 0u);
  EXPECT_EQ(c.counters().protocol_switches, 1u);
}

TEST(HttpParser, BrokenChunkingResyncs) {
  Conversation c;
  c.client(get("/1") + get("/2"));
  c.server("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n" + ok_with_body(kGif));
  ASSERT_EQ(c.transactions().size(), 2u);
  EXPECT_EQ(c.transactions()[0].response.image.format, ImageFormat::kNone);
  EXPECT_EQ(c.transactions()[1].response.image.format, ImageFormat::kGif);
  EXPECT_EQ(c.counters().chunk_malformed, 1u);
}

TEST(HttpParser, BadContentLengthMeansReadUntilClose) {
  Conversation c;
  c.client(get("/1"));
  c.server("HTTP/1.1 200 OK\r\nContent-Length: 43, 44\r\n\r\n" + kGif + std::string(30, 'x'));
  ASSERT_EQ(c.transactions().size(), 1u);
  EXPECT_EQ(c.transactions()[0].response.content_length, -1);
  EXPECT_EQ(c.transactions()[0].response.image.format, ImageFormat::kGif);
  EXPECT_EQ(c.counters().content_length_invalid, 1u);
}

TEST(HttpParser, RequestWithUnframeableBodyResyncs) {
  Conversation c;
  c.client("POST /a HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n\x1f\x8b\x08 binary\r\n" +
           get("/b"));
  c.finish();
  ASSERT_EQ(c.transactions().size(), 2u);
  EXPECT_EQ(c.transactions()[1].request.uri, "/b");
  EXPECT_EQ(c.counters().transfer_encoding_unsupported, 1u);
}

TEST(HttpParser, FlowEndingMidMessage) {
  Conversation c;
  c.client(get("/answered-late") + "GET /cut HTTP/1.1\r\nHo");
  c.server("HTTP/1.1 200 OK\r\nContent-");
  c.finish();
  ASSERT_EQ(c.transactions().size(), 1u);
  EXPECT_EQ(c.transactions()[0].request.uri, "/answered-late");
  EXPECT_FALSE(c.transactions()[0].has_response);
  EXPECT_EQ(c.counters().requests_incomplete, 1u);
  EXPECT_EQ(c.counters().responses_incomplete, 1u);
  c.finish();  // finish leaves the parser reset: nothing more
  EXPECT_EQ(c.transactions().size(), 1u);
}

TEST(HttpParser, BlankLinesBetweenMessagesTolerated) {
  Conversation c;
  c.client("\r\n" + get("/1") + "\r\n\r\n" + get("/2"));
  c.server(ok_with_body("a") + "\r\n" + ok_with_body("b"));
  ASSERT_EQ(c.transactions().size(), 2u);
  EXPECT_EQ(c.transactions()[1].request.uri, "/2");
  EXPECT_EQ(c.counters().request_line_malformed, 0u);
  EXPECT_EQ(c.counters().status_line_malformed, 0u);
}

TEST(HttpParser, ResetMakesItReusable) {
  Conversation c;
  c.client("\x16\x03");  // dead client direction
  c.finish();
  c.client(get("/fresh"));
  c.server(ok_with_body(kGif));
  ASSERT_EQ(c.transactions().size(), 1u);
  EXPECT_EQ(c.transactions()[0].request.uri, "/fresh");
}

}  // namespace
}  // namespace bw::extract::http
