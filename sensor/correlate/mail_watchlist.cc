#include "sensor/correlate/mail_watchlist.h"

#include <fstream>
#include <sstream>

#include "sensor/correlate/public_suffix.h"

namespace bw::correlate {

std::string MailWatchlist::key_of(std::string_view host, std::string_view target) {
  FixedString<256> normal;
  normalise_host(host, normal);
  std::string key(normal.view());
  if (target.empty() || target.front() != '/') key.push_back('/');
  key.append(target);
  return key;
}

void MailWatchlist::add(std::string_view url, WatchedUrl entry) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (url.substr(0, scheme.size()) == scheme) {
      url.remove_prefix(scheme.size());
      break;
    }
  }
  const std::size_t slash = url.find('/');
  const std::string key = slash == std::string_view::npos
                              ? key_of(url, "/")
                              : key_of(url.substr(0, slash), url.substr(slash));
  const auto it = index_.find(key);
  if (it != index_.end()) {
    it->second.first = std::move(entry);
    return;
  }
  if (index_.size() >= capacity_) {
    index_.erase(order_.front());
    order_.pop_front();
  }
  order_.push_back(key);
  index_.emplace(key, std::make_pair(std::move(entry), std::prev(order_.end())));
}

const WatchedUrl* MailWatchlist::find(std::string_view host, std::string_view target) const {
  const auto it = index_.find(key_of(host, target));
  return it == index_.end() ? nullptr : &it->second.first;
}

bool MailWatchlist::load_tsv(const std::string& path, std::vector<std::string>& problems) {
  std::ifstream in(path);
  if (!in) {
    problems.push_back(path + ": cannot open mail watchlist");
    return false;
  }
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> fields;
    std::stringstream ss(line);
    for (std::string field; std::getline(ss, field, '\t');)
      fields.push_back(field);
    if (fields.size() < 5 || fields[0].rfind("http", 0) != 0) {
      if (number == 1 && !fields.empty() && fields[0] == "url") continue;  // header
      problems.push_back(path + ":" + std::to_string(number) +
                         ": expected url, host, kind, message_id, recipients[, subject, date]");
      continue;
    }
    add(fields[0], WatchedUrl{fields[3], fields[4], fields.size() > 5 ? fields[5] : ""});
  }
  return true;
}

}  // namespace bw::correlate
