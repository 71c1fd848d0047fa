#include "emulator/emulator.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <csignal>
#include <iostream>
#include <mutex>
#include <thread>

#include "emulator/session.h"

namespace sy::emulator {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

net::awaitable<void> accept_loop(tcp::acceptor acceptor, std::shared_ptr<EmulatorState> state) {
  auto& ctx = static_cast<net::io_context&>(acceptor.get_executor().context());
  for (;;) {
    auto [ec, socket] =
        co_await acceptor.async_accept(net::make_strand(ctx), net::as_tuple(net::use_awaitable));
    if (ec == net::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) continue;  // e.g. EMFILE: keep listening
    auto executor = socket.get_executor();
    net::co_spawn(executor, serve_connection(std::move(socket), state), net::detached);
  }
}

}  // namespace

struct Emulator::Impl {
  Options options;
  mutable std::mutex mu;
  std::unique_ptr<net::io_context> ioc;  // GUARDED_BY(mu)
  std::vector<std::thread> threads;      // GUARDED_BY(mu)
  uint16_t port = 0;                     // GUARDED_BY(mu)
  std::shared_ptr<EmulatorState> state = std::make_shared<EmulatorState>();
};

Emulator::Emulator(Options options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}

Emulator::~Emulator() { stop(); }

uint16_t Emulator::start() {
  std::lock_guard lock(impl_->mu);
  if (impl_->ioc) return impl_->port;
  int threads = std::max(1, impl_->options.threads);
  auto ioc = std::make_unique<net::io_context>(threads);
  tcp::endpoint endpoint(net::ip::make_address(impl_->options.host), impl_->options.port);
  tcp::acceptor acceptor(*ioc);
  acceptor.open(endpoint.protocol());
  acceptor.set_option(net::socket_base::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen(net::socket_base::max_listen_connections);
  impl_->port = acceptor.local_endpoint().port();
  net::co_spawn(*ioc, accept_loop(std::move(acceptor), impl_->state), net::detached);
  impl_->ioc = std::move(ioc);
  for (int i = 0; i < threads; ++i) {
    impl_->threads.emplace_back([ctx = impl_->ioc.get()] { ctx->run(); });
  }
  return impl_->port;
}

void Emulator::stop() {
  std::lock_guard lock(impl_->mu);
  if (!impl_->ioc) return;
  impl_->ioc->stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  impl_->ioc.reset();  // destroys every pending connection coroutine and its socket
  impl_->port = 0;
}

uint16_t Emulator::port() const {
  std::lock_guard lock(impl_->mu);
  return impl_->port;
}

std::string Emulator::base_url() const {
  std::lock_guard lock(impl_->mu);
  return "http://" + impl_->options.host + ":" + std::to_string(impl_->port);
}

std::vector<RequestRecord> Emulator::requests() const { return impl_->state->log.snapshot(); }

int run_emulator_command(const Options& options) {
  try {
    // Signals are caught from here on, before anyone can learn the port.
    net::io_context signals_ctx;
    net::signal_set signals(signals_ctx, SIGINT, SIGTERM);
    Emulator emulator(options);
    uint16_t port = emulator.start();
    std::cout << "emulator listening on " << options.host << ":" << port << std::endl;
    signals.async_wait([](const boost::system::error_code&, int) {});
    signals_ctx.run();
    emulator.stop();
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "emulator: cannot listen on " << options.host << ":" << options.port << ": "
              << e.what() << std::endl;
    return 1;
  }
}

}  // namespace sy::emulator
