#pragma once
// A real PostgreSQL server for the tests: initdb and pg_ctl (Debian's postgresql) into a
// temporary folder, listening only on a Unix socket there, run as the unprivileged
// `postgres` user when the tests run as root; stopped and removed by the destructor.

#include <filesystem>
#include <string>
#include <vector>

namespace trafficsim::test {

class postgres_server {
 public:
  /// Starts a fresh cluster; the test fails (ADD_FAILURE) if it cannot.
  postgres_server();
  postgres_server(const postgres_server&) = delete;
  postgres_server& operator=(const postgres_server&) = delete;
  ~postgres_server();

  /// A libpq URI for database `db` as the superuser `postgres`.
  std::string uri(const std::string& db = "postgres") const;
  bool running() const noexcept { return running_; }

 private:
  void as_owner(const std::vector<std::string>& args) const;
  std::filesystem::path dir_;
  std::string bin_;
  bool root_ = false;
  bool running_ = false;
};

/// Runs `sql` on `uri` and returns its rows, each field as text ("" for NULL); the test
/// fails (ADD_FAILURE) on an error.
std::vector<std::vector<std::string>> pg_query(const std::string& uri, const std::string& sql);

}  // namespace trafficsim::test
