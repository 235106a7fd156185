// bw-intel-convert: a third-party list in, a Beaconwatch feed out. The work is in
// sensor/intel/list_convert.h; this file only does files and messages.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "sensor/intel/list_convert.h"

namespace bw::intel {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitIo = 1;
constexpr int kExitUsage = 2;

bool read_input(const std::string& path, std::string& text) {
  if (path == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    return !std::cin.bad();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

bool write_output(const std::string& path, const std::string& text) {
  if (path == "-") {
    std::cout << text << std::flush;
    return static_cast<bool>(std::cout);
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  return static_cast<bool>(out);
}

void print_summary(const ConvertCounters& counters) {
  std::ostringstream line;
  line << "bw-intel-convert:";
  counters.for_each(
      [&](std::string_view name, std::uint64_t value) { line << ' ' << name << '=' << value; });
  std::cerr << line.str() << '\n';
}

int run(std::span<const std::string_view> args) {
  ConvertCommand command;
  std::string error;
  if (!parse_convert_command(args, command, error)) {
    std::cerr << "bw-intel-convert: " << error << "\n" << convert_usage();
    return kExitUsage;
  }
  if (command.help) {
    std::cout << convert_usage();
    return kExitOk;
  }
  std::string input;
  if (!read_input(command.input_path, input)) {
    std::cerr << "bw-intel-convert: cannot read " << command.input_path << ": "
              << std::strerror(errno) << '\n';
    return kExitIo;
  }
  std::vector<ConvertedFeed> feeds;
  ConvertCounters counters;
  std::vector<std::string> problems;
  const bool converted = convert_list(input, command.options, feeds, counters, problems);
  for (const std::string& problem : problems)
    std::cerr << problem << '\n';
  if (!converted) return kExitUsage;
  std::string to_stdout;
  for (const ConvertedFeed& feed : feeds) {
    if (command.output_path == "-") {
      // One stream cannot hold several feeds that load; it is for looking at the result.
      to_stdout += feed.text;
      continue;
    }
    const std::string path = converted_feed_path(command.output_path, feed.name_suffix);
    if (!write_output(path, feed.text)) {
      std::cerr << "bw-intel-convert: cannot write " << path << ": " << std::strerror(errno)
                << '\n';
      return kExitIo;
    }
    std::cerr << "bw-intel-convert: " << path << ": " << feed.indicators << " indicators\n";
  }
  if (command.output_path == "-" && !write_output("-", to_stdout)) {
    std::cerr << "bw-intel-convert: cannot write to standard output\n";
    return kExitIo;
  }
  print_summary(counters);
  return kExitOk;
}

}  // namespace
}  // namespace bw::intel

int main(int argc, char** argv) {
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  return bw::intel::run(args);
}
