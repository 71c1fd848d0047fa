// Private PostgreSQL and Redis servers for tests: started on free high ports
// of 127.0.0.1 in temporary directories, stopped (killed if need be) by the
// destructor even when a test fails. A missing server binary is a test
// FAILURE with a clear message (CI installs them via scripts/install-deps).
// PostgreSQL refuses to run as root: as root, the servers run as the system
// user `switchyard-test` (created when absent), with the directory chowned.
#pragma once

#include <arpa/inet.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "../temp_dir.h"

namespace sy::testing {

inline constexpr const char *kPgBin = "/usr/lib/postgresql/15/bin";
inline constexpr const char *kRedisServer = "/usr/bin/redis-server";
inline constexpr const char *kTestUser = "switchyard-test";

inline int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// uid/gid to run servers as (non-root); creates the user when root and absent.
inline bool server_identity(uid_t &uid, gid_t &gid) {
  if (::geteuid() != 0) {
    uid = ::geteuid();
    gid = ::getegid();
    return true;
  }
  if (::getpwnam(kTestUser) == nullptr) {
    std::system("useradd --system --no-create-home --shell /usr/sbin/nologin "
                "switchyard-test"
                " >/dev/null 2>&1");
  }
  const passwd *pw = ::getpwnam(kTestUser);
  if (pw == nullptr)
    return false;
  uid = pw->pw_uid;
  gid = pw->pw_gid;
  return true;
}

// fork + exec `argv` as uid/gid with output to `log`; returns the pid.
inline pid_t spawn(const std::vector<std::string> &argv, uid_t uid, gid_t gid,
                   const std::string &log) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    if (FILE *f = std::fopen(log.c_str(), "a")) {
      ::dup2(fileno(f), 1);
      ::dup2(fileno(f), 2);
    }
    if (::getuid() == 0 && uid != 0) {
      ::setgroups(0, nullptr);
      if (::setgid(gid) != 0 || ::setuid(uid) != 0)
        ::_exit(126);
    }
    std::vector<char *> args;
    for (const auto &a : argv)
      args.push_back(const_cast<char *>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  return pid;
}

// Sends `sig`, waits up to `wait`, then SIGKILLs. Reaps the process.
inline void stop_process(pid_t &pid, int sig, std::chrono::milliseconds wait) {
  if (pid <= 0)
    return;
  ::kill(pid, sig);
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid, nullptr, WNOHANG) == pid) {
      pid = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(-pid, SIGKILL);
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  pid = -1;
}

inline int run_as(const std::vector<std::string> &argv, uid_t uid, gid_t gid,
                  const std::string &log) {
  pid_t pid = spawn(argv, uid, gid, log);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class PrivatePostgres {
public:
  // Initializes a cluster; call start() next. Check ok() (and error()).
  PrivatePostgres() {
    if (!std::filesystem::exists(std::string(kPgBin) + "/postgres")) {
      error_ = std::string("PostgreSQL server binaries not found in ") +
               kPgBin + ": install Debian's postgresql (scripts/install-deps)";
      return;
    }
    if (!server_identity(uid_, gid_)) {
      error_ = "cannot find or create the switchyard-test user to run postgres "
               "as non-root";
      return;
    }
    root_ = dir_.file("");
    data_ = dir_.file("data");
    ::chown(root_.c_str(), uid_, gid_);
    port_ = free_port();
    if (run_as({std::string(kPgBin) + "/initdb", "-D", data_, "-U", "postgres",
                "--auth=trust", "-E", "UTF8", "--no-sync"},
               uid_, gid_, dir_.file("initdb.log")) != 0) {
      error_ = "initdb failed; see " + dir_.file("initdb.log");
    }
  }
  ~PrivatePostgres() { stop(); }

  bool ok() const { return error_.empty(); }
  const std::string &error() const { return error_; }
  int port() const { return port_; }
  std::string url(const std::string &db = "postgres") const {
    return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" +
           db;
  }

  bool start() {
    pid_ = spawn({std::string(kPgBin) + "/postgres", "-D", data_, "-p",
                  std::to_string(port_), "-k", root_, "-c",
                  "listen_addresses=127.0.0.1", "-c", "fsync=off"},
                 uid_, gid_, dir_.file("postgres.log"));
    const std::string conninfo =
        "host=127.0.0.1 port=" + std::to_string(port_) +
        " user=postgres connect_timeout=1";
    for (int i = 0; i < 300; ++i) {
      if (PQping(conninfo.c_str()) == PQPING_OK)
        return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    error_ = "postgres did not become ready; see " + dir_.file("postgres.log");
    return false;
  }
  // Fast shutdown (SIGINT), SIGKILL after 10 s.
  void stop() { stop_process(pid_, SIGINT, std::chrono::seconds(10)); }

  // Runs SQL on the maintenance database (test setup); false on error.
  bool sql(const std::string &statement, const std::string &db = "postgres") {
    PGconn *c = PQconnectdb(("host=127.0.0.1 port=" + std::to_string(port_) +
                             " user=postgres dbname=" + db)
                                .c_str());
    bool ok = PQstatus(c) == CONNECTION_OK;
    if (ok) {
      PGresult *r = PQexec(c, statement.c_str());
      ok = PQresultStatus(r) == PGRES_COMMAND_OK ||
           PQresultStatus(r) == PGRES_TUPLES_OK;
      PQclear(r);
    }
    PQfinish(c);
    return ok;
  }
  // First column of the first row of `query`, as text ("" on error).
  std::string scalar(const std::string &query, const std::string &db) {
    PGconn *c = PQconnectdb(("host=127.0.0.1 port=" + std::to_string(port_) +
                             " user=postgres dbname=" + db)
                                .c_str());
    std::string out;
    if (PQstatus(c) == CONNECTION_OK) {
      PGresult *r = PQexec(c, query.c_str());
      if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0)
        out = PQgetvalue(r, 0, 0);
      PQclear(r);
    }
    PQfinish(c);
    return out;
  }

private:
  TempDir dir_;
  std::string root_, data_, error_;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
  int port_ = 0;
  pid_t pid_ = -1;
};

class PrivateRedis {
public:
  PrivateRedis() {
    if (!std::filesystem::exists(kRedisServer)) {
      error_ =
          std::string(kRedisServer) +
          " not found: install Debian's redis-server (scripts/install-deps)";
      return;
    }
    server_identity(uid_, gid_);
    ::chown(dir_.file("").c_str(), uid_, gid_);
    port_ = free_port();
  }
  ~PrivateRedis() {
    resume();
    stop();
  }

  bool ok() const { return error_.empty(); }
  const std::string &error() const { return error_; }
  int port() const { return port_; }
  std::string url() const {
    return "redis://127.0.0.1:" + std::to_string(port_) + "/0";
  }

  // Starts the server and waits until it answers on port(). Readiness means
  // *this* process answers (INFO's process_id is ours): with tests running in
  // parallel another test's server may hold a port free_port() handed out,
  // and then this one moves to a fresh port.
  bool start() {
    for (int attempt = 0; attempt < 5; ++attempt) {
      pid_ = spawn({kRedisServer, "--port", std::to_string(port_), "--bind",
                    "127.0.0.1", "--save", "", "--appendonly", "no", "--dir",
                    dir_.file(""), "--daemonize", "no"},
                   uid_, gid_, dir_.file("redis.log"));
      for (int i = 0; i < 200; ++i) {
        const pid_t answering = answering_pid();
        if (answering == pid_)
          return true;
        if (answering > 0 || ::waitpid(pid_, nullptr, WNOHANG) == pid_)
          break; // someone else's server holds the port, or ours exited
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
      }
      stop_process(pid_, SIGKILL, std::chrono::milliseconds(0));
      port_ = free_port();
    }
    error_ = "redis-server did not become ready; see " + dir_.file("redis.log");
    return false;
  }
  void kill() { stop_process(pid_, SIGKILL, std::chrono::milliseconds(0)); }
  // SIGSTOP / SIGCONT: a hung server (socket open, nothing answers). Only
  // while the server runs: kill(-1, ...) would signal every process we may
  // signal, e.g. resume other tests' paused servers.
  void pause() {
    if (pid_ > 0)
      ::kill(pid_, SIGSTOP);
  }
  void resume() {
    if (pid_ > 0)
      ::kill(pid_, SIGCONT);
  }
  void stop() { stop_process(pid_, SIGTERM, std::chrono::seconds(5)); }

private:
  // The process_id the Redis server on port_ reports (INFO server); 0 when
  // nothing answers within a second.
  pid_t answering_pid() const {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    pid_t pid = 0;
    if (::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0) {
      static constexpr std::string_view kInfo =
          "*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n";
      std::string reply;
      if (::send(fd, kInfo.data(), kInfo.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(kInfo.size())) {
        char buf[4096];
        for (;;) {
          const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
          if (n <= 0)
            break;
          reply.append(buf, static_cast<size_t>(n));
          if (const auto at = reply.find("process_id:");
              at != std::string::npos && reply.find('\n', at) != std::string::npos) {
            pid = static_cast<pid_t>(std::atol(reply.c_str() + at + 11));
            break;
          }
        }
      }
    }
    ::close(fd);
    return pid;
  }

  TempDir dir_;
  std::string error_;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
  int port_ = 0;
  pid_t pid_ = -1;
};

} // namespace sy::testing
