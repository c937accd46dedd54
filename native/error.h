// The one exception type native code throws; the binding turns it into a JS Error.
#pragma once
#include <stdexcept>
#include <string>

namespace rv {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace rv
