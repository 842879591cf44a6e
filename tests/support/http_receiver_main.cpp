// trafficsim-test-receiver: the tests' loopback HTTP receiver as a process, for tools/bench
// (the HTTP sink's speed against a receiver that answers at once and only counts). Prints
// its port, then on SIGTERM or SIGINT (or after --lifetime seconds) what it received:
// "requests N bytes B lines L".

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "http_receiver.hpp"

int main(int argc, char** argv) {
  double lifetime = 600;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string(argv[i]) == "--lifetime") lifetime = std::atof(argv[i + 1]);
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGALRM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);  // before the receiver's threads start
  trafficsim::test::http_receiver receiver({}, /*keep_bodies=*/false, /*ipv6=*/false, lifetime);
  std::printf("%u\n", receiver.port());
  std::fflush(stdout);
  alarm(static_cast<unsigned>(lifetime) + 1);
  int sig = 0;
  sigwait(&stop, &sig);
  receiver.stop();
  std::printf("requests %llu bytes %llu lines %llu\n", static_cast<unsigned long long>(receiver.request_count()),
              static_cast<unsigned long long>(receiver.body_bytes()),
              static_cast<unsigned long long>(receiver.body_lines()));
  return 0;
}
