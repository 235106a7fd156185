// Whole small files (certificates, keys) read at start-up, with an error that names the file.
#pragma once

#include <string>

namespace bw {

// Reads `path` into `out`. On failure returns false with "<path>: cannot read: <reason>".
bool read_file_text(const std::string& path, std::string& out, std::string& error);

}  // namespace bw
