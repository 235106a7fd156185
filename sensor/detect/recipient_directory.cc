#include "sensor/detect/recipient_directory.h"

#include <algorithm>
#include <cstddef>
#include <fstream>
#include <utility>

#include "sensor/common/ascii.h"
#include "sensor/detect/text_codec.h"

namespace bw::detect {
namespace {

// Forms of an address filed in the index. Base64 forms vary by which spelling is encoded (the
// lower-cased address, or the address as written when that differs: a tracker encodes whatever
// its list holds), by alphabet, and by the address's byte offset modulo 3 inside the encoded
// blob, which fixes the characters it encodes to; only characters encoding address bits alone
// are kept, so a form matches whether the address stands alone (padded or not) or sits inside a
// longer blob such as {"e":"john@x.org"}.
namespace form {
constexpr std::uint8_t kPlain = 0;
constexpr std::uint8_t kMd5 = 1;
constexpr std::uint8_t kSha1 = 2;
constexpr std::uint8_t kSha256 = 3;
constexpr std::uint8_t kBase64First = 4;
constexpr std::uint8_t kAlignments = 3;
constexpr std::uint8_t kCount = kBase64First + 2 * 2 * kAlignments;
constexpr unsigned kBits = 4;
static_assert(kCount <= (1u << kBits));
}  // namespace form

constexpr std::uint32_t kMaxRecipients = std::uint32_t{1} << (32 - form::kBits);
// Base64 of the address behind two bytes of alignment, the longest needle.
constexpr std::size_t kMaxNeedleLength = base64_unpadded_length(kMaxAddressLength + 2);
constexpr std::size_t kMaxLocalPartLength = 64;
constexpr std::size_t kMaxLabelLength = 63;
// A problem report quotes at most this much of the offending line.
constexpr std::size_t kMaxQuotedLine = 80;

struct Base64Form {
  bool as_written;
  Base64Alphabet alphabet;
  unsigned alignment;
};

Base64Form base64_form(std::uint8_t f) {
  const unsigned i = f - form::kBase64First;
  return Base64Form{
      i / (2 * form::kAlignments) == 1,
      (i / form::kAlignments) % 2 == 0 ? Base64Alphabet::kStandard : Base64Alphabet::kUrlSafe,
      i % form::kAlignments};
}

std::uint32_t payload_of(std::uint32_t recipient, std::uint8_t f) {
  return (recipient << form::kBits) | f;
}
std::uint32_t recipient_of(std::uint32_t payload) {
  return payload >> form::kBits;
}
std::uint8_t form_of(std::uint32_t payload) {
  return static_cast<std::uint8_t>(payload & ((1u << form::kBits) - 1));
}

// Index of the first base64 character that encodes only bits of a datum `alignment` bytes into
// its 3-byte group.
std::size_t first_whole_char(unsigned alignment) {
  return (8 * alignment + 5) / 6;
}

// The characters that encode nothing but `address` when it starts `alignment` bytes into a group.
std::size_t aligned_base64(std::string_view address, unsigned alignment, Base64Alphabet alphabet,
                           char* out) {
  // Runs per candidate when verifying: only the alignment bytes need clearing.
  std::array<std::uint8_t, kMaxAddressLength + 2> bytes;
  std::fill_n(bytes.begin(), alignment, 0);
  std::copy(address.begin(), address.end(), bytes.begin() + alignment);
  const std::size_t total = alignment + address.size();
  std::array<char, kMaxNeedleLength + 1> encoded;
  base64_encode(bytes.data(), total, alphabet, encoded.data());
  const std::size_t first = first_whole_char(alignment);
  const std::size_t end = 8 * total / 6;
  std::copy(encoded.begin() + first, encoded.begin() + end, out);
  return end - first;
}

bool is_local_part_char(char c) {
  return is_ascii_alnum(c) || c == '.' || c == '_' || c == '+' || c == '-';
}
bool is_atext_char(char c) {
  return is_ascii_alnum(c) ||
         std::string_view("!#$%&'*+/=?^_`{|}~.-").find(c) != std::string_view::npos;
}

// Whether `after` continues a domain name, i.e. the address found is part of a longer one.
bool continues_domain(std::string_view after) {
  if (after.empty()) return false;
  if (is_ascii_alnum(after[0]) || after[0] == '-') return true;
  return after[0] == '.' && after.size() > 1 && is_ascii_alnum(after[1]);
}

bool is_base64_char(char c) {
  return is_ascii_alnum(c) || c == '+' || c == '/' || c == '-' || c == '_';
}

// Decodes up to max_chars base64 characters of text from pos (stopping at the first other char)
// into out; returns the bytes written.
std::size_t decode_run(std::string_view text, std::ptrdiff_t pos, std::size_t max_chars,
                       std::array<std::uint8_t, 6>& out) {
  if (pos < 0 || static_cast<std::size_t>(pos) >= text.size()) return 0;
  std::string_view run = text.substr(static_cast<std::size_t>(pos), max_chars);
  const std::size_t valid = static_cast<std::size_t>(
      std::find_if_not(run.begin(), run.end(), is_base64_char) - run.begin());
  run = run.substr(0, valid - (valid % 4 == 1 ? 1 : 0));
  std::size_t written = 0;
  return base64_decode(run, out.data(), out.size(), written) ? written : 0;
}

// For a base64 form found at text[start]: whether the bytes encoded just before and after the
// address end it, rather than the address being the tail or head of a longer one.
bool base64_neighbours_end_address(std::string_view text, std::size_t start, unsigned alignment,
                                   std::size_t address_length) {
  const std::ptrdiff_t group =
      static_cast<std::ptrdiff_t>(start) - static_cast<std::ptrdiff_t>(first_whole_char(alignment));
  std::array<std::uint8_t, 6> bytes{};
  if (alignment > 0) {
    if (decode_run(text, group, 4, bytes) >= alignment &&
        is_local_part_char(static_cast<char>(bytes[alignment - 1]))) {
      return false;
    }
  } else if (decode_run(text, group - 4, 4, bytes) == 3 &&
             is_local_part_char(static_cast<char>(bytes[2]))) {
    return false;
  }
  const std::size_t end_byte = alignment + address_length;
  const std::size_t within = end_byte % 3;
  const std::size_t after =
      decode_run(text, group + 4 * static_cast<std::ptrdiff_t>(end_byte / 3), 8, bytes);
  if (after <= within) return true;
  return !continues_domain(
      std::string_view(reinterpret_cast<const char*>(bytes.data()) + within, after - within));
}

std::string_view trim(std::string_view text) {
  const std::size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return {};
  const std::size_t end = text.find_last_not_of(" \t\r\n");
  return text.substr(begin, end - begin + 1);
}

bool is_valid_local_part(std::string_view local) {
  if (local.empty() || local.size() > kMaxLocalPartLength) return false;
  if (local.front() == '.' || local.back() == '.') return false;
  if (local.find("..") != std::string_view::npos) return false;
  return std::all_of(local.begin(), local.end(), is_atext_char);
}

bool is_valid_label(std::string_view label) {
  if (label.empty() || label.size() > kMaxLabelLength) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  return std::all_of(label.begin(), label.end(),
                     [](char c) { return is_ascii_alnum(c) || c == '-'; });
}

bool is_valid_domain(std::string_view domain) {
  std::size_t labels = 0;
  std::string_view last;
  while (true) {
    const std::size_t dot = domain.find('.');
    last = domain.substr(0, dot);
    if (!is_valid_label(last)) return false;
    ++labels;
    if (dot == std::string_view::npos) break;
    domain.remove_prefix(dot + 1);
  }
  // Top-level domains are letters, or an IDN's punycode form.
  const bool letters_only = std::all_of(last.begin(), last.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  });
  const bool punycode = last.size() > 4 && ascii_fold(last[0]) == 'x' &&
                        ascii_fold(last[1]) == 'n' && last.substr(2, 2) == "--";
  return labels >= 2 && last.size() >= 2 && (letters_only || punycode);
}

enum class LineKind : std::uint8_t { kNothing, kAddress, kBad };

// Splits a directory line into its address, or says why it has none.
LineKind parse_line(std::string_view line, std::string_view& address, std::string& reason) {
  line = trim(line);
  if (line.empty() || line.front() == '#') return LineKind::kNothing;
  std::string_view rest;
  const std::size_t open = line.find('<');
  if (open != std::string_view::npos) {
    const std::size_t close = line.find('>', open);
    if (close == std::string_view::npos) {
      reason = "'<' without '>'";
      return LineKind::kBad;
    }
    address = trim(line.substr(open + 1, close - open - 1));
    rest = trim(line.substr(close + 1));
  } else {
    const std::size_t space = line.find_first_of(" \t");
    address = line.substr(0, space);
    rest = space == std::string_view::npos ? std::string_view() : trim(line.substr(space));
  }
  if (!rest.empty() && rest.front() != '#') {
    reason = "unexpected text after the address";
    return LineKind::kBad;
  }
  return LineKind::kAddress;
}

std::string quoted(std::string_view line) {
  const std::string_view shown = trim(line).substr(0, kMaxQuotedLine);
  return " '" + std::string(shown) + "'";
}

// ---- host names ----

constexpr std::size_t kMaxHostNameLength = 253;
// A label holds at most 63 bytes: longer base64url forms cannot appear as one.
constexpr std::size_t kMaxHostLabelLength = 63;
// A local part alone must be this long, or hold a separator, to be looked for: "info" or "admin"
// as a subdomain says nothing about a recipient.
constexpr std::size_t kMinLocalPartKeyLength = 6;
// Labels that must remain right of a match: the tracker's own registered domain.
constexpr std::size_t kMinLabelsAfterHostMatch = 2;

constexpr std::uint64_t kFnvOffset = 14695981039346656037ull;
constexpr std::uint64_t kFnvPrime = 1099511628211ull;

constexpr std::uint64_t fnv_step(std::uint64_t hash, char c) {
  return (hash ^ static_cast<unsigned char>(c)) * kFnvPrime;
}

std::uint64_t fnv(std::string_view text) {
  std::uint64_t hash = kFnvOffset;
  for (const char c : text)
    hash = fnv_step(hash, c);
  return hash;
}

// Letter case and the separators trackers substitute for one another fold to one spelling.
char fold_host_char(char c) {
  if (c == '-' || c == '_' || c == '@' || c == '+') return '.';
  return ascii_fold(c);
}

std::string fold_host_text(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), fold_host_char);
  return out;
}

int form_strength(HostNameForm form) {
  return form == HostNameForm::kLocalPart ? 0 : 1;
}

}  // namespace

std::string_view host_name_form_name(HostNameForm form) {
  switch (form) {
    case HostNameForm::kLocalPart:
      return "local-part";
    case HostNameForm::kAddress:
      return "address";
    case HostNameForm::kMd5Hex:
      return "md5";
    case HostNameForm::kSha1Hex:
      return "sha1";
    case HostNameForm::kBase64Url:
      return "base64url";
  }
  return "address";
}

std::string_view encoding_name(Encoding encoding) {
  switch (encoding) {
    case Encoding::kPlain:
      return "plain";
    case Encoding::kUrlEncoded:
      return "url-encoded";
    case Encoding::kBase64:
      return "base64";
    case Encoding::kBase64Url:
      return "base64url";
    case Encoding::kMd5Hex:
      return "md5";
    case Encoding::kSha1Hex:
      return "sha1";
    case Encoding::kSha256Hex:
      return "sha256";
  }
  return "plain";
}

bool is_plausible_address(std::string_view text) {
  constexpr std::size_t kShortest = 6;  // a@b.cc
  if (text.size() < kShortest || text.size() > kMaxAddressLength) return false;
  const std::size_t at = text.find('@');
  if (at == std::string_view::npos || at != text.rfind('@')) return false;
  return is_valid_local_part(text.substr(0, at)) && is_valid_domain(text.substr(at + 1));
}

bool RecipientDirectory::load_file(const std::string& path, RecipientDirectory& out,
                                   std::vector<std::string>& problems) {
  std::ifstream in(path);
  if (!in) {
    problems.push_back(path + ": cannot open");
    return false;
  }
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::string_view text = line;
    if (number == 1 && text.substr(0, 3) == "\xef\xbb\xbf") text.remove_prefix(3);  // UTF-8 BOM
    std::string_view address;
    std::string reason;
    const LineKind kind = parse_line(text, address, reason);
    if (kind == LineKind::kNothing) continue;
    if (kind == LineKind::kAddress && out.add_address(address) == AddResult::kInvalid) {
      reason = "not an e-mail address";
    }
    if (!reason.empty()) {
      std::string problem = path;
      problem.append(":").append(std::to_string(number)).append(": ").append(reason);
      problem.append(quoted(text));
      problems.push_back(std::move(problem));
    }
  }
  return !in.bad();
}

bool RecipientDirectory::add(std::string_view address) {
  return add_address(address) != AddResult::kInvalid;
}

RecipientDirectory::AddResult RecipientDirectory::add_address(std::string_view address) {
  address = trim(address);
  if (!is_plausible_address(address) || recipients_.size() >= kMaxRecipients) {
    return AddResult::kInvalid;
  }
  std::string lower(address);
  std::transform(lower.begin(), lower.end(), lower.begin(), ascii_fold);
  if (contains(lower)) return AddResult::kDuplicate;
  Recipient r;
  r.length = static_cast<std::uint16_t>(address.size());
  r.lower_offset = static_cast<std::uint32_t>(text_.size());
  r.written_offset = r.lower_offset;
  text_ += lower;
  if (lower != address) {
    r.written_offset = static_cast<std::uint32_t>(text_.size());
    text_ += address;
  }
  const ByteSpan bytes(reinterpret_cast<const std::uint8_t*>(lower.data()), lower.size());
  r.md5 = crypto::md5(bytes);
  r.sha1 = crypto::sha1(bytes);
  r.sha256 = crypto::sha256(bytes);
  recipients_.push_back(r);
  index_recipient(static_cast<std::uint32_t>(recipients_.size() - 1));
  index_host_keys(static_cast<std::uint32_t>(recipients_.size() - 1));
  return AddResult::kAdded;
}

void RecipientDirectory::insert_slot(std::vector<HostKey>& table, const HostKey& key) {
  const std::size_t mask = table.size() - 1;
  for (std::size_t slot = key.hash & mask;; slot = (slot + 1) & mask) {
    if (table[slot].length == 0) {
      table[slot] = key;
      return;
    }
  }
}

void RecipientDirectory::add_host_key(std::vector<HostKey>& table, std::string_view key,
                                      std::uint32_t recipient, HostNameForm form) {
  if (key.empty()) return;
  std::size_t& count = &table == &host_keys_ ? host_key_count_ : host_label_key_count_;
  // Kept at most half full so that probes stay short; doubling keeps additions amortised O(1).
  if (2 * (count + 1) > table.size()) {
    std::vector<HostKey> grown(std::max<std::size_t>(16, 2 * table.size()));
    for (const HostKey& old : table) {
      if (old.length != 0) insert_slot(grown, old);
    }
    table.swap(grown);
  }
  HostKey entry;
  entry.hash = fnv(key);
  entry.recipient = recipient;
  entry.text_offset = static_cast<std::uint32_t>(host_key_text_.size());
  entry.length = static_cast<std::uint16_t>(key.size());
  entry.form = form;
  host_key_text_ += key;
  insert_slot(table, entry);
  ++count;
  max_host_key_length_ = std::max(max_host_key_length_, key.size());
}

void RecipientDirectory::index_host_keys(std::uint32_t index) {
  const Recipient& r = recipients_[index];
  const std::string folded = fold_host_text(lower(r));
  add_host_key(host_keys_, folded, index, HostNameForm::kAddress);
  const std::string_view local = std::string_view(folded).substr(0, lower(r).find('@'));
  if (local.size() >= kMinLocalPartKeyLength || local.find('.') != std::string_view::npos) {
    add_host_key(host_keys_, local, index, HostNameForm::kLocalPart);
  }
  std::array<char, kMaxNeedleLength> digest{};
  crypto::to_hex(r.md5, digest.data());
  add_host_key(host_keys_, std::string_view(digest.data(), 2 * r.md5.size()), index,
               HostNameForm::kMd5Hex);
  crypto::to_hex(r.sha1, digest.data());
  add_host_key(host_keys_, std::string_view(digest.data(), 2 * r.sha1.size()), index,
               HostNameForm::kSha1Hex);
  for (const std::string_view spelling : {lower(r), written(r)}) {
    if (base64_unpadded_length(spelling.size()) > kMaxHostLabelLength) break;
    std::array<char, kMaxNeedleLength> encoded{};
    base64_encode(reinterpret_cast<const std::uint8_t*>(spelling.data()), spelling.size(),
                  Base64Alphabet::kUrlSafe, encoded.data());
    add_host_key(host_label_keys_,
                 std::string_view(encoded.data(), base64_unpadded_length(spelling.size())), index,
                 HostNameForm::kBase64Url);
    if (r.written_offset == r.lower_offset) break;
  }
}

template <typename Visit>
void RecipientDirectory::find_host_keys(const std::vector<HostKey>& table, std::uint64_t hash,
                                        std::string_view span, Visit&& visit) const {
  if (table.empty()) return;
  const std::size_t mask = table.size() - 1;
  for (std::size_t slot = hash & mask; table[slot].length != 0; slot = (slot + 1) & mask) {
    const HostKey& key = table[slot];
    if (key.hash == hash &&
        std::string_view(host_key_text_).substr(key.text_offset, key.length) == span) {
      visit(key);
    }
  }
}

bool RecipientDirectory::match_host_name(std::string_view name, HostNameMatch& out) const {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty() || name.size() > kMaxHostNameLength || recipients_.empty()) return false;
  const std::size_t n = name.size();
  std::array<char, kMaxHostNameLength> folded{};
  // labels_from[i]: how many labels begin at or after position i (a '.' at i starts one).
  std::array<std::uint8_t, kMaxHostNameLength + 1> labels_from{};
  for (std::size_t i = n; i-- > 0;) {
    folded[i] = fold_host_char(name[i]);
    labels_from[i] = static_cast<std::uint8_t>(labels_from[i + 1] + (name[i] == '.' ? 1 : 0));
  }
  const std::string_view text(folded.data(), n);
  const auto is_label_edge = [&](std::size_t begin, std::size_t end) {
    return (begin == 0 || name[begin - 1] == '.') && (end == n || name[end] == '.');
  };
  bool found = false;
  const auto offer = [&](const HostKey& key, std::size_t begin, std::size_t end) {
    if (labels_from[end] < kMinLabelsAfterHostMatch) return;
    if (key.form == HostNameForm::kLocalPart && !is_label_edge(begin, end)) return;
    const HostNameMatch candidate{key.recipient, key.form, static_cast<std::uint8_t>(begin),
                                  static_cast<std::uint8_t>(end - begin)};
    const int strength = form_strength(candidate.form);
    const int best_strength = found ? form_strength(out.form) : -1;
    const bool better = strength > best_strength ||
                        (strength == best_strength &&
                         (candidate.offset < out.offset ||
                          (candidate.offset == out.offset && candidate.length > out.length)));
    if (better) {
      out = candidate;
      found = true;
    }
  };
  // Every span between separators, each start hashed once as it grows.
  for (std::size_t begin = 0; begin < n; ++begin) {
    if (begin > 0 && text[begin - 1] != '.') continue;
    std::uint64_t hash = kFnvOffset;
    for (std::size_t end = begin; end <= n && end - begin <= max_host_key_length_; ++end) {
      if (end == n || text[end] == '.') {
        if (end > begin) {
          find_host_keys(host_keys_, hash, text.substr(begin, end - begin),
                         [&](const HostKey& key) { offer(key, begin, end); });
        }
        if (end == n) break;
      }
      hash = fnv_step(hash, text[end]);
    }
  }
  // Base64url labels, exactly as written.
  for (std::size_t begin = 0; begin < n;) {
    const std::size_t dot = name.find('.', begin);
    const std::size_t end = dot == std::string_view::npos ? n : dot;
    const std::string_view label = name.substr(begin, end - begin);
    find_host_keys(host_label_keys_, fnv(label), label,
                   [&](const HostKey& key) { offer(key, begin, end); });
    begin = end + 1;
  }
  return found;
}

void RecipientDirectory::index_recipient(std::uint32_t index) {
  const Recipient& r = recipients_[index];
  std::array<char, kMaxNeedleLength> needle{};
  for (std::uint8_t f = 0; f < form::kCount; ++f) {
    const bool base64 = f >= form::kBase64First;
    if (base64 && base64_form(f).as_written && r.written_offset == r.lower_offset) continue;
    const std::string_view text(needle.data(), needle_text(r, f, needle.data()));
    // A URL-safe form without '-' or '_' is the standard form again.
    if (base64 && base64_form(f).alphabet == Base64Alphabet::kUrlSafe &&
        text.find_first_of("-_") == std::string_view::npos) {
      continue;
    }
    index_.insert(text, payload_of(index, f), anchor_start_limit(r, f));
  }
}

// A protected organisation's addresses mostly share their domain, so a window reaching into it
// would file thousands of needles under a few anchors, and any URL naming the domain would have
// to verify them all. Anchors therefore lie within the local part and its '@' (or start the
// needle, for local parts shorter than an anchor); digests are random throughout.
std::size_t RecipientDirectory::anchor_start_limit(const Recipient& r, std::uint8_t f) const {
  if (f != form::kPlain && f < form::kBase64First) return SIZE_MAX;
  const std::size_t through_at = lower(r).find('@') + 1;
  std::size_t window_end = through_at;
  if (f >= form::kBase64First) {
    // Characters whose bits all lie in bytes up to the '@', counted from the needle's start.
    const unsigned alignment = base64_form(f).alignment;
    window_end = 8 * (alignment + through_at) / 6 - first_whole_char(alignment);
  }
  return window_end > AnchorIndex::kAnchorLength ? window_end - AnchorIndex::kAnchorLength + 1 : 1;
}

bool RecipientDirectory::contains(std::string_view lower_address) const {
  bool found = false;
  index_.scan(lower_address, [&](const AnchorIndex::Hit& hit) {
    if (form_of(hit.payload) != form::kPlain || hit.needle_start != 0) return;
    found = found || address(recipient_of(hit.payload)) == lower_address;
  });
  return found;
}

std::string_view RecipientDirectory::lower(const Recipient& r) const {
  return std::string_view(text_).substr(r.lower_offset, r.length);
}

std::string_view RecipientDirectory::written(const Recipient& r) const {
  return std::string_view(text_).substr(r.written_offset, r.length);
}

std::string_view RecipientDirectory::address(std::uint32_t index) const {
  return index < recipients_.size() ? lower(recipients_[index]) : std::string_view();
}

std::size_t RecipientDirectory::needle_text(const Recipient& r, std::uint8_t f, char* out) const {
  switch (f) {
    case form::kPlain:
      std::copy(lower(r).begin(), lower(r).end(), out);
      return r.length;
    case form::kMd5:
      crypto::to_hex(r.md5, out);
      return 2 * r.md5.size();
    case form::kSha1:
      crypto::to_hex(r.sha1, out);
      return 2 * r.sha1.size();
    case form::kSha256:
      crypto::to_hex(r.sha256, out);
      return 2 * r.sha256.size();
    default: {
      const Base64Form b = base64_form(f);
      return aligned_base64(b.as_written ? written(r) : lower(r), b.alignment, b.alphabet, out);
    }
  }
}

bool RecipientDirectory::verify(std::string_view decoded, const AnchorIndex::Hit& hit,
                                std::size_t& length, Encoding& encoding) const {
  const Recipient& r = recipients_[recipient_of(hit.payload)];
  const std::uint8_t f = form_of(hit.payload);
  std::array<char, kMaxNeedleLength> buffer;
  const std::string_view needle =
      f == form::kPlain ? lower(r)
                        : std::string_view(buffer.data(), needle_text(r, f, buffer.data()));
  const std::size_t start = hit.needle_start;
  if (start + needle.size() > decoded.size()) return false;
  const std::string_view candidate = decoded.substr(start, needle.size());
  length = needle.size();
  switch (f) {
    case form::kPlain:
      encoding = Encoding::kPlain;
      return iequals(candidate, needle) &&
             (start == 0 || !is_local_part_char(decoded[start - 1])) &&
             !continues_domain(decoded.substr(start + needle.size()));
    case form::kMd5:
      encoding = Encoding::kMd5Hex;
      return iequals(candidate, needle);
    case form::kSha1:
      encoding = Encoding::kSha1Hex;
      return iequals(candidate, needle);
    case form::kSha256:
      encoding = Encoding::kSha256Hex;
      return iequals(candidate, needle);
    default: {
      const Base64Form b = base64_form(f);
      encoding = b.alphabet == Base64Alphabet::kStandard ? Encoding::kBase64 : Encoding::kBase64Url;
      return candidate == needle &&
             base64_neighbours_end_address(decoded, start, b.alignment, r.length);
    }
  }
}

bool RecipientDirectory::match(std::string_view text, Match& out) const {
  thread_local DecodedText decoded;
  percent_decode(text, decoded);
  bool found = false;
  index_.scan(decoded.view(), [&](const AnchorIndex::Hit& hit) {
    std::size_t length = 0;
    Encoding encoding = Encoding::kPlain;
    if (!verify(decoded.view(), hit, length, encoding)) return;
    const std::size_t raw_offset = decoded.raw_begin(hit.needle_start);
    const std::size_t raw_length = decoded.raw_length(hit.needle_start, hit.needle_start + length);
    if (encoding == Encoding::kPlain && raw_length != length) encoding = Encoding::kUrlEncoded;
    const bool better =
        !found || raw_offset < out.offset || (raw_offset == out.offset && raw_length > out.length);
    if (!better) return;
    found = true;
    out = Match{recipient_of(hit.payload), encoding, static_cast<std::uint16_t>(raw_offset),
                static_cast<std::uint16_t>(raw_length)};
  });
  return found;
}

std::size_t RecipientDirectory::memory_bytes() const {
  return recipients_.capacity() * sizeof(Recipient) + text_.capacity() + index_.memory_bytes() +
         (host_keys_.capacity() + host_label_keys_.capacity()) * sizeof(HostKey) +
         host_key_text_.capacity();
}

}  // namespace bw::detect
