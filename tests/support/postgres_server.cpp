#include "postgres_server.hpp"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

#include "harness.hpp"

namespace trafficsim::test {

namespace fs = std::filesystem;

namespace {

/// The folder of initdb and pg_ctl: Debian keeps them out of PATH, pg_config knows where.
std::string postgres_bin_dir() {
  std::string dir = shell_out("pg_config --bindir");
  while (!dir.empty() && (dir.back() == '\n' || dir.back() == ' ')) dir.pop_back();
  return dir;
}

}  // namespace

postgres_server::postgres_server() : bin_(postgres_bin_dir()), root_(::geteuid() == 0) {
  char pattern[] = "/tmp/trafficsim-pg-XXXXXX";  // short: a socket path has ~100 bytes
  const char* made = ::mkdtemp(pattern);
  if (made == nullptr) {
    ADD_FAILURE() << "cannot make a folder for PostgreSQL";
    return;
  }
  dir_ = made;
  // initdb refuses to run as root: the cluster belongs to the postgres user then.
  if (root_) {
    const passwd* pw = ::getpwnam("postgres");
    if (pw == nullptr || ::chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      ADD_FAILURE() << "running as root, but there is no postgres user to own the cluster";
      return;
    }
  }
  as_owner({bin_ + "/initdb", "-D", (dir_ / "data").string(), "-U", "postgres", "-A", "trust", "-E", "UTF8",
            "--locale=C", "--no-sync"});
  // Only a Unix socket in the folder (listen_addresses empty: no TCP port at all).
  as_owner({bin_ + "/pg_ctl", "-D", (dir_ / "data").string(), "-l", (dir_ / "log").string(), "-w", "-o",
            "-k " + dir_.string() + " -c listen_addresses= -c fsync=off -c full_page_writes=off", "start"});
  running_ = fs::exists(dir_ / ".s.PGSQL.5432");
  if (!running_) ADD_FAILURE() << "PostgreSQL did not start; its log:\n" << read_file(dir_ / "log");
}

postgres_server::~postgres_server() {
  if (running_) as_owner({bin_ + "/pg_ctl", "-D", (dir_ / "data").string(), "-m", "immediate", "-w", "stop"});
  std::error_code ec;
  if (!dir_.empty()) fs::remove_all(dir_, ec);
}

void postgres_server::as_owner(const std::vector<std::string>& args) const {
  std::vector<std::string> command = args;
  if (root_) command.insert(command.begin(), {"/usr/sbin/runuser", "-u", "postgres", "--"});
  child c = spawn(command);
  const process_result r = wait_for(c);
  EXPECT_EQ(r.exit_code, 0) << args[0] << ": " << r.err << r.out;
}

std::string postgres_server::uri(const std::string& db) const {
  return "postgresql://postgres@/" + db + "?host=" + dir_.string() + "&port=5432";
}

std::vector<std::vector<std::string>> pg_query(const std::string& uri, const std::string& sql) {
  std::vector<std::vector<std::string>> rows;
  PGconn* conn = PQconnectdb(uri.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    ADD_FAILURE() << "cannot connect: " << PQerrorMessage(conn);
    PQfinish(conn);
    return rows;
  }
  PGresult* r = PQexec(conn, sql.c_str());
  const ExecStatusType status = PQresultStatus(r);
  if (status == PGRES_TUPLES_OK) {
    for (int i = 0; i < PQntuples(r); ++i) {
      std::vector<std::string> row;
      for (int j = 0; j < PQnfields(r); ++j) row.emplace_back(PQgetvalue(r, i, j));
      rows.push_back(std::move(row));
    }
  } else if (status != PGRES_COMMAND_OK) {
    ADD_FAILURE() << sql << ": " << PQerrorMessage(conn);
  }
  PQclear(r);
  PQfinish(conn);
  return rows;
}

}  // namespace trafficsim::test
