// URLs found in inbound mail (from SMTP seen on the tap, or from journaled .eml/mbox files via
// tools/mail/bw-mail-watchlist), so that a later fetch of one names the message and recipients.
// Bounded: the oldest URLs are forgotten first.
#pragma once

#include <cstdint>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace bw::correlate {

struct WatchedUrl {
  std::string message_id;
  std::string recipients;  // comma-separated
  std::string subject;
};

class MailWatchlist {
 public:
  explicit MailWatchlist(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  // `url` absolute ("http://host/path?q"); the key is host + path + query, scheme dropped, host
  // lower-cased, so an HTTP fetch and an HTTPS link of the same resource meet.
  void add(std::string_view url, WatchedUrl entry);
  // The entry for a fetch of `host` + `target` (origin-form), or nullptr.
  const WatchedUrl* find(std::string_view host, std::string_view target) const;
  // Loads the TSV bw-mail-watchlist writes (url, host, kind, message_id, recipients, subject,
  // date); a malformed line is reported as "file:line: reason" and skipped.
  bool load_tsv(const std::string& path, std::vector<std::string>& problems);
  std::size_t size() const { return index_.size(); }

 private:
  static std::string key_of(std::string_view host, std::string_view target);
  std::size_t capacity_;
  std::list<std::string> order_;
  std::unordered_map<std::string, std::pair<WatchedUrl, std::list<std::string>::iterator>> index_;
};

}  // namespace bw::correlate
